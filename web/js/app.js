// commune-atlas web client: views (status, conversion, indicators, provinces, dashboard, plans,
// SQL, review, import) as keyboard-operable tabs, the debounced year slider, legend and the map's
// information as a table, commune panel, search, vi/en, a resizable side panel with a full-width
// table mode, and the URL as shareable state (a pasted link restores it in an open tab too).
// The views beyond the map (dashboard, plans, SQL, review, import, the officer's form) load their
// modules on first use: the first view downloads none of them. The map itself (map.js, MapLibre
// below it) is imported only where a map is shown: an officer's form never downloads it (the
// server preloads the map's modules or the form's, by who asks: src/api/static_files.rs).
// Every request goes through net.js: a newer request for the map supersedes an older one, so the
// map always shows the year the slider shows.
import { t, setLang, getLang, translatePage, label, num, fold } from './i18n.js';
import { renderPanel, renderProvincePanel } from './panel.js';
import { loadRules, periodLabel, statusLabel } from './statuses.js';
import { initSearch } from './search.js';
import { renderInbox } from './inbox.js';
import { session, loadSession, showLogin, writeHeaders, renderUser, may } from './session.js';
import { esc } from './html.js';
import { unitsOf, unitNow } from './units.js';
import { api, send, debounce, cancel, prefetch, peek, setUnauthorizedHandler, setWriteHeaders } from './net.js';
import { initBanner, showError, clearError, loadingHtml, emptyHtml, wideToggle } from './banner.js';

const $ = (s) => document.querySelector(s);
setUnauthorizedHandler((message) => showLogin(message));
setWriteHeaders(writeHeaders);

const NUMERIC_METRICS = ['addict_user_rate_pct', 'arrest_rate_pct', 'drug_use_locations', 'addicts_with_records',
  'drug_offenders_arrested', 'plants_destroyed_area_m2', 'methadone_patients', 'resident_population'];

// State, mirrored in the URL hash: view, year, from, metric, method, classes, breaks, unit, lang, map.
const DEFAULTS = { view: 'status', year: null, from: null, statuses: 'approved', metric: 'addict_user_rate_pct', method: 'quantile', classes: 5, breaks: '', unit: null, lang: 'vi', province: null, plan: null };
const state = { ...DEFAULTS };
const VIEWS = ['status', 'conversion', 'indicator', 'provinces', 'dashboard', 'plans', 'sql', 'review', 'import'];

/** Read the state from the URL's `#…` (what is not in it takes its default). */
function readUrl() {
  const p = new URLSearchParams(location.hash.slice(1));
  Object.assign(state, DEFAULTS, { year: state.year });
  for (const k of ['view', 'metric', 'method', 'breaks', 'lang', 'province', 'statuses']) if (p.get(k)) state[k] = p.get(k);
  for (const k of ['year', 'from', 'classes', 'unit', 'plan']) if (p.get(k) && Number.isFinite(Number(p.get(k)))) state[k] = Number(p.get(k));
  if (!VIEWS.includes(state.view)) state.view = 'status';
  if (!['vi', 'en'].includes(state.lang)) state.lang = 'vi';
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
  writtenHash = location.hash;
}
let writtenHash = null;

let atlas, health, years = [], lastChoropleth = null, plansView = null, lastProvinces = null;

/** A promise made once, on first use; a failure (a cut link) is forgotten, so the next use tries again. */
function once(make) {
  let p = null;
  return () => (p ??= make().catch((e) => { p = null; throw e; }));
}

/** Failed module loads so far. The browser remembers a failed `import()` for the page's life,
 * so after a failure a module is asked for by a new URL (the server ignores the query). */
let failedLoads = 0;
const load = (path) => import(failedLoads ? `${path}?retry=${failedLoads}` : path);

