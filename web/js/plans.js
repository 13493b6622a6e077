// Leaders' workflow: communes ranked for conversion (sortable by mouse or keyboard, highlighted
// on the map) and the open plan (a new plan through a dialog that checks name and quota; communes
// added with the table's "Add" buttons or a click on the map; removal with Undo; notes, quota
// counter, lifecycle, CSV export, the printable plan sheet as PDF). Writes carry the plan
// version: a stale one is refused and the plan reloaded.
import { t, num, getLang } from './i18n.js';
import { esc } from './html.js';
import { statusLabel } from './statuses.js';
import { ask, toast } from './dialog.js';
import { showError, loadingHtml, emptyHtml, wideToggle } from './banner.js';

const COMPONENTS = ['rate_gap', 'locations', 'arrest_gap', 'trend', 'neighbours'];

export class PlansView {
  constructor(el, { api, send, state, atlas, onSelect }) {
    Object.assign(this, { el, api, send, state, atlas, onSelect });
    this.sortKey = 'score';
    this.plan = null;
    this.candidates = [];
  }

  targetYear() { return this.state.year + 1 <= 2035 ? this.state.year + 1 : this.state.year; }

  async render() {
    const version = this.atlas.activeVersion();
    if (!version) return; // the map has not shown a boundary version yet
    if (!this.el.querySelector('#plan-box')) this.el.innerHTML = loadingHtml();
    this.candidates = null; // until this province and year's arrive
    let labels, plans;
    try {
      ({ labels } = await this.api(`/api/labels?level=province&version=${encodeURIComponent(version)}`, { lane: 'plans-labels' }));
      if (!labels.length) { this.el.innerHTML = emptyHtml(t('plan.noProvinces')); return; }
      if (!this.state.province || !labels.some((l) => l.code === this.state.province)) this.state.province = labels[0]?.code;
      ({ plans } = await this.api(`/api/plans?province=${this.state.province}`, { lane: 'plans-list' }));
    } catch (e) {
      showError(e, { retry: () => this.render() });
      return;
    }
    if (this.state.plan && !plans.some((p) => p.plan_id === this.state.plan)) this.state.plan = null;
    this.el.innerHTML = `
      <h3>${t('plan.title')}</h3>
      <div class="row"><label for="plan-province">${t('dash.province')}</label>
        <select id="plan-province">${labels.map((l) => `<option value="${esc(l.code)}" ${l.code === this.state.province ? 'selected' : ''}>${esc(l.name)}</option>`).join('')}</select></div>
      <div class="row"><label for="plan-select">${t('plan.plan')}</label>
        <select id="plan-select"><option value="">—</option>${plans.map((p) => `<option value="${p.plan_id}" ${p.plan_id === this.state.plan ? 'selected' : ''}>${esc(p.name)} (${p.target_year}, ${t(`plan.status.${p.status}`)})</option>`).join('')}</select>
        <button id="plan-new">${t('plan.new')}</button></div>
      <div id="plan-box"></div>
      <h3 id="cand-title">${t('plan.candidates', { year: this.targetYear() })}</h3>
      <p class="legend-meta">${t('plan.candidates.note')}</p>
      <div class="row">${wideToggle('cand-wide')}</div>
      <div id="cand-box" class="cand">${loadingHtml()}</div>`;
    this.el.querySelector('#plan-province').addEventListener('change', (e) => { this.state.province = e.target.value; this.state.plan = null; this.render(); });
    this.el.querySelector('#plan-select').addEventListener('change', (e) => { this.state.plan = e.target.value ? Number(e.target.value) : null; this.loadPlan(); this.onSelect?.(); });
    this.el.querySelector('#plan-new').addEventListener('click', () => this.create());
    await Promise.all([this.loadPlan(), this.loadCandidates()]);
  }

  /** A new plan: name and quota in a dialog, checked as typed; a refusal keeps the dialog open. */
  async create() {
    const p = await ask({
      title: t('plan.new.title', { year: this.targetYear() }),
      submit: t('plan.new.create'),
      fields: [
        { name: 'name', label: t('plan.name.prompt'), value: `${t('plan.default.name')} ${this.targetYear()}`, required: true, maxlength: 200 },
        { name: 'quota', label: t('plan.quota.prompt'), type: 'number', value: '10', min: 1, max: 10000, hint: t('plan.quota.hint') },
      ],
      // A refusal (a lapsed session too) is said in the dialog, which keeps what was typed.
      onSubmit: ({ name, quota }) => this.send('POST', '/api/plans', { name, province_code: this.state.province, target_year: this.targetYear(), quota }, { unauthorized: false }),
    });
    if (!p) return;
    this.state.plan = p.plan_id;
    await this.render();
    this.el.querySelector('#plan-name')?.focus();
    this.onSelect?.();
  }

