// The province's approval of the review's lists (provincial People's Committee; role approver):
// the proposal from the accepted submissions — each commune's list by its figures, its own
// assessment, last period's list — with the changes against last period; the approver may depart
// from the figures for a commune, with a reason, then approves under a decision number, date and
// signer. Once approved: the decisions (approval, amendments) with their annexes, and amending.
import { t, num, getLang } from './i18n.js';
import { esc } from './html.js';

const LISTS = ['I', 'II', 'III', 'drug_free', 'none'];

export class ApprovalView {
  constructor(el, { api, send, onChanged }) {
    Object.assign(this, { el, api, send, onChanged });
    this.overrides = new Map();
  }

  async render(period, province) {
    // Departures typed for another period or province never travel with this one.
    if (this.period?.id !== period.id || this.province !== province) this.overrides.clear();
    this.period = period;
    this.province = province;
    let body;
    try {
      body = await this.api(`/api/review/periods/${period.id}/provinces/${encodeURIComponent(province)}/lists`);
    } catch (e) {
      this.el.innerHTML = `<p class="legend-meta">${esc(e.message)}</p>`;
      return;
    }
    this.lists = body.lists;
    const l = this.lists;
    const name = (x) => (x ? t(`ap.list.${x}`) : '—');
    const count = (x) => l.entries.filter((e) => e.list === x).length;
    const counts = LISTS.slice(0, 4).map((x) => `<span data-list="${x}">${esc(name(x))}: <strong>${num(count(x))}</strong></span>`).join(' · ');
    const changes = (by, key) => Object.entries(by).map(([list, cs]) => `<li>${esc(t(key, { list: name(list) }))}: ${cs.map((c) => esc(c.name)).join(', ')}</li>`).join('');
    const editable = !l.approved;
    const rows = l.entries.map((e) => {
      const chosen = this.overrides.get(e.unit_id)?.list ?? e.list ?? '';
      const differs = e.self_assessed && e.computed && e.self_assessed !== e.computed;
      return `<tr data-unit="${e.unit_id}" class="${differs ? 'rv-disagree' : ''}">
        <td>${esc(e.name)}${e.former ? `<br><small class="legend-meta">${esc(e.former)}</small>` : ''}</td>
        <td>${esc(name(e.computed))}</td><td>${esc(name(e.self_assessed))}</td><td>${esc(name(e.previous))}</td>
        <td>${editable
          ? `<select data-override="${e.unit_id}" aria-label="${esc(t('ap.listFor', { name: e.name }))}">${e.computed ? '' : `<option value="">${t('ap.decide')}</option>`}${LISTS.map((x) => `<option value="${x}" ${x === chosen ? 'selected' : ''}>${esc(name(x))}</option>`).join('')}</select>
             <input data-reason="${e.unit_id}" placeholder="${esc(t('ap.reason'))}" value="${esc(this.overrides.get(e.unit_id)?.reason ?? '')}" ${chosen && chosen !== e.computed ? '' : 'hidden'}>`
          : `<strong>${esc(name(e.list))}</strong>${e.override_reason ? `<br><small>${esc(e.override_reason)}</small>` : ''}`}</td></tr>`;
    }).join('');
    const base = `/api/review/periods/${period.id}/provinces/${encodeURIComponent(province)}`;
    const decisions = l.decisions.map((d) => `<li data-decision="${d.id}">${esc(t(`ap.kind.${d.kind}`))} ${esc(d.decision_no)} · ${esc(d.decision_date)} · ${esc(d.signer)}
      · <a href="/api/review/periods/${period.id}/provinces/${encodeURIComponent(province)}/annex.pdf?decision=${d.id}&lang=${getLang()}" download>${t('ap.annex')}</a></li>`).join('');
    const sign = (id) => `<fieldset class="ap-sign"><legend>${t(l.approved ? 'ap.amendTitle' : 'ap.signTitle')}</legend>
        <label>${t('ap.no')} <input id="${id}-no" placeholder="1234/QĐ-UBND" required></label>
        <label>${t('ap.date')} <input id="${id}-date" type="date" required value="${new Date().toISOString().slice(0, 10)}"></label>
        <label>${t('ap.signer')} <input id="${id}-signer" required></label></fieldset>`;
    this.el.innerHTML = `
      <h3>${esc(t('ap.title', { province: l.province_name, year: l.period.year }))}</h3>
      <p id="ap-state" class="${l.approved ? 'rf-accepted' : ''}">${esc(t(l.approved ? 'ap.approved' : 'ap.proposal'))}</p>
      <p>${counts} · ${esc(t('ap.notAssessed'))}: <strong>${num(l.not_assessed.length)}</strong>${l.pending ? ` · <span class="rv-warn">${esc(t('ap.pending', { n: num(l.pending) }))}</span>` : ''}</p>
      <p class="legend-meta">${esc(t(`ap.previous.${l.previous_source}`))}</p>
      <ul class="ap-changes">${changes(l.put_on, 'ap.putOn')}${changes(l.taken_off, 'ap.takenOff')}</ul>
      <div class="sql-grid" tabindex="0"><table class="ap-entries"><thead><tr><th>${t('rv.commune')}</th><th>${t('ap.computed')}</th><th>${t('rv.self')}</th><th>${t('ap.previousCol')}</th><th>${t('ap.list')}</th></tr></thead><tbody>${rows}</tbody></table></div>
      ${decisions ? `<h4>${t('ap.decisions')}</h4><ul id="ap-decisions">${decisions}</ul>` : ''}
      <p id="ap-report">${t('ap.report')}: <a href="${base}/report.pdf?lang=${getLang()}" download>PDF</a> · <a href="${base}/report.xlsx?lang=${getLang()}" download>XLSX</a>${l.approved ? '' : ` <small class="legend-meta">(${t('ap.draftReport')})</small>`}</p>
      ${l.approved ? `${sign('am')}<div class="row"><label>${t('rv.commune')} <select id="am-unit">${l.entries.map((e) => `<option value="${e.unit_id}">${esc(e.name)}</option>`).join('')}</select></label>
          <label>${t('ap.list')} <select id="am-list">${LISTS.map((x) => `<option value="${x}">${esc(name(x))}</option>`).join('')}</select></label>
          <input id="am-reason" placeholder="${esc(t('ap.reason'))}"></div><button type="button" id="ap-amend">${t('ap.amend')}</button>`
        : `${sign('ap')}<button type="button" id="ap-approve" ${l.pending || !l.entries.length ? 'disabled' : ''}>${t('ap.approve')}</button>`}
      <p id="ap-msg" class="legend-meta" role="status" aria-live="polite"></p>`;
    for (const s of this.el.querySelectorAll('[data-override]')) {
      s.addEventListener('change', () => {
        const unit = Number(s.dataset.override);
        const e = l.entries.find((x) => x.unit_id === unit);
        const reason = this.el.querySelector(`[data-reason="${unit}"]`);
        if (s.value && s.value !== e.computed) { this.overrides.set(unit, { list: s.value, reason: reason.value }); reason.hidden = false; reason.focus(); } else { this.overrides.delete(unit); reason.hidden = true; }
      });
    }
    for (const r of this.el.querySelectorAll('[data-reason]')) {
      r.addEventListener('input', () => { const o = this.overrides.get(Number(r.dataset.reason)); if (o) o.reason = r.value; });
    }
    this.el.querySelector('#ap-approve')?.addEventListener('click', () => this.decide('approve', 'ap', [...this.overrides].map(([unit_id, o]) => ({ unit_id, ...o }))));
    this.el.querySelector('#ap-amend')?.addEventListener('click', () => this.decide('amend', 'am', [{
      unit_id: Number(this.el.querySelector('#am-unit').value), list: this.el.querySelector('#am-list').value, reason: this.el.querySelector('#am-reason').value,
    }]));
  }