/** The views beyond the map, each built from its module on first use (`window.atlas.*` for tests). */
const views = {
  plans: once(async () => {
    const { PlansView } = await load('./plans.js');
    plansView = new PlansView($('#plans'), { api, send, state, atlas, onSelect: () => writeUrl(atlas.map) });
    return (window.atlas.plans = plansView);
  }),
  sql: once(async () => {
    const { SqlConsole } = await load('./console.js');
    return (window.atlas.sql = new SqlConsole($('#sql'), { api, atlas }));
  }),
  import: once(async () => {
    const { ImportView } = await load('./importer.js');
    return (window.atlas.importer = new ImportView($('#import'), {
      // New figures: the years on the slider and the map's colours; new boundaries: the page
      // (the server already serves the new tiles).
      onImported: async (kind) => {
        if (kind === 'boundaries') { setTimeout(() => location.reload(), 1500); return; }
        health = await api('/api/health', { quiet: true });
        years = health.years;
        $('#year').min = years[0];
        $('#year').max = years[years.length - 1];
        await recolour();
        window.atlas.imports += 1;
      },
    }));
  }),
  review: once(async () => {
    const { ReviewView } = await load('./review.js');
    const view = new ReviewView($('#review'), { api, send, atlas });
    view.onChanged = inbox;
    return (window.atlas.review = view);
  }),
  dashboard: once(() => load('./dashboard.js')),
};

/** Show a view built on first use: a loading state while its module comes, the banner if it cannot. */
async function openView(name, el, show) {
  if (!el.firstElementChild) el.innerHTML = loadingHtml();
  let view;
  try {
    view = await views[name]();
  } catch {
    failedLoads += 1;
    el.innerHTML = '';
    showError({ kind: 'network', message: t('net.module') }, { retry: () => openView(name, el, show) });
    return undefined;
  }
  return show(view);
}

function showDashboard() {
  return openView('dashboard', $('#dashboard'), ({ renderDashboard }) => renderDashboard($('#dashboard'), { api, state, atlas }));
}

/** What waits for this person (a reviewer's submissions to review), in the header, kept current. */
function inbox() {
  return renderInbox($('#inbox'), { api, onOpen: () => setView('review') });
}
/** Bumped by every recolour: an older one that is still awaiting stops at its next step. */
let generation = 0;

/** Colours of the province view (Art. 5): key area, not, undetermined. */
const PROVINCE_COLORS = { true: '#b2182b', false: '#92c5de', unknown: '#8073ac' };

function provinceLegendHtml(pc) {
  const items = ['true', 'false', 'unknown'].map((k) => `<div class="legend-item" data-key="${k}"><span class="swatch" style="background:${PROVINCE_COLORS[k]}"></span><span>${esc(t(`prov.${k}`))}</span><span class="count">${num(pc.counts[k] ?? 0)}</span></div>`).join('');
  return `<h3 id="legend-title">${esc(t('legend.provinces', { period: periodLabel(pc.year) }))}</h3>${items}
    <p class="legend-meta">${esc(t('legend.version', { version: pc.boundary_version }))}</p>`;
}

/** The province view: communes take their province's Art. 5 colour; a click opens the province. */
async function showProvinces(gen) {
  let pc;
  try {
    pc = await api(`/api/provinces/classification?year=${state.year}`, { lane: 'map' });
  } catch (e) {
    if (!e.aborted) { $('#legend').innerHTML = ''; showError(e, { retry: recolour }); }
    return;
  }
  if (gen !== generation) return;
  const layer = `communes.${pc.boundary_version}`;
  let units;
  try {
    units = await unitsOf(pc.boundary_version);
  } catch (e) {
    if (!e.aborted) showError(e, { retry: recolour });
    return;
  }
  if (gen !== generation) return;
  const byProvince = {};
  // The Ministry's approval, where there is one, decides the colour (Art. 7.3); the figures' result otherwise.
  for (const p of pc.provinces) byProvince[p.province_code] = PROVINCE_COLORS[p.approved ? String(p.approved.key_area) : p.key_area];
  // Every commune in its province's colour.
  const colors = {};
  for (const u of units.values()) if (byProvince[u.province]) colors[u.unit_id] = byProvince[u.province];
  atlas.paint(layer, colors);
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
  return `<h3 id="legend-title" data-year="${ch.year}">${esc(title)}</h3>${items}<div class="legend-item"><span>${t('legend.total')}</span><span class="count" id="legend-total">${num(total)}</span></div>
    <p class="legend-meta">${esc(t('legend.version', { version: ch.boundary_version }))} · ${esc(ch.method)}</p>${extra}
    <button type="button" id="table-toggle" aria-expanded="${!$('#map-table').hidden}" aria-controls="map-table">${t($('#map-table').hidden ? 'table.show' : 'table.hide')}</button>`;
}

