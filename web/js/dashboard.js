// Province dashboard: the annual review's progress while a period is open; the map coloured by
// each province's drug-free share against its target for the year; drug-free share per year
// against the target path (≥ 50 % in 2030), communes by status, quota progress, and the
// provinces that moved most since last year. The charts' library loads with the first chart.
import { t, num, getLang } from './i18n.js';
import { esc } from './html.js';
import { statusColor, statusKeys, statusLabel, periodLabel } from './statuses.js';
import { progressHtml } from './review.js';
import { showError, loadingHtml, emptyHtml } from './banner.js';
import { unitsOf } from './units.js';

/** The map's classes: where a province stands against its target path in the year. */
export const PROGRESS_CLASSES = [
  { key: 'on_track', color: '#1a9850' },
  { key: 'behind_5', color: '#fee08b' },
  { key: 'behind_15', color: '#fc8d59' },
  { key: 'behind_more', color: '#d73027' },
  { key: 'no_target', color: '#d9d9d9' },
];

/** A province-year's class: on track, or how many percentage points behind its target. */
export function progressClass(r) {
  if (r.target_pct === null || r.target_pct === undefined || r.drug_free_pct === null || r.drug_free_pct === undefined) return 'no_target';
  if (r.on_track) return 'on_track';
  const gap = r.target_pct - r.drug_free_pct;
  return gap < 5 ? 'behind_5' : gap < 15 ? 'behind_15' : 'behind_more';
}

