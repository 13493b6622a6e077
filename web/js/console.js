// SQL console: an editor with highlighting (a coloured layer under a transparent textarea),
// the schema, saved queries, run with Ctrl+Enter, a results grid, downloads, and "show on map".
import { t, num } from './i18n.js';
import { send } from './net.js';
import { showError, loadingHtml, wideToggle } from './banner.js';
import { esc } from './html.js';

const KEYWORDS = new Set(('select from where group by order having limit offset join left right inner outer full cross on using as and or not in is null ' +
  'case when then else end with union all distinct count sum avg min max between like ilike exists filter over partition window asc desc ' +
  'cast coalesce round any_value string_agg true false interval date values describe show explain summarize pivot unpivot qualify').split(' '));


/** Highlight SQL as HTML: keywords, strings, numbers, comments, parameters. */
export function highlight(sql) {
  return sql.replace(/(--[^\n]*)|('(?:[^']|'')*')|(\$[a-zA-Z_]\w*)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_]\w*)|([^A-Za-z_'$\d-]+|-)/g,
    (m, comment, str, param, number, word) => {
      if (comment) return `<span class="sql-c">${esc(comment)}</span>`;
      if (str) return `<span class="sql-s">${esc(str)}</span>`;
      if (param) return `<span class="sql-p">${esc(param)}</span>`;
      if (number) return `<span class="sql-n">${number}</span>`;
      if (word) return KEYWORDS.has(word.toLowerCase()) ? `<span class="sql-k">${esc(word)}</span>` : esc(word);
      return esc(m);
    }) + '\n';
}

export class SqlConsole {
  constructor(el, { api, atlas }) {
    Object.assign(this, { el, api, atlas });
    this.result = null;
    this.sql = "SELECT unit_id, unit_code, unit_name, province_name, status\nFROM classification\nWHERE year = 2025 AND status IN ('type_i', 'type_ii')\nORDER BY unit_code";
  }