/** The map's information as a table (status or class per commune, with a filter): the same
 * answer the map is coloured from, for screen-reader and keyboard users and for reading off. */
async function renderMapTable() {
  const box = $('#map-table');
  const ch = lastChoropleth;
  if (box.hidden || !ch) return;
  const version = ch.boundary_version;
  if (renderMapTable.version !== version) {
    box.innerHTML = loadingHtml();
    try {
      renderMapTable.labels = [...(await unitsOf(version)).values()];
      renderMapTable.version = version;
    } catch (e) {
      if (!e.aborted) { box.innerHTML = ''; showError(e, { retry: renderMapTable }); }
      return;
    }
  }
  const filter = box.querySelector('#map-table-filter')?.value ?? '';
  box.innerHTML = `<h3 id="map-table-title">${esc(t('table.title', { what: $('#legend-title')?.textContent ?? '' }))}</h3>
    <div class="row"><label for="map-table-filter">${t('table.filter')}</label><input id="map-table-filter" type="search" value="${esc(filter)}" autocomplete="off">
      ${wideToggle('map-table-wide')}</div>
    <p class="legend-meta" role="status" id="map-table-count"></p><div id="map-table-body"></div>`;
  const input = box.querySelector('#map-table-filter');
  input.addEventListener('input', debounce(fillMapTable, 200));
  fillMapTable();
}

/** The table's rows for the filter typed (the first 400; the count says how many match). */
function fillMapTable() {
  const box = $('#map-table');
  const ch = lastChoropleth;
  if (!ch || !renderMapTable.labels || !box.querySelector('#map-table-filter')) return;
  const legendOf = Object.fromEntries(ch.legend.map((c) => [String(c.key), label(c)]));
  const filter = fold(box.querySelector('#map-table-filter').value.trim());
  const rows = renderMapTable.labels.filter((u) => String(u.unit_id) in ch.units)
    .filter((u) => !filter || fold(`${u.name} ${u.province_name ?? ''} ${u.code}`).includes(filter))
    .sort((a, b) => a.code.localeCompare(b.code));
  const shown = rows.slice(0, 400);
  box.querySelector('#map-table-count').textContent = t('table.count', { n: num(rows.length), shown: num(shown.length) });
  const body = box.querySelector('#map-table-body');
  body.innerHTML = shown.length ? `<div class="sql-grid" tabindex="0"><table id="map-table-rows" aria-labelledby="map-table-title"><thead><tr><th scope="col">${t('panel.code')}</th><th scope="col">${t('plan.commune')}</th><th scope="col">${t('panel.province')}</th><th scope="col">${esc(ch.metric === 'status' ? t('panel.status') : t('table.class'))}</th></tr></thead>
      <tbody>${shown.map((u) => `<tr data-unit="${u.unit_id}"><td>${esc(u.code)}</td><th scope="row"><button type="button" class="link" data-open="${u.unit_id}">${esc(u.name)}</button></th><td>${esc(u.province_name ?? '')}</td><td>${esc(legendOf[String(ch.units[u.unit_id])] ?? String(ch.units[u.unit_id] ?? '—'))}</td></tr>`).join('')}</tbody></table></div>`
    : emptyHtml(t('table.none'));
  for (const b of body.querySelectorAll('[data-open]')) b.addEventListener('click', () => openUnit(Number(b.dataset.open), { fly: true }));
}

/** The layer (boundary version) of the year, for views that colour the map themselves. */
async function statusLayer(gen) {
  try {
    const ch = await api(`/api/choropleth?year=${state.year}&metric=status`, { lane: 'map' });
    return gen === generation ? ch : null;
  } catch (e) {
    if (!e.aborted) showError(e, { retry: recolour });
    return null;
  }
}

