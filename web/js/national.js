// The Ministry's national view of the review (Art. 7.3): which provinces have reported their
// approved lists and when (overdue ones highlighted), their counts by list, Art. 5 on the data, the
// national share of drug-free communes against the 2030 target, the national lists as CSV/XLSX,
// and the Ministry's own decision on each reported province (key area, drug-free, route).
import { t, num } from './i18n.js';
import { esc } from './html.js';

export class NationalView {
  constructor(el, { api, send, onChanged }) {
    Object.assign(this, { el, api, send, onChanged });
  }

  async render(year) {
    let body;
    try {
      body = await this.api(`/api/review/national${year ? `?year=${year}` : ''}`);
    } catch (e) {
      this.el.innerHTML = `<p class="legend-meta">${esc(e.message)}</p>`;
      return;
    }
    const n = body.national;
    this.national = n;
    const tri = (v) => (v === 'true' ? t('nv.key') : v === 'false' ? t('nv.notKey') : v === 'unknown' ? t('nv.unknown') : '—');
    const rows = n.provinces.map((p) => `
      <tr data-province="${esc(p.province_code)}" class="${p.overdue ? 'nv-overdue' : ''}">
        <th scope="row">${esc(p.province_name)}</th>
        <td data-col="reported">${p.reported ? `${esc(p.reported[0])}<br><small>${esc(p.reported[1])}</small>` : p.overdue ? `<strong>${t('nv.overdue')}</strong>` : t('nv.notYet')}</td>
        <td class="num">${num(p.type_i)}/${num(p.type_ii)}/${num(p.type_iii)}</td><td class="num">${num(p.drug_free)}</td><td class="num">${num(p.communes)}</td>
        <td>${tri(p.art5_key)}${p.art5_met !== null ? ` (${num(p.art5_met)})` : ''}</td>
        <td data-col="ministry">${p.ministry ? `${esc(p.ministry.decision_no)}: ${p.ministry.key_area ? t('nv.key') : t('nv.notKey')}${p.ministry.drug_free ? ` · ${t('nv.free')}` : ''}`
          : p.reported ? `<button type="button" data-approve="${esc(p.province_code)}">${t('nv.approve')}</button>` : '—'}</td></tr>`).join('');
    this.el.innerHTML = `
      <h3>${esc(t('nv.title', { year: n.year }))}</h3>
      <p>${esc(t('nv.reported', { n: num(n.reported), of: num(n.provinces.length) }))}${n.province_deadline ? ` · ${esc(t('nv.deadlines', { province: n.province_deadline, ministry: n.ministry_deadline }))}` : ''}</p>
      <p id="nv-share">${esc(t('nv.share', { free: num(n.drug_free), communes: num(n.communes), pct: num(n.drug_free_pct, 1), target: num(n.target_2030_pct) }))}</p>
      <p><a href="/api/review/national/${n.year}/lists.csv" download>${t('nv.csv')}</a> · <a href="/api/review/national/${n.year}/lists.xlsx" download>${t('nv.xlsx')}</a> · <a href="/api/review/national/${n.year}/lists.pdf" download>${t('nv.pdf')}</a></p>
      <div class="sql-grid" tabindex="0"><table class="nv-provinces"><thead><tr><th>${t('dash.province')}</th><th>${t('nv.reportedCol')}</th><th>I/II/III</th><th>${t('ap.list.drug_free')}</th><th>${t('rv.communes')}</th><th>${t('nv.art5')}</th><th>${t('nv.ministry')}</th></tr></thead><tbody>${rows}</tbody></table></div>
      <div id="nv-form"></div>
      <p id="nv-msg" class="legend-meta" role="status" aria-live="polite"></p>`;
    for (const b of this.el.querySelectorAll('[data-approve]')) b.addEventListener('click', () => this.form(b.dataset.approve));
  }

  form(code) {
    const p = this.national.provinces.find((x) => x.province_code === code);
    const box = this.el.querySelector('#nv-form');
    box.innerHTML = `<fieldset class="ap-sign"><legend>${esc(t('nv.formTitle', { province: p.province_name }))}</legend>
      <label><input type="checkbox" id="nv-key" ${p.art5_key === 'true' ? 'checked' : ''}> ${t('nv.key')}</label>
      <label><input type="checkbox" id="nv-free"> ${t('nv.free')}</label>
      <label>${t('nv.route')} <select id="nv-route"><option value="">—</option>${['none', 'intra_provincial', 'inter_provincial', 'transnational'].map((r) => `<option value="${r}" ${r === p.route_scope ? 'selected' : ''}>${esc(t(`route.${r}`))}</option>`).join('')}</select></label>
      <label>${t('ap.no')} <input id="nv-no" placeholder="123/QĐ-BCA"></label>
      <label>${t('ap.date')} <input id="nv-date" type="date" value="${new Date().toISOString().slice(0, 10)}"></label>
      <label>${t('ap.signer')} <input id="nv-signer"></label>
      <button type="button" id="nv-submit">${t('nv.approve')}</button></fieldset>`;
    box.querySelector('#nv-no').focus();
    box.querySelector('#nv-submit').addEventListener('click', async () => {
      const msg = this.el.querySelector('#nv-msg');
      const body = { decision_no: box.querySelector('#nv-no').value.trim(), decision_date: box.querySelector('#nv-date').value, signer: box.querySelector('#nv-signer').value.trim(),
        key_area: box.querySelector('#nv-key').checked, drug_free: box.querySelector('#nv-free').checked, route_scope: box.querySelector('#nv-route').value || null };
      if (!body.decision_no || !body.signer) { msg.textContent = t('ap.needSigned'); msg.classList.add('error'); return; }
      try {
        await this.send('POST', `/api/review/national/${this.national.year}/provinces/${encodeURIComponent(code)}/approve`, body);
        await this.render(this.national.year);
        this.el.querySelector('#nv-msg').textContent = t('nv.done', { province: p.province_name, no: body.decision_no });
        this.onChanged?.();
      } catch (e) { msg.textContent = e.message; msg.classList.add('error'); }
    });
  }
}