  async render() {
    if (!this.el.querySelector('#sql-text')) this.el.innerHTML = loadingHtml();
    let relations, queries;
    try {
      [{ relations }, { queries }] = await Promise.all([this.api('/api/sql/schema', { lane: 'sql-schema' }), this.api('/api/queries')]);
    } catch (e) {
      showError(e, { retry: () => this.render() });
      return;
    }
    this.el.innerHTML = `
      <h3>${t('sql.title')}</h3>
      <div class="row"><select id="sql-saved" aria-label="${esc(t('sql.saved'))}"><option value="">${t('sql.saved')}</option>${queries.map((q) => `<option value="${esc(q.name)}">${esc(t('lang') === 'en' ? q.title_en : q.title_vi)}</option>`).join('')}</select></div>
      <div class="sql-editor"><pre aria-hidden="true" id="sql-hl"></pre><textarea id="sql-text" spellcheck="false" aria-label="SQL"></textarea></div>
      <div class="row"><button id="sql-run">${t('sql.run')}</button><span class="legend-meta">Ctrl+Enter</span>
        ${wideToggle('sql-wide')}
        <button id="sql-csv" disabled>CSV</button><button id="sql-parquet" disabled>Parquet</button><button id="sql-geojson" disabled>GeoJSON</button>
        <button id="sql-map" disabled>${t('sql.map')}</button></div>
      <p id="sql-msg" class="legend-meta" aria-live="polite"></p>
      <div id="sql-grid" class="sql-grid" tabindex="0"></div>
      <details><summary>${t('sql.schema')}</summary><ul class="schema">${Object.entries(relations).map(([r, cols]) =>
        `<li><a href="#" data-rel="${esc(r)}">${esc(r)}</a> <span class="legend-meta">${esc(cols.map((c) => c.name).join(', '))}</span></li>`).join('')}</ul></details>`;
    const ta = this.el.querySelector('#sql-text');
    const hl = this.el.querySelector('#sql-hl');
    const sync = () => { hl.innerHTML = highlight(ta.value); hl.scrollTop = ta.scrollTop; };
    ta.value = this.sql;
    sync();
    ta.addEventListener('input', () => { this.sql = ta.value; sync(); });
    ta.addEventListener('scroll', sync);
    ta.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.run(); } });
    this.el.querySelector('#sql-run').addEventListener('click', () => this.run());
    this.el.querySelector('#sql-saved').addEventListener('change', (e) => {
      const q = queries.find((x) => x.name === e.target.value);
      if (q) { ta.value = this.sql = q.sql; sync(); }
    });
    for (const a of this.el.querySelectorAll('[data-rel]')) a.addEventListener('click', (e) => {
      e.preventDefault();
      const pos = ta.selectionStart;
      ta.value = ta.value.slice(0, pos) + a.dataset.rel + ta.value.slice(pos);
      this.sql = ta.value; sync();
    });
    for (const f of ['csv', 'parquet', 'geojson']) this.el.querySelector(`#sql-${f}`).addEventListener('click', () => this.download(f));
    this.el.querySelector('#sql-map').addEventListener('click', () => this.showOnMap());
  }

  async run() {
    const msg = this.el.querySelector('#sql-msg');
    msg.textContent = t('sql.running');
    const grid = this.el.querySelector('#sql-grid');
    grid.setAttribute('aria-busy', 'true');
    const t0 = performance.now();
    let body;
    try {
      body = await send('POST', '/api/sql', { sql: this.sql }, { lane: 'sql', timeout: 120_000 });
    } catch (e) {
      grid.removeAttribute('aria-busy');
      if (e.aborted) return;
      const pos = e.details?.position;
      msg.textContent = `${e.message}${pos ? ` (${t('sql.position')} ${pos})` : ''}`;
      this.result = null;
      grid.innerHTML = '';
      for (const f of ['csv', 'parquet', 'geojson', 'map']) this.el.querySelector(`#sql-${f}`).disabled = true;
      return;
    }
    grid.removeAttribute('aria-busy');
    this.result = body;
    msg.textContent = t('sql.rows', { n: num(body.rows.length), ms: Math.round(performance.now() - t0) }) + (body.truncated ? ` · ${t('sql.truncated')}` : '');
    const cols = body.columns;
    const rows = body.rows.slice(0, 500);
    grid.innerHTML = rows.length ? `<table id="sql-table"><caption class="sr-only">${esc(t('sql.results'))}</caption><tr>${cols.map((c) => `<th scope="col" title="${esc(c.type)}">${esc(c.name)}</th>`).join('')}</tr>
      ${rows.map((row) => `<tr>${row.map((v) => `<td>${v === null ? `<span class="legend-meta" title="NULL">∅</span>` : esc(String(v))}</td>`).join('')}</tr>`).join('')}</table>`
      : `<p class="empty">${esc(t('sql.empty'))}</p>`;
    const mappable = cols.some((c) => c.name === 'unit_id' || c.name === 'unit_code');
    for (const f of ['csv', 'parquet']) this.el.querySelector(`#sql-${f}`).disabled = false;
    this.el.querySelector('#sql-geojson').disabled = !mappable;
    this.el.querySelector('#sql-map').disabled = !mappable;
  }

  async download(format) {
    const msg = this.el.querySelector('#sql-msg');
    let blob;
    try {
      // The status first: an error is said, never saved as `query.parquet`.
      const r = await send('POST', `/api/sql?format=${format}`, { sql: this.sql }, { as: 'response', timeout: 300_000 });
      blob = await r.blob();
    } catch (e) {
      if (!e.aborted) msg.textContent = e.message;
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `query.${format}`;
    a.click();
    URL.revokeObjectURL(a.href);
  }

  /** Colour the result's communes on the map (by unit_id, or unit_code in the shown version). */
  async showOnMap() {
    if (!this.result) return;
    const cols = this.result.columns.map((c) => c.name);
    const iid = cols.indexOf('unit_id');
    let ids = [];
    if (iid >= 0) {
      ids = this.result.rows.map((r) => r[iid]).filter((x) => x !== null);
    } else {
      const ic = cols.indexOf('unit_code');
      const codes = new Set(this.result.rows.map((r) => String(r[ic])));
      const version = this.atlas.activeVersion();
      let units;
      try {
        units = await this.api(`/api/labels?level=commune&version=${encodeURIComponent(version)}`);
      } catch (e) {
        showError(e, { retry: () => this.showOnMap() });
        return;
      }
      ids = units.labels.filter((u) => codes.has(u.code)).map((u) => u.unit_id);
    }
    const colors = {};
    for (const id of ids) colors[id] = '#e6550d';
    this.atlas.paintActive(colors);
    this.shown = ids.length;
    const msg = this.el.querySelector('#sql-msg');
    msg.textContent += ` · ${t('sql.shown', { n: num(ids.length) })}`;
  }
}