/** Colour the map (and fill the legend) for the state: the view, the year, the metric. */
/** The choropleth the map views show for the state (status, conversion or an indicator). */
function choroplethPath() {
  const q = new URLSearchParams({ year: state.year });
  // The import page shows the status map, so new figures show as they land.
  if (state.view === 'status' || state.view === 'import') q.set('metric', 'status');
  if (state.view === 'conversion') { q.set('metric', 'conversion'); q.set('from', state.from ?? state.year - 1); q.set('statuses', state.statuses); }
  if (state.view === 'indicator') {
    q.set('metric', state.metric); q.set('method', state.method); q.set('classes', state.classes);
    if (state.method === 'custom' && state.breaks) q.set('breaks', state.breaks);
  }
  return `/api/choropleth?${q}`;
}

async function recolour() {
  const gen = ++generation;
  if (state.view === 'dashboard') return;
  if (state.view === 'provinces') return showProvinces(gen);
  if (state.view === 'sql') {
    const ch = await statusLayer(gen);
    if (ch) { atlas.showVersion(ch.tile_layer); atlas.paint(ch.tile_layer, {}); }
    return;
  }
  if (state.view === 'review') {
    const ch = await statusLayer(gen);
    if (ch) atlas.showVersion(ch.tile_layer);
    if (gen !== generation) return;
    await openView('review', $('#review'), (v) => v.render());
    if (gen !== generation) return;
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
    let ch = null;
    try {
      ch = await api(`/api/choropleth?year=${years.includes(target) ? target : state.year}&metric=status`, { lane: 'map' });
    } catch (e) {
      if (e.aborted) return;
      showError(e, { retry: recolour });
    }
    if (gen !== generation) return;
    if (ch) atlas.showVersion(ch.tile_layer);
    await openView('plans', $('#plans'), (v) => v.render());
    writeUrl(atlas.map);
    return;
  }
  let ch;
  $('#legend').setAttribute('aria-busy', 'true');
  try {
    ch = await api(choroplethPath(), { lane: 'map' });
  } catch (e) {
    if (e.aborted) return;
    // The legend never describes colours the map no longer shows.
    if (!lastChoropleth || lastChoropleth.year !== state.year) $('#legend').innerHTML = `<p class="legend-meta">${esc(e.message)}</p>`;
    showError(e, { retry: recolour });
    return;
  } finally {
    $('#legend').removeAttribute('aria-busy');
  }
  if (gen !== generation) return;
  clearError();
  const colour = {};
  for (const c of ch.legend) colour[c.key] = c.color;
  const colors = {};
  for (const [id, k] of Object.entries(ch.units)) colors[id] = colour[String(k)] ?? '#d9d9d9';
  atlas.paint(ch.tile_layer, colors);
  lastChoropleth = ch;
  window.atlas.lastChoropleth = ch;
  $('#legend').innerHTML = legendHtml(ch);
  renderMapTable();
  if (state.unit) atlas.select(state.unit);
}

function setView(view) {
  state.view = view;
  // Tabs: the selected one is the tab stop; arrows move between them (initTabs).
  for (const b of document.querySelectorAll('.views button')) {
    b.setAttribute('aria-selected', String(b.dataset.view === view));
    b.tabIndex = b.dataset.view === view ? 0 : -1;
  }
  // The full-width table mode belongs to the table views; the map views show the map.
  if (!['status', 'conversion', 'indicator'].includes(view)) $('#map-table').hidden = true;
  if (['status', 'conversion', 'indicator', 'provinces', 'dashboard'].includes(view) && $('#map-table').hidden) setWide(false);
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
  $('#side').setAttribute('aria-labelledby', `tab-${view}`);
  if (view === 'review') $('#panel').hidden = true;
  if (view === 'import') { $('#panel').hidden = true; openView('import', $('#import'), (v) => v.render()); }
  if (view !== 'provinces' && lastProvinces && !$('#panel').hidden && $('#province-criteria')) $('#panel').hidden = true;
  if (view === 'sql') { $('#panel').hidden = true; openView('sql', $('#sql'), (v) => v.render()); }
  if (view === 'plans') $('#panel').hidden = true;
  if (view === 'dashboard') {
    $('#panel').hidden = true;
    showDashboard();
  }
  const done = recolour();
  writeUrl(atlas.map);
  return done;
}

