// commune-atlas web client: views (status, conversion, indicators, province dashboard), year
// slider, legend, commune panel, search, vi/en, and the URL as shareable state.
import { t, setLang, getLang, translatePage, label, num } from './i18n.js';
import { AtlasMap } from './map.js';
import { renderPanel, renderProvincePanel } from './panel.js';
import { loadRules, periodLabel } from './statuses.js';
import { renderDashboard } from './dashboard.js';
import { initSearch } from './search.js';
import { PlansView } from './plans.js';
import { SqlConsole } from './console.js';
import { ImportView } from './importer.js';
import { OfficerPage } from './form.js';
import { ReviewView, renderInbox } from './review.js';
import { session, loadSession, showLogin, writeHeaders, renderUser, may } from './session.js';
import { esc } from './html.js';

const $ = (s) => document.querySelector(s);
const api = async (path) => {
  const r = await fetch(path);
  const body = await r.json();
  if (r.status === 401) showLogin(body?.error?.message);
  if (!r.ok) throw new Error(body?.error?.message ?? `${r.status} ${path}`);
  return body;
};
/** A write: JSON in and out; errors carry the HTTP status (409: someone else changed it first). */
const send = async (method, path, body) => {
  const r = await fetch(path, { method, headers: writeHeaders(), body: body ? JSON.stringify(body) : undefined });
  const out = await r.json();
  if (!r.ok) { const e = new Error(out?.error?.message ?? `${r.status} ${path}`); e.status = r.status; throw e; }
  return out;
};

const NUMERIC_METRICS = ['addict_user_rate_pct', 'arrest_rate_pct', 'drug_use_locations', 'addicts_with_records',
  'drug_offenders_arrested', 'plants_destroyed_area_m2', 'methadone_patients', 'resident_population'];

// State, mirrored in the URL hash: view, year, from, metric, method, classes, breaks, unit, lang, map.
const state = { view: 'status', year: null, from: null, statuses: 'approved', metric: 'addict_user_rate_pct', method: 'quantile', classes: 5, breaks: '', unit: null, lang: 'vi', province: null, plan: null };

function readUrl() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const k of ['view', 'metric', 'method', 'breaks', 'lang', 'province', 'statuses']) if (p.get(k)) state[k] = p.get(k);
  for (const k of ['year', 'from', 'classes', 'unit', 'plan']) if (p.get(k)) state[k] = Number(p.get(k));
  state.mapView = p.get('map');
}

function writeUrl(map) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== null && v !== '' && k !== 'mapView') p.set(k, v);
  if (map) {
    const c = map.getCenter();
    p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  }
  history.replaceState(null, '', `#${p}`);
}

let atlas, health, years = [], lastChoropleth = null, plansView = null, sqlConsole = null, importView = null, reviewView = null, lastProvinces = null;

/** Colours of the province view (Art. 5): key area, not, undetermined. */
const PROVINCE_COLORS = { true: '#b2182b', false: '#92c5de', unknown: '#8073ac' };

function provinceLegendHtml(pc) {
  const items = ['true', 'false', 'unknown'].map((k) => `<div class="legend-item" data-key="${k}"><span class="swatch" style="background:${PROVINCE_COLORS[k]}"></span><span>${esc(t(`prov.${k}`))}</span><span class="count">${num(pc.counts[k] ?? 0)}</span></div>`).join('');
  return `<h3>${esc(t('legend.provinces', { period: periodLabel(pc.year) }))}</h3>${items}
    <p class="legend-meta">${esc(t('legend.version', { version: pc.boundary_version }))}</p>`;
}