export async function renderDashboard(el, { api, state, atlas }) {
  if (!el.querySelector('section.province')) el.innerHTML = loadingHtml();
  // The review's progress (if a period is open) comes first: it is what is happening now.
  let rows, targets, review, ch;
  try {
    [{ rows, targets }, review, ch] = await Promise.all([
      api('/api/progress', { lane: 'dashboard' }),
      api('/api/review/progress', { lane: 'dashboard-review' }).catch((e) => { if (e.aborted) throw e; return null; }),
      api(`/api/choropleth?year=${state.year}&metric=status`, { lane: 'dashboard-layer' }),
    ]);
  } catch (e) {
    if (!e.aborted) { el.innerHTML = ''; showError(e, { retry: () => renderDashboard(el, { api, state, atlas }) }); }
    return;
  }
  if (state.view !== 'dashboard') return;
  const byProvince = new Map();
  for (const r of rows) {
    if (!byProvince.has(r.province_code)) byProvince.set(r.province_code, []);
    byProvince.get(r.province_code).push(r);
  }
  const year = state.year;
  // Provinces valid in the selected year (the reform merges some).
  const current = rows.filter((r) => r.year === year);
  // The map: every commune in its province's colour.
  const classOf = Object.fromEntries(current.map((r) => [r.province_code, progressClass(r)]));
  const colour = Object.fromEntries(PROGRESS_CLASSES.map((c) => [c.key, c.color]));
  let units;
  try {
    units = await unitsOf(ch.boundary_version);
  } catch (e) {
    if (!e.aborted) showError(e, { retry: () => renderDashboard(el, { api, state, atlas }) });
    return;
  }
  if (state.view !== 'dashboard') return;
  const colors = {};
  for (const u of units.values()) if (classOf[u.province]) colors[u.unit_id] = colour[classOf[u.province]];
  atlas?.paint(ch.tile_layer, colors);
  const tally = {};
  for (const k of Object.values(classOf)) tally[k] = (tally[k] ?? 0) + 1;
  const legend = `<section id="dash-legend" aria-labelledby="dash-legend-title"><h3 id="dash-legend-title">${esc(t('dash.map.title', { year }))}</h3>
    ${PROGRESS_CLASSES.map((c) => `<div class="legend-item" data-key="${c.key}"><span class="swatch" style="background:${c.color}"></span><span>${esc(t(`dash.class.${c.key}`))}</span><span class="count">${num(tally[c.key] ?? 0)}</span></div>`).join('')}</section>`;
  let html = `${progressHtml(review)}${legend}<h3>${t('dash.title')}</h3>`;
  if (!current.length) html += emptyHtml(t('dash.none', { year }));
  const charts = [];
  for (const r of current) {
    const series = byProvince.get(r.province_code).sort((a, b) => a.year - b.year);
    const id = `dash-${String(r.province_code).replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const counts = statusKeys().map((k) => {
      const n = r[k] ?? 0;
      const w = r.communes ? (100 * n) / r.communes : 0;
      const c = statusColor(k);
      return `<div class="legend-item" data-key="${esc(k)}"><span class="swatch" style="background:${c}"></span><span>${esc(statusLabel(k))}</span>
        <span style="flex:1;height:.6rem;background:linear-gradient(90deg,${c} ${w}%,transparent ${w}%)"></span><span class="count">${num(n)}</span></div>`;
    }).join('');
    const onTrack = r.on_track ? `<span class="tri-false">${t('dash.ontrack')}</span>` : `<span class="tri-true">${t('dash.behind')}</span>`;
    const quota = r.quota_count !== null && r.quota_count !== undefined
      ? `<p>${t('dash.quota', { year, recognised: num(r.quota_recognised ?? 0), assigned: num(r.quota_assigned ?? 0), quota: num(r.quota_count) })}</p>` : '';
    html += `<section class="province" data-province="${esc(r.province_code)}" data-class="${classOf[r.province_code]}" tabindex="-1">
      <h3>${esc(r.province_name)} (${esc(r.province_code)})</h3>
      <p>${num(r.drug_free)}/${num(r.communes)} = <strong>${num(r.drug_free_pct, 1)} %</strong> · ${t('dash.target')}: ${num(r.target_pct, 1)} % · ${onTrack}</p>
      <div id="${id}" role="img" aria-label="${esc(t('dash.chart.label', { name: r.province_name }))}"></div><p class="legend-meta"><span style="color:#2166ac">━</span> ${t('dash.share')} · <span>╍</span> ${t('dash.target')}</p>
      <h4>${t('dash.counts', { year: periodLabel(year) })}</h4>${counts}${quota}
      <p><a class="report-link" href="/api/reports/${encodeURIComponent(r.province_code)}.pdf?year=${year}&lang=${getLang()}" download>${t('dash.report')}</a>
       · <a href="/api/maps/status.png?year=${year}&province=${encodeURIComponent(r.province_code)}&lang=${getLang()}" download>${t('dash.map')}</a></p></section>`;
    charts.push([id, series, targets.filter((x) => x.province_code === r.province_code)]);
  }
  // Movers: change in drug-free share since the previous year.
  const prev = new Map(rows.filter((r) => r.year === year - 1).map((r) => [r.province_code, r]));
  const movers = current
    .filter((r) => prev.has(r.province_code))
    .map((r) => ({ name: r.province_name, d: r.drug_free_pct - prev.get(r.province_code).drug_free_pct }))
    .sort((a, b) => Math.abs(b.d) - Math.abs(a.d))
    .slice(0, 5);
  if (movers.length) {
    html += `<h3>${t('dash.movers', { from: year - 1, to: year })}</h3><ul class="movers">${movers.map((m) => `<li>${esc(m.name)}: ${m.d >= 0 ? '+' : ''}${num(m.d, 1)} %</li>`).join('')}</ul>`;
  }
  el.innerHTML = html;
  if (!charts.length) return;
  const { default: uPlot } = await import('../vendor/uplot/uPlot.esm.js');
  // Each chart runs from the first year with data to 2030 (or the last year with data, if
  // later): the share where there is data, the target path all the way.
  for (const [id, series, path] of charts) {
    const first = series[0]?.year ?? year;
    const last = Math.max(2030, series.at(-1)?.year ?? year);
    const xs = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const shareOf = new Map(series.map((s) => [s.year, s.drug_free_pct]));
    const targetOf = new Map(path.map((p) => [p.year, p.target_pct]));
    const share = xs.map((y) => shareOf.get(y) ?? null);
    const target = xs.map((y) => targetOf.get(y) ?? null);
    const top = Math.max(60, ...share.filter((v) => v !== null).map((v) => Math.ceil(v / 10) * 10 + 10));
    const box = el.querySelector(`#${id}`);
    box.dataset.years = `${first}-${last}`;
    box.dataset.target = String(targetOf.get(2030) ?? '');
    new uPlot({
      width: Math.min(330, box.clientWidth || 330), height: 170, legend: { show: false }, scales: { x: { time: false }, y: { range: [0, top] } },
      // Whole years only on the x axis.
      axes: [{ incrs: [1, 2, 5, 10], values: (u, v) => v.map((x) => String(x)) }, { size: 40 }],
      series: [{}, { label: t('dash.share'), stroke: '#2166ac', width: 2, points: { show: true } },
        { label: t('dash.target'), stroke: '#555', dash: [6, 4], width: 1.5, points: { show: false } }],
    }, [xs, share, target], box);
  }
}