/** The view tabs as an ARIA tab list: ←/→ (and Home/End) move and select, Tab leaves. */
function initTabs() {
  const tabs = () => [...document.querySelectorAll('.views button')].filter((b) => !b.hidden);
  for (const b of document.querySelectorAll('.views button')) {
    b.id = `tab-${b.dataset.view}`;
    b.setAttribute('aria-controls', 'side');
    b.addEventListener('click', () => setView(b.dataset.view));
    b.addEventListener('keydown', (e) => {
      const list = tabs();
      const i = list.indexOf(b);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const next = list[(to + list.length) % list.length];
      next.focus();
      setView(next.dataset.view);
    });
  }
}

/** The side panel: its width follows a drag (or ←/→ on the handle) and is remembered. */
function initResize() {
  const side = $('#side');
  const handle = $('#side-resize');
  const min = 280;
  const max = () => Math.max(min, window.innerWidth - 240);
  const apply = (w) => {
    const width = Math.round(Math.min(max(), Math.max(min, w)));
    side.style.width = `${width}px`;
    handle.setAttribute('aria-valuenow', String(width));
    handle.setAttribute('aria-valuemin', String(min));
    handle.setAttribute('aria-valuemax', String(max()));
    atlas?.map.resize();
    return width;
  };
  const saved = Number(localStorage.getItem('atlas.side.width'));
  apply(Number.isFinite(saved) && saved > 0 ? saved : side.getBoundingClientRect().width || 400);
  const keep = (w) => localStorage.setItem('atlas.side.width', String(apply(w)));
  handle.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    const move = (ev) => apply(window.innerWidth - ev.clientX);
    const up = (ev) => { handle.removeEventListener('pointermove', move); handle.removeEventListener('pointerup', up); keep(window.innerWidth - ev.clientX); };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('keydown', (e) => {
    const w = side.getBoundingClientRect().width;
    const step = e.shiftKey ? 80 : 24;
    const to = { ArrowLeft: w + step, ArrowRight: w - step, Home: max(), End: min }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    keep(to);
  });
}

/** Full-width table mode: the side panel takes the page (the map folds away) for wide tables. */
function setWide(on) {
  document.body.classList.toggle('wide', on);
  for (const b of document.querySelectorAll('.wide-toggle')) {
    b.setAttribute('aria-pressed', String(on));
    b.textContent = t(on ? 'wide.off' : 'wide.on');
  }
  atlas?.map.resize();
}

async function openUnit(id, { fly = false } = {}) {
  state.unit = id;
  atlas.select(id);
  writeUrl(atlas.map);
  const panel = $('#panel');
  panel.hidden = false;
  if (!panel.querySelector('#panel-name')) panel.innerHTML = loadingHtml();
  panel.setAttribute('aria-busy', 'true');
  let ev, info;
  try {
    [ev, info] = await Promise.all([
      api(`/api/units/${id}/evaluation?year=${state.year}`, { lane: 'unit' }),
      api(`/api/search?id=${id}`, { lane: 'unit-info' }),
    ]);
  } catch (e) {
    if (e.aborted) return;
    panel.removeAttribute('aria-busy');
    panel.innerHTML = `<button class="close" aria-label="${esc(t('panel.close'))}">×</button><p>${esc(e.message)}</p>`;
    panel.querySelector('.close').addEventListener('click', () => { panel.hidden = true; });
    showError(e, { retry: () => openUnit(id, { fly }) });
    return;
  }
  if (state.unit !== id) return;
  panel.removeAttribute('aria-busy');
  const focusInPanel = panel.contains(document.activeElement);
  renderPanel(panel, ev, info.results[0], {
    onClose: () => { panel.hidden = true; state.unit = null; atlas.select(null); writeUrl(atlas.map); },
    onOpen: (other) => openUnit(other, { fly: true }),
  });
  if (fly && info.results[0]?.bbox) atlas.flyToBounds(info.results[0].bbox);
  if (fly || focusInPanel) panel.querySelector('#panel-name')?.focus();
}

