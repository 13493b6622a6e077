// The province's review page (reviewers): the queue of the province's communes with their state
// (submitted ones first, those whose self-assessment disagrees with their figures first of all),
// the map coloured by review state, and a commune's submission beside last year's figures, to
// return with a comment or accept; under it the province's lists to approve (approvers).
import { t, num } from './i18n.js';
import { esc } from './html.js';
import { session } from './session.js';
import { ApprovalView } from './approval.js';
import { NationalView } from './national.js';
import { showError, loadingHtml, emptyHtml, inkOn, wideToggle } from './banner.js';

// Light enough for dark text on every swatch (contrast above 4.5 : 1).
export const STATE_COLOURS = { not_started: '#d9d9d9', draft: '#9ecae1', submitted: '#fd8d3c', returned: '#fb6a4a', accepted: '#74c476' };

export class ReviewView {
  constructor(el, { api, send, atlas }) {
    Object.assign(this, { el, api, send, atlas });
    this.period = null;
    this.filter = '';
    this.open = null;
  }

  async render() {
    if (!this.el.querySelector('h3')) this.el.innerHTML = loadingHtml();
    let periods, groups;
    try {
      [{ periods }, { groups }] = await Promise.all([this.api('/api/review/periods', { lane: 'review-periods' }), this.fields ? { groups: this.fields } : this.api('/api/review/form')]);
    } catch (e) {
      if (!e.aborted) showError(e, { retry: () => this.render() });
      return;
    }
    this.fields = groups;
    const role = session.authenticated ? session.role : 'admin';
    if (role === 'ministry') {
      this.national = this.national ?? new NationalView(this.el, { api: this.api, send: this.send, onChanged: () => this.onChanged?.() });
      window.atlas.national = this.national;
      await this.national.render(this.period?.year);
      return;
    }
    if (!['reviewer', 'admin'].includes(role)) {
      // The approver: every period, approved ones too (their decisions, annexes, amendments).
      if (!periods.length) { this.el.innerHTML = `<h3>${t('rv.title')}</h3><p>${t('rv.none')}</p>`; return; }
      this.period = periods.find((p) => p.id === this.period?.id) ?? periods[0];
      await this.renderApproval(periods, true);
      return;
    }
    const open = periods.filter((p) => p.state !== 'approved');
    if (!open.length) { this.el.innerHTML = `<h3>${t('rv.title')}</h3><p>${t('rv.none')}</p>`; return; }
    this.period = open.find((p) => p.id === this.period?.id) ?? open[0];
    let q;
    try {
      q = await this.api(`/api/review/periods/${this.period.id}/queue`, { lane: 'review-queue' });
    } catch (e) {
      if (!e.aborted) showError(e, { retry: () => this.render() });
      return;
    }
    this.queue = q.communes;
    const counts = {};
    for (const c of this.queue) counts[c.state] = (counts[c.state] ?? 0) + 1;
    const rows = this.queue.filter((c) => !this.filter || c.state === this.filter).map((c) => `
      <tr data-unit="${c.unit_id}" class="${c.disagrees ? 'rv-disagree' : ''}">
        <td><button type="button" class="link" data-open="${c.unit_id}">${esc(c.name)}</button></td>
        <td><span class="badge" style="background:${STATE_COLOURS[c.state]};color:${inkOn(STATE_COLOURS[c.state])}">${esc(t(`rf.state.${c.state}`))}</span></td>
        <td>${c.self_key_type ? esc(t(`rf.type.${c.self_key_type}`)) : '—'}</td>
        <td>${c.computed_key_type ? esc(t(`rf.type.${c.computed_key_type}`)) : '—'}</td>
        <td>${c.last_status ? esc(t(`status.${c.last_status}`)) : '—'}</td></tr>`).join('');
    this.el.innerHTML = `
      <h3>${t('rv.title')} — ${this.period.year}</h3>
      <p class="legend-meta">${esc(t('rv.deadlines', { commune: this.period.commune_deadline, province: this.period.province_deadline }))}</p>
      <p class="legend-meta" id="rv-counts">${Object.entries(STATE_COLOURS).map(([s, col]) => `<span class="swatch" style="background:${col}"></span> ${esc(t(`rf.state.${s}`))}: ${num(counts[s] ?? 0)}`).join(' · ')}</p>
      <div class="row"><label for="rv-filter">${t('rv.filter')}</label>
        <select id="rv-filter"><option value="">${t('rv.all')}</option>${Object.keys(STATE_COLOURS).map((s) => `<option value="${s}" ${s === this.filter ? 'selected' : ''}>${esc(t(`rf.state.${s}`))}</option>`).join('')}</select>
        ${wideToggle('rv-wide')}</div>
      ${rows ? `<div class="sql-grid" tabindex="0"><table class="rv-queue"><caption class="sr-only">${esc(t('rv.title'))}</caption><thead><tr><th scope="col">${t('rv.commune')}</th><th scope="col">${t('rv.state')}</th><th scope="col">${t('rv.self')}</th><th scope="col">${t('rv.computed')}</th><th scope="col">${t('rv.last')}</th></tr></thead><tbody>${rows}</tbody></table></div>` : emptyHtml(t('rv.emptyQueue'))}
      <div id="rv-detail"></div>
      <p id="rv-msg" class="legend-meta" role="status" aria-live="polite"></p>
      <section id="rv-approval" class="rv-approval"></section>`;
    this.el.querySelector('#rv-filter').addEventListener('change', (e) => { this.filter = e.target.value; this.render(); });
    for (const b of this.el.querySelectorAll('[data-open]')) b.addEventListener('click', () => this.show(Number(b.dataset.open)));
    this.paint();
    if (this.open) this.show(this.open);
    if (role === 'admin') await this.renderApproval(periods, false);
  }