/** The province view: communes take their province's Art. 5 colour; a click opens the province. */
async function showProvinces() {
  let pc;
  try {
    pc = await api(`/api/provinces/classification?year=${state.year}`);
  } catch (e) {
    $('#legend').innerHTML = `<p class="legend-meta">${esc(e.message)}</p>`;
    return;
  }
  const layer = `communes.${pc.boundary_version}`;
  const colors = {};
  // The Ministry's approval, where there is one, decides the colour (Art. 7.3); the figures' result otherwise.
  for (const p of pc.provinces) colors[p.province_code] = PROVINCE_COLORS[p.approved ? String(p.approved.key_area) : p.key_area];
  atlas.paintByProperty(layer, 'province', colors);
  lastProvinces = pc;
  window.atlas.lastProvinces = pc;
  $('#legend').innerHTML = provinceLegendHtml(pc);
}

function openProvince(code) {
  const p = lastProvinces?.provinces.find((x) => x.province_code === code);
  if (!p) return;
  const panel = $('#panel');
  panel.hidden = false;
  renderProvincePanel(panel, p, { period: periodLabel(lastProvinces.year), onClose: () => { panel.hidden = true; } });
}

function legendHtml(ch) {
  const title = ch.metric === 'status' ? t('legend.status', { year: periodLabel(ch.year) })
    : ch.metric === 'conversion' ? t('legend.conversion', { from: ch.from, to: ch.year })
    : t('legend.indicator', { metric: t(`metric.${ch.metric}`), year: ch.year });
  const total = ch.legend.reduce((s, c) => s + c.count, 0);
  const items = ch.legend.map((c) => `<div class="legend-item" data-key="${esc(c.key)}"><span class="swatch" style="background:${esc(c.color)}"></span><span>${esc(label(c))}</span><span class="count">${num(c.count)}</span></div>`).join('');
  // The same classes for QGIS and other GIS, from the same source as this legend.
  const styles = ['status', 'conversion', 'key_type'].includes(ch.metric)
    ? `<p class="legend-meta" id="legend-styles">${t('legend.styles')}: <a href="/api/styles/${ch.metric}.qml?lang=${getLang()}" download>QGIS (.qml)</a> · <a href="/api/styles/${ch.metric}.sld?lang=${getLang()}" download>SLD</a></p>` : '';
  const extra = styles + (ch.metric === 'conversion' ? `<p class="legend-meta">${t('legend.analytical')} · ${esc(t('ctl.statuses'))}: ${esc(t(`ctl.statuses.${ch.statuses ?? 'approved'}`))}</p>` : '');
  return `<h3>${esc(title)}</h3>${items}<div class="legend-item"><span>${t('legend.total')}</span><span class="count" id="legend-total">${num(total)}</span></div>
    <p class="legend-meta">${esc(t('legend.version', { version: ch.boundary_version }))} · ${esc(ch.method)}</p>${extra}`;
}