/** The slider shows `y` at once; what depends on the year follows (`applyYear`). */
function setYear(y) {
  // What is under way for the year the slider left is of no use any more.
  if (y !== state.year) { generation += 1; cancel('map'); cancel('dashboard-layer'); cancel('dashboard'); cancel('unit'); }
  state.year = y;
  $('#year-value').textContent = y;
  $('#year').value = y;
  $('#year').setAttribute('aria-valuetext', periodLabel(y));
  const from = $('#from');
  from.innerHTML = years.filter((x) => x < y).map((x) => `<option ${x === (state.from ?? y - 1) ? 'selected' : ''}>${x}</option>`).join('');
  if (state.from !== null && state.from >= y) state.from = null;
  writeUrl(atlas.map);
}

/** Everything that depends on the year: the map, the dashboard, the open commune. */
function applyYear() {
  recolour();
  if (state.view === 'dashboard') showDashboard();
  if (state.unit) openUnit(state.unit);
}
/** The slider dragged across years asks once it rests (150 ms), not once per year passed. */
const applyYearSoon = debounce(applyYear, 150);

/** Switch the page's language; `render: false` only relabels (before the map and year exist). */
function applyLang(l, { render = true } = {}) {
  setLang(l);
  state.lang = l;
  $('#lang').textContent = l === 'vi' ? 'EN' : 'VI';
  $('#lang').lang = l === 'vi' ? 'en' : 'vi';
  translatePage();
  if (session.role) renderUser($('#user'));
  $('#metric').innerHTML = NUMERIC_METRICS.map((m) => `<option value="${m}" ${m === state.metric ? 'selected' : ''}>${t(`metric.${m}`)}</option>`).join('');
  if (!render) return;
  if (lastChoropleth && !['provinces', 'dashboard'].includes(state.view)) { $('#legend').innerHTML = legendHtml(lastChoropleth); renderMapTable(); }
  if (lastProvinces && state.view === 'provinces') $('#legend').innerHTML = provinceLegendHtml(lastProvinces);
  if (state.view === 'dashboard') showDashboard();
  for (const b of document.querySelectorAll('.wide-toggle')) b.textContent = t(document.body.classList.contains('wide') ? 'wide.off' : 'wide.on');
  if (state.view === 'plans' && plansView) plansView.render();
  if (state.unit && !$('#panel').hidden) openUnit(state.unit);
  writeUrl(atlas?.map);
}

