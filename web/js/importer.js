// Import page (admins): drop a file → the sheet and the detected header mapping with the first
// rows as they will be stored (unknown columns mapped by choosing a key) → the full validation
// report, downloadable → commit with a progress bar. The same atomic import as the CLI
// (POST /api/import/{kind}); boundaries reload the server's tiles, then the page.
import { t, num, said } from './i18n.js';
import { session } from './session.js';
import { esc } from './html.js';
import { request } from './net.js';

const KINDS = ['indicators', 'recognitions', 'quotas', 'targets', 'province_routes', 'crosswalk', 'boundaries'];

/** Headers of an upload: the CSRF token of the session, the file as it is. */
function uploadHeaders() {
  const h = { 'content-type': 'application/octet-stream' };
  if (session.csrf) h['x-csrf-token'] = session.csrf;
  return h;
}

/** Where a problem is, as a person finds it: the cell, the feature, or line:column. */
function where(p) {
  if (p.cell) return `${p.sheet}!${p.cell}`;
  if (p.sheet) return `${p.sheet}, ${t('imp.row')} ${p.line}`;
  if (p.feature) return `${t('imp.feature')} ${num(p.feature)}`;
  return p.column ? `${p.line}:${p.column}` : `${t('imp.line')} ${p.line}`;
}

export class ImportView {
  constructor(el, { onImported }) {
    Object.assign(this, { el, onImported });
    this.file = null;
    this.kind = 'indicators';
    this.mapping = {}; // header → key chosen by the user
    this.preview = null;
    this.problems = null;
  }