async function recolour() {
  if (state.view === 'dashboard') return;
  if (state.view === 'provinces') return showProvinces();
  if (state.view === 'sql') {
    const ch = await api(`/api/choropleth?year=${state.year}&metric=status`).catch(() => null);
    if (ch) { atlas.showVersion(ch.tile_layer); atlas.paint(ch.tile_layer, {}); }
    return;
  }
  if (state.view === 'review') {
    const ch = await api(`/api/choropleth?year=${state.year}&metric=status`).catch(() => null);
    if (ch) atlas.showVersion(ch.tile_layer);
    await reviewView.render();
    // The Ministry's national view: the map by the approved statuses, nationally.
    if (ch && session.role === 'ministry') {
      const colour = Object.fromEntries(ch.legend.map((c) => [c.key, c.color]));
      atlas.paint(ch.tile_layer, Object.fromEntries(Object.entries(ch.units).map(([id, k]) => [id, colour[String(k)] ?? '#d9d9d9'])));
      lastChoropleth = ch;
      window.atlas.lastChoropleth = ch;
    }
    return;
  }
  if (state.view === 'plans') {
    const target = Math.min(state.year + 1, 2035);
    const ch = await api(`/api/choropleth?year=${years.includes(target) ? target : state.year}&metric=status`).catch(() => null);
    if (ch) atlas.showVersion(ch.tile_layer);
    await plansView.render();
    writeUrl(atlas.map);
    return;
  }
  const q = new URLSearchParams({ year: state.year });
  // The import page shows the status map, so new figures show as they land.
  if (state.view === 'status' || state.view === 'import') q.set('metric', 'status');
  if (state.view === 'conversion') { q.set('metric', 'conversion'); q.set('from', state.from ?? state.year - 1); q.set('statuses', state.statuses); }
  if (state.view === 'indicator') {
    q.set('metric', state.metric); q.set('method', state.method); q.set('classes', state.classes);
    if (state.method === 'custom' && state.breaks) q.set('breaks', state.breaks);
  }
  let ch;
  try {
    ch = await api(`/api/choropleth?${q}`);
  } catch (e) {
    $('#legend').innerHTML = `<p class="legend-meta">${esc(e.message)}</p>`;
    return;
  }
  const colour = {};
  for (const c of ch.legend) colour[c.key] = c.color;
  const colors = {};
  for (const [id, k] of Object.entries(ch.units)) colors[id] = colour[String(k)] ?? '#d9d9d9';
  atlas.paint(ch.tile_layer, colors);
  lastChoropleth = ch;
  window.atlas.lastChoropleth = ch;
  $('#legend').innerHTML = legendHtml(ch);
  if (state.unit) atlas.select(state.unit);
}

function setView(view) {
  state.view = view;
  for (const b of document.querySelectorAll('.views button')) b.setAttribute('aria-selected', String(b.dataset.view === view));
  $('#from-row').hidden = view !== 'conversion';
  $('#statuses-row').hidden = view !== 'conversion';
  $('#metric-row').hidden = view !== 'indicator';
  $('#method-row').hidden = view !== 'indicator';
  $('#breaks').hidden = state.method !== 'custom';
  $('#dashboard').hidden = view !== 'dashboard';
  $('#plans').hidden = view !== 'plans';
  $('#sql').hidden = view !== 'sql';
  $('#import').hidden = view !== 'import';
  $('#review').hidden = view !== 'review';
  $('#legend').hidden = ['dashboard', 'plans', 'sql', 'import', 'review'].includes(view);
  if (view === 'review') $('#panel').hidden = true;
  if (view === 'import') { $('#panel').hidden = true; importView.render(); }
  if (view !== 'provinces' && lastProvinces && !$('#panel').hidden && $('#province-criteria')) $('#panel').hidden = true;
  if (view === 'sql') { $('#panel').hidden = true; sqlConsole.render(); }
  if (view === 'plans') $('#panel').hidden = true;
  if (view === 'dashboard') {
    $('#panel').hidden = true;
    renderDashboard($('#dashboard'), { api, years, state, health });
  }
  recolour();
  writeUrl(atlas.map);
}

async function openUnit(id, { fly = false } = {}) {
  state.unit = id;
  atlas.select(id);
  writeUrl(atlas.map);
  const panel = $('#panel');
  panel.hidden = false;
  try {
    const ev = await api(`/api/units/${id}/evaluation?year=${state.year}`);
    const info = await api(`/api/search?id=${id}`);
    renderPanel(panel, ev, info.results[0], {
      onClose: () => { panel.hidden = true; state.unit = null; atlas.select(null); writeUrl(atlas.map); },
      onOpen: (other) => openUnit(other, { fly: true }),
    });
    if (fly && info.results[0]?.bbox) atlas.flyToBounds(info.results[0].bbox);
  } catch (e) {
    panel.innerHTML = `<p>${esc(e.message)}</p>`;
  }
}