async function main() {
  readUrl();
  initBanner();
  // What the first view needs, asked for together (each would otherwise wait for the last):
  // the answers the page preloads (the server names them), which these requests find waiting.
  for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
    const url = new URL(link.href);
    prefetch(url.pathname + url.search);
  }
  performance.mark('atlas:start');
  try {
    health = await api('/api/health');
  } catch (e) {
    showError(e, { retry: () => location.reload() });
    throw e;
  }
  $('#demo-banner').hidden = !health.demo;
  state.year = health.years.includes(state.year) ? state.year : health.years[health.years.length - 1];
  await loadSession();
  // The map's first colours, while the map library and its worker still load (not for an
  // officer's form, nor before signing in).
  const mapShown = session.role !== 'officer' && !(session.login_required && !session.authenticated);
  if (mapShown && ['status', 'conversion', 'indicator'].includes(state.view) && state.year !== undefined) prefetch(choroplethPath());
  if (session.login_required && !session.authenticated) {
    translatePage();
    showLogin();
    return;
  }
  renderUser($('#user'));
  if (session.role === 'officer') return officerMode();
  // The map's module, preloaded by the page: run while the rules and the catalogue come.
  const mapModule = load('./map.js').then((m) => m, () => null);
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
  performance.mark('atlas:catalog');
  const mapLib = await mapModule;
  // Not loaded (a cut link): the banner says so and offers to start again (main's catch).
  if (!mapLib) throw Object.assign(new Error(t('net.module')), { kind: 'network' });
  atlas = new mapLib.AtlasMap($('#map'), catalog, {
    onClick: async (f) => {
      if (state.view === 'plans' && plansView?.plan?.status === 'draft') { await plansView.add(f.id); return; }
      const province = f.properties.province ?? unitNow(atlas.activeVersion(), f.id)?.province;
      if (state.view === 'provinces') { openProvince(province); return; }
      if (state.view === 'dashboard') {
        const sec = province && document.querySelector(`#dashboard section.province[data-province="${CSS.escape(province)}"]`);
        if (sec) { sec.scrollIntoView({ block: 'start', behavior: 'smooth' }); sec.focus({ preventScroll: true }); }
        return;
      }
      openUnit(f.id);
    },
    onHover: (f, ev) => {
      const tip = $('#tooltip');
      if (!f || !ev) { tip.hidden = true; return; }
      tip.hidden = false;
      // Low-zoom tiles carry only the unit id: the name comes from the version's directory.
      const u = f.properties.name ? f.properties : unitNow(atlas.activeVersion(), f.id);
      if (!u) { unitsOf(atlas.activeVersion()).catch(() => null); tip.hidden = true; return; }
      tip.textContent = `${u.name} (${u.code})`;
      tip.style.left = `${ev.clientX + 12}px`;
      tip.style.top = `${ev.clientY + 12}px`;
    },
  });
  window.atlas.map = atlas.map;
  window.atlas.atlas = atlas;
  atlas.map.on('dataloading', (e) => { if (e.dataType === 'source' && e.tile) window.atlas.tileRequests += 1; });
  atlas.map.on('moveend', () => writeUrl(atlas.map));
  if (state.mapView) {
    const [z, lat, lng] = state.mapView.split('/').map(Number);
    if ([z, lat, lng].every(Number.isFinite)) atlas.map.jumpTo({ zoom: z, center: [lng, lat] });
  }
  applyLang(state.lang, { render: false });
  const slider = $('#year');
  slider.min = years[0];
  slider.max = years[years.length - 1];
  const year = years.includes(state.year) ? state.year : years[years.length - 1];
  slider.value = year;
  slider.addEventListener('input', () => { setYear(Number(slider.value)); applyYearSoon(); });
  // Released (or a key pressed): apply at once.
  slider.addEventListener('change', () => { setYear(Number(slider.value)); applyYearSoon(); applyYearSoon.flush(); });
  $('#from').addEventListener('change', (e) => { state.from = Number(e.target.value); recolour(); writeUrl(atlas.map); });
  $('#statuses').value = state.statuses;
  $('#statuses').addEventListener('change', (e) => { state.statuses = e.target.value; recolour(); writeUrl(atlas.map); });
  $('#metric').addEventListener('change', (e) => { state.metric = e.target.value; recolour(); writeUrl(atlas.map); });
  $('#method').value = state.method;
  $('#classes').value = String(state.classes);
  $('#method').addEventListener('change', (e) => { state.method = e.target.value; $('#breaks').hidden = state.method !== 'custom'; recolour(); writeUrl(atlas.map); });
  $('#classes').addEventListener('change', (e) => { state.classes = Number(e.target.value); recolour(); writeUrl(atlas.map); });
  $('#breaks').addEventListener('change', (e) => { state.breaks = e.target.value; recolour(); writeUrl(atlas.map); });
  initTabs();
  initResize();
  document.addEventListener('click', (e) => {
    const b = e.target.closest?.('.wide-toggle');
    if (b) setWide(!document.body.classList.contains('wide'));
    const tt = e.target.closest?.('#table-toggle');
    if (tt) {
      const box = $('#map-table');
      box.hidden = !box.hidden;
      tt.setAttribute('aria-expanded', String(!box.hidden));
      tt.textContent = t(box.hidden ? 'table.show' : 'table.hide');
      if (box.hidden) setWide(false); else renderMapTable().then(() => $('#map-table-filter')?.focus());
    }
  });
  window.addEventListener('hashchange', restoreFromUrl);
  $('#lang').addEventListener('click', () => applyLang(getLang() === 'vi' ? 'en' : 'vi'));
  $('#print').addEventListener('click', () => window.print());
  initSearch($('#search'), $('#search-results'), { api, onPick: (r) => (r.level === 'commune' ? openUnit(r.unit_id, { fly: true }) : atlas.flyToBounds(r.bbox)) });
  performance.mark('atlas:map-created');
  // The first view's tiles, asked for while the map's worker still loads, and its layers shown
  // so that the worker lays them out as soon as it runs: the prefetched choropleth says which
  // boundary version the year is drawn on.
  if (['status', 'conversion', 'indicator'].includes(state.view)) {
    peek(choroplethPath()).then((ch) => {
      if (!ch) return;
      atlas.primeTiles(ch.tile_layer);
      atlas.showSoon(ch.tile_layer);
    });
  }
  await atlas.loaded;
  performance.mark('atlas:map-loaded');
  setYear(year);
  // Ready means the map shows the view: its layer visible and coloured, then its tiles drawn
  // (an idle before the choropleth arrived would be a map with nothing on it yet).
  const shown = setView(state.view);
  if (state.unit) openUnit(state.unit);
  inbox();
  setInterval(inbox, 60_000);
  await shown;
  performance.mark('atlas:coloured');
  await new Promise((resolve) => { if (atlas.map.loaded() && atlas.map.areTilesLoaded()) resolve(); else atlas.map.once('idle', resolve); });
}