  async decide(what, id, overrides) {
    const $ = (q) => this.el.querySelector(q);
    const msg = $('#ap-msg');
    const body = { decision_no: $(`#${id}-no`).value.trim(), decision_date: $(`#${id}-date`).value, signer: $(`#${id}-signer`).value.trim(), overrides };
    if (!body.decision_no || !body.decision_date || !body.signer) { msg.textContent = t('ap.needSigned'); msg.classList.add('error'); return; }
    const missing = overrides.find((o) => !o.reason?.trim());
    if (missing) { msg.textContent = t('ap.needReason'); msg.classList.add('error'); this.el.querySelector(`[data-reason="${missing.unit_id}"]`)?.focus(); return; }
    $(`#ap-${what === 'approve' ? 'approve' : 'amend'}`).disabled = true;
    msg.textContent = t('ap.working');
    try {
      await this.send('POST', `/api/review/periods/${this.period.id}/provinces/${encodeURIComponent(this.province)}/${what}`, body);
      this.overrides.clear();
      await this.render(this.period, this.province);
      this.el.querySelector('#ap-msg').textContent = t(`ap.done.${what}`, { no: body.decision_no });
      this.onChanged?.();
    } catch (e) {
      msg.textContent = e.message;
      msg.classList.add('error');
      const b = $(`#ap-${what === 'approve' ? 'approve' : 'amend'}`);
      if (b) b.disabled = false;
    }
  }
}