  render() {
    const k = this.kind;
    this.el.innerHTML = `
      <h3>${t('imp.title')}</h3>
      <div class="row"><label for="imp-kind">${t('imp.kind')}</label>
        <select id="imp-kind">${KINDS.map((x) => `<option value="${x}" ${x === k ? 'selected' : ''}>${esc(t(`imp.kind.${x}`))}</option>`).join('')}</select></div>
      <div id="imp-drop" class="drop">
        ${t('imp.drop')} <label class="link">${t('imp.choose')}<input id="imp-file" type="file" aria-describedby="imp-file-name" accept=".csv,.xlsx,.xls,.ods,.parquet,.geojson,.json,.zip,.gpkg"></label>
        <div id="imp-file-name" class="legend-meta">${esc(this.file ? `${this.file.name} · ${num(this.file.size)} B` : t('imp.nofile'))}</div>
      </div>
      <fieldset class="imp-opts">
        <legend>${t('imp.options')}</legend>
        ${k === 'boundaries' ? `
          <div class="row"><label for="imp-version">${t('imp.version')}</label><input id="imp-version" value="vn2025" size="10"></div>
          <div class="row"><label for="imp-valid-from">${t('imp.validFrom')}</label><input id="imp-valid-from" type="date" value="2025-07-01"></div>
          <div class="row"><label for="imp-valid-to">${t('imp.validTo')}</label><input id="imp-valid-to" type="date"></div>
          <div class="row"><label for="imp-level">${t('imp.level')}</label><select id="imp-level"><option>commune</option><option>district</option><option>province</option></select></div>
          <div class="row"><label for="imp-crs">CRS</label><input id="imp-crs" placeholder="vn2000-tm3:105.5 / EPSG:5897" size="18"></div>
          <div class="row"><label><input id="imp-repair" type="checkbox"> ${t('imp.repair')}</label></div>
          <div class="row"><label><input id="imp-swap" type="checkbox"> ${t('imp.swap')}</label></div>` : `
          <div class="row"><label for="imp-sheet">${t('imp.sheet')}</label><input id="imp-sheet" size="10" placeholder="${esc(t('imp.auto'))}"></div>
          <div class="row"><label for="imp-year">${t('imp.year')}</label><input id="imp-year" type="number" min="2000" max="2035" placeholder="${esc(t('imp.fromFile'))}"></div>
          <div class="row"><label for="imp-province">${t('imp.province')}</label><input id="imp-province" size="10" placeholder="${esc(t('imp.fromFile'))}"></div>`}
        <div class="row"><label><input id="imp-replace" type="checkbox"> ${t('imp.replace')}</label></div>
        <div class="row"><label><input id="imp-skip" type="checkbox"> ${t('imp.skip')}</label></div>
      </fieldset>
      <div class="row">
        <button id="imp-check" disabled>${t('imp.check')}</button>
        <button id="imp-commit" disabled>${t('imp.commit')}</button>
      </div>
      <progress id="imp-progress" max="100" value="0" hidden aria-label="${esc(t('imp.progress'))}"></progress>
      <p id="imp-msg" class="imp-msg" role="status" aria-live="polite"></p>
      <div id="imp-report"></div>
      <div id="imp-mapping"></div>`;
    const $ = (s) => this.el.querySelector(s);
    $('#imp-kind').addEventListener('change', (e) => { this.kind = e.target.value; this.mapping = {}; this.preview = null; this.render(); if (this.file) this.inspect(); });
    $('#imp-file').addEventListener('change', (e) => this.use(e.target.files[0]));
    const drop = $('#imp-drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); if (e.dataTransfer.files[0]) this.use(e.dataTransfer.files[0]); });
    for (const id of ['#imp-sheet', '#imp-year', '#imp-province']) $(id)?.addEventListener('change', () => this.inspect());
    $('#imp-check').addEventListener('click', () => this.submit(true));
    $('#imp-commit').addEventListener('click', () => this.submit(false));
    if (this.preview) this.showPreview();
  }

  use(file) {
    if (!file) return;
    this.file = file;
    this.mapping = {};
    this.el.querySelector('#imp-file-name').textContent = `${file.name} · ${num(file.size)} B`;
    this.inspect();
  }

  /** The query string of the current choices. */
  query(extra = {}) {
    const $ = (s) => this.el.querySelector(s);
    const q = new URLSearchParams({ file: this.file.name, ...extra });
    const val = (id) => $(id)?.value?.trim();
    if ($('#imp-replace').checked) q.set('replace', 'true');
    if ($('#imp-skip').checked) q.set('skip_invalid', 'true');
    if (this.kind === 'boundaries') {
      for (const [id, key] of [['#imp-version', 'version'], ['#imp-valid-from', 'valid_from'], ['#imp-valid-to', 'valid_to'], ['#imp-level', 'level'], ['#imp-crs', 'crs']]) if (val(id)) q.set(key, val(id));
      if ($('#imp-repair').checked) q.set('repair', 'true');
      if ($('#imp-swap').checked) q.set('swap_xy', 'true');
    } else {
      for (const [id, key] of [['#imp-sheet', 'sheet'], ['#imp-year', 'year'], ['#imp-province', 'province']]) if (val(id)) q.set(key, val(id));
      const map = Object.entries(this.mapping).map(([h, k]) => `${h}=${k === '-' ? '' : k}`).join(';');
      if (map) q.set('map', map);
    }
    return q;
  }

  message(text, error = false) {
    const m = this.el.querySelector('#imp-msg');
    m.textContent = text;
    m.classList.toggle('error', error);
    m.scrollIntoView({ block: 'nearest' });
  }

  /** Ask the server how it reads the file (tabular kinds); boundaries go straight to checking. */
  async inspect() {
    const $ = (s) => this.el.querySelector(s);
    this.problems = null;
    $('#imp-report').innerHTML = '';
    $('#imp-check').disabled = false;
    $('#imp-commit').disabled = true;
    if (this.kind === 'boundaries') { $('#imp-mapping').innerHTML = ''; this.message(t('imp.readyBoundaries')); return; }
    this.message(t('imp.reading'));
    try {
      const body = await request(`/api/import/${this.kind}/preview?${this.query()}`, { method: 'POST', headers: uploadHeaders(), body: this.file, lane: 'import-preview', timeout: 300_000 });
      this.preview = body.preview;
      this.showPreview();
    } catch (e) {
      if (!e.aborted) this.message(`${t('imp.failed')}: ${e.message}`, true);
    }
  }

  showPreview() {
    const p = this.preview;
    const $ = (s) => this.el.querySelector(s);
    const keyName = (k) => { const x = p.keys.find((y) => y.key === k); return x ? `${k}${x.vi ? ` — ${x.vi}` : ''}` : k; };
    const options = (chosen) => `<option value="">${esc(t('imp.unknown'))}</option><option value="-" ${chosen === '-' ? 'selected' : ''}>${esc(t('imp.ignore'))}</option>` +
      p.keys.map((k) => `<option value="${esc(k.key)}" ${k.key === chosen ? 'selected' : ''}>${esc(keyName(k.key))}${k.required ? ' *' : ''}</option>`).join('');
    const rows = p.columns.map((c, i) => {
      const chosen = this.mapping[c.header] ?? c.key ?? '';
      const unknown = !chosen;
      return `<tr class="${unknown ? 'imp-unknown' : ''}"><td>${esc(c.header)}</td><td><select data-col="${i}" aria-label="${esc(t('imp.keyFor', { header: c.header }))}">${options(chosen)}</select></td></tr>`;
    }).join('');
    const shownKeys = p.keys.map((k) => k.key).filter((k) => p.rows.some((r) => r[k] !== undefined));
    const sample = p.rows.length ? `<div class="sql-grid" tabindex="0"><table><thead><tr><th>${t('imp.row')}</th>${shownKeys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead>
      <tbody>${p.rows.map((r) => `<tr><td>${esc(r._row)}</td>${shownKeys.map((k) => `<td>${esc(r[k] ?? '')}</td>`).join('')}</tr>`).join('')}</tbody></table></div>` : '';
    $('#imp-mapping').innerHTML = `
      <p class="legend-meta">${esc(p.sheet ? t('imp.sheetRead', { sheet: p.sheet }) : '')} ${esc(t('imp.rows', { n: num(p.total_rows) }))}</p>
      <ul class="legend-meta">${p.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
      <table class="imp-map"><thead><tr><th>${t('imp.header')}</th><th>${t('imp.key')}</th></tr></thead><tbody>${rows}</tbody></table>
      ${this.problemsHtml(p.problems)}
      <h4>${t('imp.firstRows')}</h4>${sample}`;
    for (const s of this.el.querySelectorAll('select[data-col]')) s.addEventListener('change', (e) => {
      const c = p.columns[Number(e.target.dataset.col)];
      if (e.target.value && e.target.value !== c.key) this.mapping[c.header] = e.target.value; else delete this.mapping[c.header];
      this.inspect();
    });
    const blocking = p.problems.total > 0 && !p.problems.skippable;
    $('#imp-check').disabled = blocking;
    this.message(blocking ? t('imp.fixHeader') : t('imp.previewOk'), blocking);
  }

  problemsHtml(problems) {
    if (!problems || !problems.total) return '';
    const items = problems.items.slice(0, 200).map((p) => `<tr><td>${esc(where(p))}</td><td>${esc(said(p.reason, { vi: p.reason_vi }))}</td></tr>`).join('');
    const more = problems.total > 200 ? `<p class="legend-meta">${esc(t('imp.more', { n: num(problems.total - 200) }))}</p>` : '';
    return `<h4>${esc(t('imp.problems', { n: num(problems.total) }))}</h4>
      <div class="sql-grid" tabindex="0"><table class="imp-problems"><thead><tr><th>${t('imp.where')}</th><th>${t('imp.reason')}</th></tr></thead><tbody>${items}</tbody></table></div>${more}
      <button id="imp-download">${t('imp.download')}</button>`;
  }

  /** The report of problems as CSV (every one kept, with its position), for the person who fixes the file. */
  download(problems) {
    const q = (s) => `"${String(s ?? '').replace(/"/g, '""')}"`;
    const lines = ['file,sheet,cell,line,column,feature,reason', ...problems.items.map((p) => [p.file, p.sheet, p.cell, p.line, p.column, p.feature, p.reason].map(q).join(','))];
    const url = URL.createObjectURL(new Blob(['\ufeff' + lines.join('\r\n')], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${this.file.name}.problems.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** Check (dry run) or import, with a progress bar for the upload and the server's work. */
  submit(dryRun) {
    const $ = (s) => this.el.querySelector(s);
    const bar = $('#imp-progress');
    bar.hidden = false;
    bar.value = 0;
    $('#imp-check').disabled = true;
    $('#imp-commit').disabled = true;
    this.message(dryRun ? t('imp.checking') : t('imp.importing'));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/import/${this.kind}?${this.query(dryRun ? { dry_run: 'true' } : {})}`);
    for (const [k, v] of Object.entries(uploadHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((80 * e.loaded) / e.total); };
    // Uploaded: the server validates and writes; the bar stays indeterminate until it answers.
    xhr.upload.onload = () => { bar.removeAttribute('value'); this.message(dryRun ? t('imp.validating') : t('imp.writing')); };
    xhr.onerror = () => { bar.hidden = true; $('#imp-check').disabled = false; this.message(t('imp.network'), true); };
    xhr.onload = () => {
      bar.hidden = true;
      $('#imp-check').disabled = false;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: said below */ }
      if (xhr.status === 200) return this.done(body, dryRun);
      const problems = body?.error?.details;
      this.problems = problems ?? null;
      $('#imp-report').innerHTML = problems ? this.problemsHtml(problems) : '';
      $('#imp-download')?.addEventListener('click', () => this.download(problems));
      this.message(body?.error?.message ? said(body.error.message, body.error.messages) : `${xhr.status} ${xhr.statusText}`, true);
    };
    xhr.send(this.file);
  }

  done(body, dryRun) {
    const $ = (s) => this.el.querySelector(s);
    const r = body.import;
    const skipped = r.skipped?.total ? ` ${t('imp.skipped', { n: num(r.skipped.total) })}` : '';
    $('#imp-report').innerHTML = `<ul class="legend-meta">${(r.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join('')}</ul>${r.skipped?.total ? this.problemsHtml(r.skipped) : ''}`;
    $('#imp-download')?.addEventListener('click', () => this.download(r.skipped));
    if (dryRun) {
      this.message(t('imp.checked', { n: num(r.rows), replaced: num(r.replaced) }) + skipped);
      $('#imp-commit').disabled = false;
      return;
    }
    this.message(t('imp.imported', { n: num(r.rows), replaced: num(r.replaced) }) + skipped);
    this.onImported(this.kind, body);
  }
}