function setYear(y) {
  state.year = y;
  $('#year-value').textContent = y;
  const from = $('#from');
  from.innerHTML = years.filter((x) => x < y).map((x) => `<option ${x === (state.from ?? y - 1) ? 'selected' : ''}>${x}</option>`).join('');
  if (state.from !== null && state.from >= y) state.from = null;
  recolour();
  if (state.view === 'dashboard') renderDashboard($('#dashboard'), { api, years, state, health });
  if (state.unit) openUnit(state.unit);
  writeUrl(atlas.map);
}

function applyLang(l) {
  setLang(l);
  state.lang = l;
  $('#lang').textContent = l === 'vi' ? 'EN' : 'VI';
  translatePage();
  if (session.role) renderUser($('#user'));
  $('#metric').innerHTML = NUMERIC_METRICS.map((m) => `<option value="${m}" ${m === state.metric ? 'selected' : ''}>${t(`metric.${m}`)}</option>`).join('');
  if (lastChoropleth) $('#legend').innerHTML = legendHtml(lastChoropleth);
  if (state.view === 'dashboard') renderDashboard($('#dashboard'), { api, years, state, health });
  if (state.view === 'plans' && plansView) plansView.render();
  if (state.unit && !$('#panel').hidden) openUnit(state.unit);
  writeUrl(atlas?.map);
}