  async loadPlan() {
    const box = this.el.querySelector('#plan-box');
    if (!this.state.plan) { this.plan = null; box.innerHTML = `<p class="legend-meta">${t('plan.none')}</p>`; this.paint(); this.renderTable(); return; }
    box.innerHTML = loadingHtml();
    try {
      this.plan = await this.api(`/api/plans/${this.state.plan}`, { lane: 'plan' });
    } catch (e) {
      if (!e.aborted) { box.innerHTML = ''; showError(e, { retry: () => this.loadPlan() }); }
      return;
    }
    this.showPlan();
    this.renderTable();
  }

  showPlan() {
    const p = this.plan;
    const box = this.el.querySelector('#plan-box');
    const next = { draft: ['submitted'], submitted: ['draft', 'approved'], approved: ['closed'], closed: [] }[p.status];
    const over = p.quota !== null && p.communes.length > p.quota;
    box.innerHTML = `
      <p><strong id="plan-name" tabindex="-1">${esc(p.name)}</strong> · ${t(`plan.status.${p.status}`)} · v${p.version}</p>
      <p id="plan-count" class="${over ? 'tri-true' : ''}">${t('plan.count', { n: p.communes.length, quota: p.quota ?? '—' })}</p>
      ${p.communes.length ? '' : emptyHtml(t('plan.empty'), p.status === 'draft' ? t('plan.empty.todo') : '')}
      <table id="plan-communes"><caption class="sr-only">${esc(t('plan.communes'))}</caption>${p.communes.map((c) => `<tr data-unit="${c.unit_id}"><td>${esc(c.name)}<div class="legend-meta">${esc(c.code)}${c.converted ? ` · <span class="tri-false">${t('plan.converted')}</span>` : ''}</div></td>
        <td><input class="note" value="${esc(c.note)}" maxlength="1000" placeholder="${t('plan.note')}" aria-label="${esc(t('plan.note.of', { name: c.name }))}" ${p.status !== 'draft' ? 'disabled' : ''}></td>
        <td>${p.status === 'draft' ? `<button class="rm" type="button" aria-label="${esc(t('plan.remove.of', { name: c.name }))}" title="${t('plan.remove')}">×</button>` : ''}</td></tr>`).join('')}</table>
      <div class="row">${next.map((s) => `<button class="to" data-to="${s}">${t(`plan.to.${s}`)}</button>`).join('')}
        <a href="/api/plans/${p.plan_id}/export.csv" download>${t('plan.csv')}</a>
        <a id="plan-print" href="/api/plans/${p.plan_id}/plan.pdf?lang=${getLang()}" download>${t('plan.print')}</a></div>
      <p class="legend-meta" id="plan-msg" role="status" aria-live="polite"></p>`;
    for (const tr of box.querySelectorAll('tr[data-unit]')) {
      const unit = Number(tr.dataset.unit);
      tr.querySelector('.rm')?.addEventListener('click', () => this.remove(unit));
      tr.querySelector('.note').addEventListener('change', (e) => this.change('PATCH', `/api/plans/${p.plan_id}/communes/${unit}`, { version: this.plan.version, note: e.target.value }));
    }
    for (const b of box.querySelectorAll('button.to')) b.addEventListener('click', () => this.change('PATCH', `/api/plans/${p.plan_id}`, { version: this.plan.version, status: b.dataset.to }));
    this.paint();
  }

  /** A write to the plan; `true` when it was made. A refusal is said under the plan (a stale
   * version reloads the plan first, so the next try is against what is stored). */
  async change(method, path, body) {
    try {
      this.plan = await this.send(method, path, body);
      this.showPlan();
      this.renderTable();
      return true;
    } catch (e) {
      if (e.aborted) return false;
      if (e.status === 409) await this.loadPlan();
      const msg = this.el.querySelector('#plan-msg');
      if (msg) msg.textContent = e.message;
      if (e.kind !== 'http') showError(e, { retry: () => this.change(method, path, body) });
      return false;
    }
  }

  /** Add a commune (the table's button or a click on the map) to the open draft plan. */
  async add(unitId, note) {
    if (!this.plan || this.plan.status !== 'draft') return false;
    if (this.plan.communes.some((c) => c.unit_id === unitId)) return false;
    const ok = await this.change('POST', `/api/plans/${this.plan.plan_id}/communes`, { version: this.plan.version, unit_id: unitId });
    if (ok && note) await this.change('PATCH', `/api/plans/${this.plan.plan_id}/communes/${unitId}`, { version: this.plan.version, note });
    if (ok) this.el.querySelector('#plan-msg').textContent = t('plan.added', { name: this.plan.communes.find((c) => c.unit_id === unitId)?.name ?? unitId });
    return ok;
  }

  /** Remove a commune from the plan, with Undo (which adds it back with its note). */
  async remove(unitId) {
    const gone = this.plan.communes.find((c) => c.unit_id === unitId);
    const ok = await this.change('DELETE', `/api/plans/${this.plan.plan_id}/communes/${unitId}?version=${this.plan.version}`);
    if (!ok || !gone) return;
    this.el.querySelector('#plan-box button.rm, #cand-box button.add')?.focus();
    const planId = this.plan.plan_id;
    // Undo puts the commune back into the plan it was removed from, never another one opened since.
    toast(t('plan.removed', { name: gone.name }), { action: t('plan.undo'), onAction: () => { if (this.plan?.plan_id === planId) this.add(unitId, gone.note); } });
  }