  /**
   * The lists to approve: of the period's province, or (a national period) of the first
   * province in the user's scope, or one chosen from the review's provinces.
   */
  async renderApproval(periods, alone) {
    if (alone) {
      this.el.innerHTML = `<div class="row"><label for="rv-period">${t('ap.period')}</label><select id="rv-period">${periods.map((p) => `<option value="${p.id}" ${p.id === this.period?.id ? 'selected' : ''}>${p.year}${p.province_code ? ` · ${esc(p.province_code)}` : ''} · ${esc(t(`ap.pstate.${p.state}`))}</option>`).join('')}</select></div><section id="rv-approval" class="rv-approval"></section>`;
      this.el.querySelector('#rv-period').addEventListener('change', (e) => { this.period = periods.find((p) => p.id === Number(e.target.value)); this.renderApproval(periods, true); });
    }
    const box = this.el.querySelector('#rv-approval');
    if (!box || !this.period) return;
    let province = this.period.province_code;
    if (!province) {
      // A national period: the provinces of the user's scope in it, to choose from.
      const prog = await this.api('/api/review/progress').catch(() => null);
      const provinces = prog?.periods.find((x) => x.period.id === this.period.id)?.provinces ?? [];
      province = this.province && provinces.some((x) => x.province_code === this.province) ? this.province : provinces[0]?.province_code;
      if (!province) return;
      if (provinces.length > 1) {
        box.insertAdjacentHTML('beforebegin', `<div class="row" id="rv-province-row"><label for="rv-province">${t('dash.province')}</label><select id="rv-province">${provinces.map((x) => `<option value="${esc(x.province_code)}" ${x.province_code === province ? 'selected' : ''}>${esc(x.province_name || x.province_code)}</option>`).join('')}</select></div>`);
        this.el.querySelector('#rv-province').addEventListener('change', (e) => { this.province = e.target.value; this.el.querySelector('#rv-province-row')?.remove(); this.renderApproval(periods, false); });
      }
    }
    this.province = province;
    this.approval = this.approval ?? new ApprovalView(box, { api: this.api, send: this.send, onChanged: () => this.onChanged?.() });
    this.approval.el = box;
    window.atlas.approval = this.approval;
    await this.approval.render(this.period, province);
  }

  /** The map by review state. */
  paint() {
    if (!this.atlas?.active) return;
    const colors = {};
    for (const c of this.queue ?? []) colors[c.unit_id] = STATE_COLOURS[c.state];
    this.atlas.paint(this.atlas.active, colors);
  }

