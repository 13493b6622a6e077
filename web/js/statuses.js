// The map statuses, their labels and colours, and each year's assessment period — from the server
// (`/api/rules`), the one source the legend, the panel, the dashboard, static maps and reports share.
import { getLang } from './i18n.js';

let rules = null;

/** Load once; later calls reuse the answer. */
export async function loadRules(api) {
  if (!rules) rules = await api('/api/rules');
  return rules;
}

function status(key) {
  return rules?.statuses?.find((s) => s.key === key);
}

/** Every status key, in legend order. */
export const statusKeys = () => (rules?.statuses ?? []).map((s) => s.key);

export const statusColor = (key) => status(key)?.color ?? '#d9d9d9';

export const statusLabel = (key) => {
  const s = status(key);
  return s ? (getLang() === 'en' ? s.label_en : s.label_vi) : key;
};

/** A year as its assessment period ("Kỳ 15/12/2025–14/12/2026"), or the year itself. */
export const periodLabel = (year) => {
  const p = rules?.periods?.[String(year)];
  return p ? (getLang() === 'en' ? p.label_en : p.label_vi) : String(year);
};
