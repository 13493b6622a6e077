// Who each commune of a boundary version is — code, name, province — fetched once per version
// from /api/labels and kept. Tiles below the label zoom carry only feature ids (the unit id), so
// the tooltip, the province view's colours and the dashboard's come from here.
import { api } from './net.js';

const byVersion = new Map(); // version → Promise<Map<unit id, label>>
const ready = new Map(); // version → Map, once loaded

/** The communes of `version` by unit id (one request per version, shared by every caller). */
export function unitsOf(version) {
  if (!byVersion.has(version)) {
    const p = api(`/api/labels?level=commune&version=${encodeURIComponent(version)}`, { quiet: true })
      .then(({ labels }) => {
        const m = new Map(labels.map((u) => [u.unit_id, u]));
        ready.set(version, m);
        return m;
      })
      .catch((e) => { byVersion.delete(version); throw e; });
    byVersion.set(version, p);
  }
  return byVersion.get(version);
}

/** A commune of `version` if already known (synchronous: the tooltip), else `undefined`. */
export const unitNow = (version, id) => ready.get(version)?.get(id);