  show(unit) {
    this.open = unit;
    const c = this.queue.find((x) => x.unit_id === unit);
    const box = this.el.querySelector('#rv-detail');
    if (!c) { box.innerHTML = ''; return; }
    const s = c.submission;
    const figures = s?.figures ?? {};
    const last = c.last_figures ?? {};
    const rows = this.fields.flatMap((g) => g.fields).map((f) => {
      const now = figures[f.key];
      const before = last[f.key];
      const changed = now !== undefined && before !== undefined && Number(now) !== Number(before);
      return `<tr class="${changed ? 'rv-changed' : ''}"><td>${esc(f.vi)}</td><td class="num">${now === undefined ? '—' : esc(typeof now === 'number' ? num(now, 2) : t(`route.${now}`))}</td><td class="num">${before === undefined ? '—' : esc(num(before, 2))}</td></tr>`;
    }).join('');
    box.innerHTML = `<h4>${esc(c.name)} (${esc(c.code)}) · ${esc(t(`rf.state.${c.state}`))}</h4>
      ${s ? `<p>${t('rv.selfSays')}: <strong>${s.self_key_type ? esc(t(`rf.type.${s.self_key_type}`)) : '—'}</strong>${s.self_drug_free ? ` · ${t('rv.claimsFree')}` : ''}${c.disagrees ? ` <span class="rv-warn">${t('rv.disagrees', { type: t(`rf.type.${c.computed_key_type}`) })}</span>` : ''}</p>
      ${s.justification ? `<p class="legend-meta">${esc(s.justification)}</p>` : ''}` : `<p>${t('rv.nothing')}</p>`}
      <div class="sql-grid" tabindex="0"><table class="rv-side"><thead><tr><th></th><th>${this.period.year}</th><th>${this.period.year - 1}</th></tr></thead><tbody>${rows}</tbody></table></div>
      ${s?.state === 'submitted' ? `
        <label for="rv-comment">${t('rv.comment')}</label><textarea id="rv-comment" rows="2"></textarea>
        <div class="row"><button type="button" id="rv-return">${t('rv.return')}</button><button type="button" id="rv-accept">${t('rv.accept')}</button></div>` : ''}`;
    box.querySelector('#rv-return')?.addEventListener('click', () => this.step('return'));
    box.querySelector('#rv-accept')?.addEventListener('click', () => this.step('accept'));
  }

  async step(name) {
    const c = this.queue.find((x) => x.unit_id === this.open);
    const comment = this.el.querySelector('#rv-comment')?.value.trim() ?? '';
    const msg = this.el.querySelector('#rv-msg');
    if (name === 'return' && !comment) { msg.textContent = t('rv.needComment'); msg.classList.add('error'); return; }
    try {
      await this.send('POST', `/api/review/submissions/${c.submission.id}/${name}`, { version: c.submission.version, comment: comment || undefined });
      await this.render();
      this.el.querySelector('#rv-msg').textContent = t(`rv.done.${name}`, { name: c.name });
      this.onChanged?.();
    } catch (e) {
      msg.textContent = e.status === 409 ? t('rv.stale') : e.message;
      msg.classList.add('error');
    }
  }
}

/** Days to a deadline in words: "8 days left", "today", "3 days overdue". */
function daysLeft(d) {
  if (d > 0) return t('rv.daysLeft', { n: num(d) });
  if (d === 0) return t('rv.today');
  return t('rv.daysLate', { n: num(-d) });
}

/** The dashboard's section: per open period and province, communes by review state and overdue. */
export function progressHtml(progress) {
  if (!progress?.periods?.length) return '';
  return progress.periods.map((pp) => {
    const late = pp.days_to_commune_deadline < 0;
    const rows = pp.provinces.map((r) => {
      const bar = ['accepted', 'submitted', 'returned', 'draft', 'not_started'].map((s) => {
        const w = r.communes ? (100 * r[s]) / r.communes : 0;
        return w ? `<span style="width:${w}%;background:${STATE_COLOURS[s]}" title="${esc(t(`rf.state.${s}`))}: ${num(r[s])}"></span>` : '';
      }).join('');
      return `<tr data-province="${esc(r.province_code)}"><th scope="row">${esc(r.province_name || r.province_code)}
        <div class="rv-bar" role="img" aria-label="${esc(t('rv.barLabel', { accepted: num(r.accepted), communes: num(r.communes) }))}">${bar}</div></th>
        <td class="num">${num(r.communes)}</td><td class="num" data-col="submitted">${num(r.submitted + r.accepted)}</td><td class="num" data-col="accepted">${num(r.accepted)}</td>
        <td class="num">${num(r.returned)}</td><td class="num ${r.overdue ? 'rv-overdue' : ''}" data-col="overdue">${num(r.overdue)}</td></tr>`;
    }).join('');
    return `<section class="rv-progress" data-period="${pp.period.id}">
      <h3>${esc(t('rv.progress', { year: pp.period.year }))}</h3>
      <p class="${late ? 'rv-overdue' : ''}">${esc(t('rv.communeDeadline', { date: pp.period.commune_deadline }))}: <strong data-days="${pp.days_to_commune_deadline}">${esc(daysLeft(pp.days_to_commune_deadline))}</strong>
        · ${esc(t('rv.provinceDeadline', { date: pp.period.province_deadline }))}: ${esc(daysLeft(pp.days_to_province_deadline))}</p>
      <div class="sql-grid" tabindex="0"><table class="rv-tally"><thead><tr><th>${t('dash.province')}</th><th>${t('rv.communes')}</th><th>${t('rv.submitted')}</th><th>${t('rv.accepted')}</th><th>${t('rf.state.returned')}</th><th>${t('rv.overdue')}</th></tr></thead>
      <tbody>${rows}</tbody></table></div></section>`;
  }).join('');
}