async function main() {
  readUrl();
  health = await api('/api/health');
  $('#demo-banner').hidden = !health.demo;
  await loadSession();
  if (session.login_required && !session.authenticated) {
    translatePage();
    showLogin();
    return;
  }
  renderUser($('#user'));
  if (session.role === 'officer') return officerMode();
  await loadRules(api);
  // Views the user's role does not include are not offered.
  for (const [view, role] of [['plans', 'leader'], ['sql', 'analyst'], ['import', 'admin']]) {
    if (!may(role)) document.querySelector(`.views button[data-view="${view}"]`).hidden = true;
  }
  // Reviewing and approving are the reviewers' and approvers' (and admins'), not every higher role's.
  const reviews = ['reviewer', 'approver', 'ministry', 'admin'].includes(session.role) || !session.authenticated;
  if (!reviews) document.querySelector('.views button[data-view="review"]').hidden = true;
  if (state.view === 'review' && !reviews) state.view = 'status';
  if ((state.view === 'plans' && !may('leader')) || (state.view === 'sql' && !may('analyst')) || (state.view === 'import' && !may('admin'))) state.view = 'status';
  years = health.years;
  const catalog = await api('/tiles');
  atlas = new AtlasMap($('#map'), catalog, {
    onClick: async (f) => {
      if (state.view === 'plans' && plansView?.plan?.status === 'draft') { await plansView.add(f.id); return; }
      if (state.view === 'provinces') { openProvince(f.properties.province); return; }
      openUnit(f.id);
    },
    onHover: (f, ev) => {
      const tip = $('#tooltip');
      if (!f || !ev) { tip.hidden = true; return; }
      tip.hidden = false;
      tip.textContent = `${f.properties.name} (${f.properties.code})`;
      tip.style.left = `${ev.clientX + 12}px`;
      tip.style.top = `${ev.clientY + 12}px`;
    },
  });
  window.atlas.map = atlas.map;
  window.atlas.atlas = atlas;
  plansView = new PlansView($('#plans'), { api, send, state, atlas, onSelect: () => writeUrl(atlas.map) });
  window.atlas.plans = plansView;
  sqlConsole = new SqlConsole($('#sql'), { api, atlas });
  window.atlas.sql = sqlConsole;
  importView = new ImportView($('#import'), {
    // New figures: the years on the slider and the map's colours; new boundaries: the page
    // (the server already serves the new tiles).
    onImported: async (kind) => {
      if (kind === 'boundaries') { setTimeout(() => location.reload(), 1500); return; }
      health = await api('/api/health');
      years = health.years;
      $('#year').min = years[0];
      $('#year').max = years[years.length - 1];
      await recolour();
      window.atlas.imports += 1;
    },
  });
  window.atlas.importer = importView;
  reviewView = new ReviewView($('#review'), { api, send, atlas });
  window.atlas.review = reviewView;
  atlas.map.on('dataloading', (e) => { if (e.dataType === 'source' && e.tile) window.atlas.tileRequests += 1; });
  atlas.map.on('moveend', () => writeUrl(atlas.map));
  if (state.mapView) {
    const [z, lat, lng] = state.mapView.split('/').map(Number);
    if ([z, lat, lng].every(Number.isFinite)) atlas.map.jumpTo({ zoom: z, center: [lng, lat] });
  }
  applyLang(state.lang);
  const slider = $('#year');
  slider.min = years[0];
  slider.max = years[years.length - 1];
  const year = years.includes(state.year) ? state.year : years[years.length - 1];
  slider.value = year;
  slider.addEventListener('input', () => setYear(Number(slider.value)));
  $('#from').addEventListener('change', (e) => { state.from = Number(e.target.value); recolour(); writeUrl(atlas.map); });
  $('#statuses').value = state.statuses;
  $('#statuses').addEventListener('change', (e) => { state.statuses = e.target.value; recolour(); writeUrl(atlas.map); });
  $('#metric').addEventListener('change', (e) => { state.metric = e.target.value; recolour(); writeUrl(atlas.map); });
  $('#method').value = state.method;
  $('#classes').value = String(state.classes);
  $('#method').addEventListener('change', (e) => { state.method = e.target.value; $('#breaks').hidden = state.method !== 'custom'; recolour(); writeUrl(atlas.map); });
  $('#classes').addEventListener('change', (e) => { state.classes = Number(e.target.value); recolour(); writeUrl(atlas.map); });
  $('#breaks').addEventListener('change', (e) => { state.breaks = e.target.value; recolour(); writeUrl(atlas.map); });
  for (const b of document.querySelectorAll('.views button')) b.addEventListener('click', () => setView(b.dataset.view));
  $('#lang').addEventListener('click', () => applyLang(getLang() === 'vi' ? 'en' : 'vi'));
  $('#print').addEventListener('click', () => window.print());
  initSearch($('#search'), $('#search-results'), { api, onPick: (r) => (r.level === 'commune' ? openUnit(r.unit_id, { fly: true }) : atlas.flyToBounds(r.bbox)) });
  await atlas.loaded;
  state.year = year;
  $('#year-value').textContent = year;
  setYear(year);
  setView(state.view);
  if (state.unit) openUnit(state.unit);
  // What waits for this person (a reviewer's submissions to review), kept current.
  const inbox = () => renderInbox($('#inbox'), { api, onOpen: () => setView('review') });
  reviewView.onChanged = inbox;
  inbox();
  setInterval(inbox, 60_000);
  await new Promise((resolve) => atlas.map.once('idle', resolve));
}

/** A commune officer sees their communes' review forms and nothing else (no map: its data is not theirs). */
async function officerMode() {
  for (const sel of ['.views', '.search', '#print', 'main']) $(sel).hidden = true;
  const el = $('#officer-page');
  el.hidden = false;
  const page = new OfficerPage(el, { api });
  window.atlas.form = page;
  // What was returned to this officer; the button goes to the returned commune's form.
  const inbox = () => renderInbox($('#inbox'), { api, onOpen: () => page.openReturned() });
  page.onChanged = inbox;
  inbox();
  setInterval(inbox, 60_000);
  $('#lang').addEventListener('click', () => { applyLang(getLang() === 'vi' ? 'en' : 'vi'); page.render(); });
  setLang(state.lang);
  translatePage();
  await page.load();
}

// A hook for tests and curious users: the map, the state, the last choropleth, tile requests.
window.atlas = { state, tileRequests: 0, lastChoropleth: null, imports: 0 };
window.atlas.ready = main().catch((e) => {
  document.body.insertAdjacentHTML('afterbegin', `<p style="color:#b00;padding:1rem">${esc(e.message)}</p>`);
  throw e;
});
