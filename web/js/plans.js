// Leaders' workflow: communes ranked for conversion (sortable, highlighted on the map) and the
// open plan (click communes on the map or in the table to add them; notes, quota counter,
// lifecycle, CSV export, the printable plan sheet as PDF). Writes carry the plan version: a stale one is refused.
import { t, num, label, getLang } from './i18n.js';
import { esc } from './html.js';
import { statusLabel } from './statuses.js';

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
    const { labels } = await this.api(`/api/labels?level=province&version=${encodeURIComponent(version)}`);
    if (!labels.length) return;
    if (!this.state.province || !labels.some((l) => l.code === this.state.province)) this.state.province = labels[0]?.code;
    const { plans } = await this.api(`/api/plans?province=${this.state.province}`);
    if (this.state.plan && !plans.some((p) => p.plan_id === this.state.plan)) this.state.plan = null;
    this.el.innerHTML = `
      <h3>${t('plan.title')}</h3>
      <div class="row"><label for="plan-province">${t('dash.province')}</label>
        <select id="plan-province">${labels.map((l) => `<option value="${esc(l.code)}" ${l.code === this.state.province ? 'selected' : ''}>${esc(l.name)}</option>`).join('')}</select></div>
      <div class="row"><label for="plan-select">${t('plan.plan')}</label>
        <select id="plan-select"><option value="">—</option>${plans.map((p) => `<option value="${p.plan_id}" ${p.plan_id === this.state.plan ? 'selected' : ''}>${esc(p.name)} (${p.target_year}, ${t(`plan.status.${p.status}`)})</option>`).join('')}</select>
        <button id="plan-new">${t('plan.new')}</button></div>
      <div id="plan-box"></div>
      <h3>${t('plan.candidates', { year: this.targetYear() })}</h3>
      <p class="legend-meta">${t('plan.candidates.note')}</p>
      <div id="cand-box" class="cand"></div>`;
    this.el.querySelector('#plan-province').addEventListener('change', (e) => { this.state.province = e.target.value; this.state.plan = null; this.render(); });
    this.el.querySelector('#plan-select').addEventListener('change', (e) => { this.state.plan = e.target.value ? Number(e.target.value) : null; this.loadPlan(); this.onSelect?.(); });
    this.el.querySelector('#plan-new').addEventListener('click', () => this.create());
    await Promise.all([this.loadPlan(), this.loadCandidates()]);
  }

  async create() {
    const name = prompt(t('plan.name.prompt'), `${t('plan.default.name')} ${this.targetYear()}`);
    if (!name) return;
    const quota = Number(prompt(t('plan.quota.prompt'), '10')) || null;
    const p = await this.send('POST', '/api/plans', { name, province_code: this.state.province, target_year: this.targetYear(), quota });
    this.state.plan = p.plan_id;
    await this.render();
    this.onSelect?.();
  }

  async loadPlan() {
    const box = this.el.querySelector('#plan-box');
    if (!this.state.plan) { this.plan = null; box.innerHTML = `<p class="legend-meta">${t('plan.none')}</p>`; this.paint(); return; }
    this.plan = await this.api(`/api/plans/${this.state.plan}`);
    this.showPlan();
  }

  showPlan() {
    const p = this.plan;
    const box = this.el.querySelector('#plan-box');
    const next = { draft: ['submitted'], submitted: ['draft', 'approved'], approved: ['closed'], closed: [] }[p.status];
    const over = p.quota !== null && p.communes.length > p.quota;
    box.innerHTML = `
      <p><strong id="plan-name">${esc(p.name)}</strong> · ${t(`plan.status.${p.status}`)} · v${p.version}</p>
      <p id="plan-count" class="${over ? 'tri-true' : ''}">${t('plan.count', { n: p.communes.length, quota: p.quota ?? '—' })}</p>
      <table id="plan-communes">${p.communes.map((c) => `<tr data-unit="${c.unit_id}"><td>${esc(c.name)}<div class="legend-meta">${esc(c.code)}${c.converted ? ` · <span class="tri-false">${t('plan.converted')}</span>` : ''}</div></td>
        <td><input class="note" value="${esc(c.note)}" maxlength="1000" placeholder="${t('plan.note')}" ${p.status !== 'draft' ? 'disabled' : ''}></td>
        <td>${p.status === 'draft' ? `<button class="rm" title="${t('plan.remove')}">×</button>` : ''}</td></tr>`).join('')}</table>
      <div class="row">${next.map((s) => `<button class="to" data-to="${s}">${t(`plan.to.${s}`)}</button>`).join('')}
        <a href="/api/plans/${p.plan_id}/export.csv" download>${t('plan.csv')}</a>
        <a id="plan-print" href="/api/plans/${p.plan_id}/plan.pdf?lang=${getLang()}" download>${t('plan.print')}</a></div>
      <p class="legend-meta" id="plan-msg"></p>`;
    for (const tr of box.querySelectorAll('tr[data-unit]')) {
      const unit = Number(tr.dataset.unit);
      tr.querySelector('.rm')?.addEventListener('click', () => this.change('DELETE', `/api/plans/${p.plan_id}/communes/${unit}?version=${this.plan.version}`));
      tr.querySelector('.note').addEventListener('change', (e) => this.change('PATCH', `/api/plans/${p.plan_id}/communes/${unit}`, { version: this.plan.version, note: e.target.value }));
    }
    for (const b of box.querySelectorAll('button.to')) b.addEventListener('click', () => this.change('PATCH', `/api/plans/${p.plan_id}`, { version: this.plan.version, status: b.dataset.to }));
    this.paint();
  }

  async change(method, path, body) {
    try {
      this.plan = await this.send(method, path, body);
      this.showPlan();
      this.renderTable();
    } catch (e) {
      const msg = this.el.querySelector('#plan-msg');
      if (msg) msg.textContent = e.message;
      if (e.status === 409) await this.loadPlan();
    }
  }

  /** Add a commune (from the map or the table) to the open draft plan. */
  async add(unitId) {
    if (!this.plan || this.plan.status !== 'draft') return false;
    if (this.plan.communes.some((c) => c.unit_id === unitId)) return false;
    await this.change('POST', `/api/plans/${this.plan.plan_id}/communes`, { version: this.plan.version, unit_id: unitId });
    return true;
  }

  async loadCandidates() {
    const r = await this.api(`/api/candidates?province=${this.state.province}&year=${this.targetYear()}&statuses=${this.state.statuses ?? 'approved'}`);
    this.candidates = r.candidates;
    this.renderTable();
    this.paint();
  }

  renderTable() {
    const box = this.el.querySelector('#cand-box');
    if (!box) return;
    const value = (c, k) => (k === 'score' ? c.score : c.components.find((x) => x.key === k)?.score ?? 0);
    const rows = [...this.candidates].sort((a, b) => value(b, this.sortKey) - value(a, this.sortKey) || a.rank - b.rank).slice(0, 60);
    const inPlan = new Set((this.plan?.communes ?? []).map((c) => c.unit_id));
    const head = ['score', ...COMPONENTS].map((k) => `<th data-sort="${k}" class="${k === this.sortKey ? 'sorted' : ''}" title="${t(`cand.${k}.long`)}">${t(`cand.${k}`)}</th>`).join('');
    box.innerHTML = `<table id="cand-table"><tr><th>#</th><th>${t('plan.commune')}</th>${head}</tr>
      ${rows.map((c) => `<tr data-unit="${c.unit_id}" class="${inPlan.has(c.unit_id) ? 'in-plan' : ''}"><td>${c.rank}</td><td>${esc(c.name)}<div class="legend-meta">${esc(statusLabel(c.status))}${c.rebuilt ? ' *' : ''}</div></td>
        <td class="num"><strong>${num(c.score * 100, 0)}</strong></td>
        ${COMPONENTS.map((k) => { const x = c.components.find((y) => y.key === k); return `<td class="num" title="${esc(x?.value ?? '—')}${x && !x.confirmed ? ' (unconfirmed)' : ''}">${num((x?.score ?? 0) * 100, 0)}</td>`; }).join('')}</tr>`).join('')}</table>`;
    for (const th of box.querySelectorAll('th[data-sort]')) th.addEventListener('click', () => { this.sortKey = th.dataset.sort; this.renderTable(); });
    for (const tr of box.querySelectorAll('tr[data-unit]')) tr.addEventListener('click', () => this.add(Number(tr.dataset.unit)));
  }

  /** Colour candidates by score on the map; plan communes in the darkest class. */
  paint() {
    const colors = {};
    const ramp = ['#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac'];
    for (const c of this.candidates) colors[c.unit_id] = ramp[Math.min(4, Math.floor(c.score * 5))];
    for (const c of this.plan?.communes ?? []) colors[c.unit_id] = '#053061';
    this.atlas.paintActive(colors);
  }
}