  async loadCandidates() {
    let r;
    try {
      r = await this.api(`/api/candidates?province=${this.state.province}&year=${this.targetYear()}&statuses=${this.state.statuses ?? 'approved'}`, { lane: 'candidates' });
    } catch (e) {
      if (!e.aborted) { this.el.querySelector('#cand-box').innerHTML = ''; showError(e, { retry: () => this.loadCandidates() }); }
      return;
    }
    this.candidates = r.candidates;
    this.renderTable();
    this.paint();
  }

  renderTable() {
    const box = this.el.querySelector('#cand-box');
    if (!box) return;
    const value = (c, k) => (k === 'score' ? c.score : c.components.find((x) => x.key === k)?.score ?? 0);
    // A commune added from the map while this province and year's candidates are on their way: the table waits.
    if (this.candidates === null) { box.innerHTML = loadingHtml(); return; }
    if (!this.candidates.length) { box.innerHTML = emptyHtml(t('cand.none')); return; }
    const rows = [...this.candidates].sort((a, b) => value(b, this.sortKey) - value(a, this.sortKey) || a.rank - b.rank).slice(0, 60);
    const inPlan = new Set((this.plan?.communes ?? []).map((c) => c.unit_id));
    const draft = this.plan?.status === 'draft';
    // Sortable headers are buttons (Tab, Enter/Space); the sorted column says so (aria-sort).
    const head = ['score', ...COMPONENTS].map((k) => `<th scope="col" data-sort="${k}" class="${k === this.sortKey ? 'sorted' : ''}" aria-sort="${k === this.sortKey ? 'descending' : 'none'}"><button type="button" class="sort" title="${esc(t(`cand.${k}.long`))}">${t(`cand.${k}`)}</button></th>`).join('');
    const action = (c) => {
      if (inPlan.has(c.unit_id)) return `<span class="legend-meta">${t('plan.inPlan')}</span>`;
      if (!draft) return '';
      return `<button type="button" class="add" aria-label="${esc(t('plan.add.of', { name: c.name }))}">${t('plan.add')}</button>`;
    };
    box.innerHTML = `<table id="cand-table"><caption class="sr-only">${esc(t('plan.candidates', { year: this.targetYear() }))}</caption>
      <thead><tr><th scope="col">#</th><th scope="col">${t('plan.commune')}</th>${head}<th scope="col"><span class="sr-only">${t('plan.add')}</span></th></tr></thead><tbody>
      ${rows.map((c) => `<tr data-unit="${c.unit_id}" class="${inPlan.has(c.unit_id) ? 'in-plan' : ''}"><td>${c.rank}</td><th scope="row" class="name">${esc(c.name)}<div class="legend-meta">${esc(statusLabel(c.status))}${c.rebuilt ? ' *' : ''}</div></th>
        <td class="num"><strong>${num(c.score * 100, 0)}</strong></td>
        ${COMPONENTS.map((k) => { const x = c.components.find((y) => y.key === k); return `<td class="num" title="${esc(x?.value ?? '—')}${x && !x.confirmed ? ` (${esc(t('panel.unconfirmed'))})` : ''}">${num((x?.score ?? 0) * 100, 0)}</td>`; }).join('')}
        <td>${action(c)}</td></tr>`).join('')}</tbody></table>
      ${draft ? '' : `<p class="legend-meta">${t(this.plan ? 'plan.notDraft' : 'plan.chooseFirst')}</p>`}`;
    for (const th of box.querySelectorAll('th[data-sort]')) th.querySelector('button').addEventListener('click', () => {
      this.sortKey = th.dataset.sort;
      this.renderTable();
      box.querySelector(`th[data-sort="${th.dataset.sort}"] button`)?.focus();
    });
    for (const tr of box.querySelectorAll('tr[data-unit]')) {
      const unit = Number(tr.dataset.unit);
      tr.querySelector('button.add')?.addEventListener('click', async () => {
        const ok = await this.add(unit);
        // Keyboard users stay in the table: the next row's button.
        if (ok) (box.querySelector(`tr[data-unit="${unit}"]`)?.nextElementSibling?.querySelector('button.add') ?? box.querySelector('button.add'))?.focus();
      });
    }
  }

  /** Colour candidates by score on the map; plan communes in the darkest class. */
  paint() {
    const colors = {};
    const ramp = ['#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac'];
    for (const c of this.candidates ?? []) colors[c.unit_id] = ramp[Math.min(4, Math.floor(c.score * 5))];
    for (const c of this.plan?.communes ?? []) colors[c.unit_id] = '#053061';
    this.atlas.paintActive(colors);
  }
}