/** The controls show the state (after a pasted link changed it). */
function syncControls() {
  $('#statuses').value = state.statuses;
  $('#metric').value = state.metric;
  $('#method').value = state.method;
  $('#classes').value = String(state.classes);
  $('#breaks').value = state.breaks ?? '';
  $('#breaks').hidden = state.method !== 'custom';
}

/** A link pasted into the open tab (only its `#…` differs): show what it says. */
function restoreFromUrl() {
  if (location.hash === writtenHash) return;
  const before = { ...state };
  readUrl();
  if (state.lang !== before.lang) applyLang(state.lang);
  if (!years.includes(state.year)) state.year = before.year;
  syncControls();
  setYear(state.year);
  const viewHidden = document.querySelector(`.views button[data-view="${state.view}"]`)?.hidden;
  if (viewHidden) state.view = before.view;
  if (state.mapView) {
    const [z, lat, lng] = state.mapView.split('/').map(Number);
    if ([z, lat, lng].every(Number.isFinite)) atlas.map.jumpTo({ zoom: z, center: [lng, lat] });
  }
  setView(state.view);
  if (state.unit) openUnit(state.unit);
  else if (before.unit) { $('#panel').hidden = true; atlas.select(null); }
}

/** A commune officer sees their communes' review forms and nothing else (no map: its data is not theirs). */
async function officerMode() {
  for (const sel of ['.views', '.search', '#print', 'main']) $(sel).hidden = true;
  document.body.classList.add('officer'); // a page that scrolls (phones)
  const el = $('#officer-page');
  el.hidden = false;
  el.innerHTML = loadingHtml();
  // Not loaded: the banner says so and offers to start again (main's catch).
  const { OfficerPage } = await load('./form.js').catch(() => { throw Object.assign(new Error(t('net.module')), { kind: 'network' }); });
  const page = new OfficerPage(el, { api });
  window.atlas.form = page;
  // What was returned to this officer; the button goes to the returned commune's form.
  const returned = () => renderInbox($('#inbox'), { api, onOpen: () => page.openReturned() });
  page.onChanged = returned;
  returned();
  setInterval(returned, 60_000);
  $('#lang').addEventListener('click', () => { applyLang(getLang() === 'vi' ? 'en' : 'vi'); page.render(); });
  setLang(state.lang);
  translatePage();
  await page.load();
}

// A hook for tests and curious users: the map, the state, the last choropleth, tile requests.
window.atlas = { state, tileRequests: 0, lastChoropleth: null, imports: 0 };
window.atlas.ready = main().catch((e) => {
  // The banner says what failed and offers to start again.
  if ($('#banner').hidden) showError(e.kind ? e : { message: e.message, kind: 'format' }, { retry: () => location.reload() });
  throw e;
});
