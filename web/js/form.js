// The commune officer's page of the annual review: the commune's figures for the open period,
// grouped as Decision 28 groups them, each checked as it is typed (the importer's ranges and
// cross-field checks); beside it, live, the rates, the criteria met, the type and the Art. 6
// check under the rule set, and last year's status. Nothing typed is lost: every keystroke is kept
// in this browser (a reload or an expired session brings it back) and saved as a draft on the
// server a moment later. Submit, withdraw; a returned submission shows the reviewer's comment.
import { t, num, said } from './i18n.js';
import { send } from './net.js';
import { esc } from './html.js';

const TYPES = ['I', 'II', 'III', 'none'];

/** The importer's cross-field checks, by the field each is shown beside. */
function crossChecks(v) {
  const out = {};
  const n = (k) => (Number.isFinite(v[k]) ? v[k] : null);
  const addicts = n('addicts_with_records');
  if (addicts !== null) {
    const loc = ['addicts_in_community', 'addicts_in_compulsory_rehab', 'addicts_in_voluntary_facility', 'addicts_in_community_rehab', 'addicts_in_detention'];
    if (n('addicts_in_community') !== null && n('addicts_in_community') > addicts) out.addicts_in_community = t('rf.exceeds', { n: num(addicts) });
    const sum = loc.reduce((s, k) => s + (n(k) ?? 0), 0);
    if (sum > addicts && !out.addicts_in_community) out[loc.find((k) => n(k) !== null) ?? 'addicts_in_community'] = t('rf.locations', { sum: num(sum), n: num(addicts) });
    const users = n('illegal_users_with_records') ?? 0;
    if (n('residents_using_not_exempt') !== null && n('residents_using_not_exempt') > addicts + users) out.residents_using_not_exempt = t('rf.exceeds', { n: num(addicts + users) });
  }
  if ((n('plants_destroyed_area_m2') ?? 0) > 0 && n('plant_cases') === 0) out.plant_cases = t('rf.plantCases');
  return out;
}

export class OfficerPage {
  constructor(el, { api }) {
    Object.assign(this, { el, api });
    this.values = {};
    this.submission = null;
    this.timer = null;
    this.evalTimer = null;
  }

  key() { return `atlas.review.${this.period.id}.${this.unit.unit_id}`; }

  async load() {
    const [{ groups }, mine] = await Promise.all([this.api('/api/review/form'), this.api('/api/review/mine')]);
    this.groups = groups;
    this.mine = mine;
    this.unit = this.unit ? mine.communes.find((c) => c.unit_id === this.unit.unit_id) : mine.communes[0];
    this.period = mine.periods.find((p) => this.unit && (p.province_code === null || p.province_code === this.unit.province_code));
    if (!this.unit || !this.period) {
      this.el.innerHTML = `<h2>${t('rf.title')}</h2><p>${t(this.unit ? 'rf.noPeriod' : 'rf.noCommune')}</p>`;
      return;
    }
    this.submission = this.unit.submissions.find((s) => s.period_id === this.period.id) ?? null;
    this.values = { ...(this.submission?.figures ?? {}) };
    // The route designation is not the commune's to type: the latest on record.
    this.values.key_route_scope = this.unit.key_route_scope ?? this.values.key_route_scope ?? 'unknown';
    this.self = { self_key_type: this.submission?.self_key_type ?? '', self_drug_free: this.submission?.self_drug_free ?? null, justification: this.submission?.justification ?? '' };
    // What was typed here and not yet saved wins over the server's draft.
    const local = JSON.parse(localStorage.getItem(this.key()) ?? 'null');
    this.restored = false;
    if (local && local.version >= (this.submission?.version ?? 0) && this.editable()) {
      this.values = { ...local.values, key_route_scope: this.values.key_route_scope };
      this.self = local.self;
      this.restored = JSON.stringify(local.values) !== JSON.stringify(this.submission?.figures ?? {}) || local.self.justification !== this.self.justification;
    }
    this.render();
  }

  editable() { return !this.submission || ['draft', 'returned'].includes(this.submission.state); }

  render() {
    const s = this.submission;
    const state = s?.state ?? 'not_started';
    const communes = this.mine.communes.length > 1
      ? `<label>${t('rf.commune')} <select id="rf-commune">${this.mine.communes.map((c) => `<option value="${c.unit_id}" ${c.unit_id === this.unit.unit_id ? 'selected' : ''}>${esc(c.name)} (${esc(c.code)})</option>`).join('')}</select></label>`
      : `<p class="rf-commune">${esc(this.unit.name)} (${esc(this.unit.code)})</p>`;
    const field = (f) => {
      const v = this.values[f.key];
      if (f.read_only) {
        return `<div class="rf-field"><label for="rf-${f.key}">${esc(f.vi)}</label>
          <select id="rf-${f.key}" data-key="${f.key}" disabled>${['none', 'intra_provincial', 'inter_provincial', 'transnational', 'unknown'].map((o) => `<option value="${o}" ${o === (v ?? 'unknown') ? 'selected' : ''}>${esc(t(`route.${o}`))}</option>`).join('')}</select>
          <small>${esc(t('rf.routeHelp'))}</small></div>`;
      }
      return `<div class="rf-field"><label for="rf-${f.key}">${esc(f.vi)}${f.required ? ' *' : ''}</label>
        <input id="rf-${f.key}" data-key="${f.key}" type="number" inputmode="${f.integer ? 'numeric' : 'decimal'}" min="${f.min}" step="${f.integer ? 1 : 'any'}" value="${v ?? ''}" ${this.editable() ? '' : 'disabled'} aria-describedby="rf-${f.key}-msg">
        <small>${esc(f.meaning)}</small><span class="rf-msg" id="rf-${f.key}-msg" role="alert"></span></div>`;
    };
    this.el.innerHTML = `
      <h2>${t('rf.title')} — ${this.period.year}</h2>
      ${communes}
      <p class="legend-meta">${esc(t('rf.period', { from: this.period.period_start, to: this.period.period_end, deadline: this.period.commune_deadline }))}</p>
      <p id="rf-state" class="rf-state rf-${state}">${esc(t(`rf.state.${state}`))}${s ? ` · v${s.version}` : ''}</p>
      ${state === 'returned' && s.comment ? `<p id="rf-comment" class="rf-comment" role="alert"><strong>${t('rf.returned')}</strong> ${esc(s.comment)}</p>` : ''}
      ${this.restored ? `<p id="rf-restored" class="rf-note" role="status">${t('rf.restored')}</p>` : ''}
      <div class="rf-layout">
        <form id="rf-form" novalidate>
          ${this.groups.map((g) => `<fieldset><legend>${esc(t('lang') === 'en' ? g.en : g.vi)}</legend>${g.fields.map(field).join('')}</fieldset>`).join('')}
          <fieldset><legend>${t('rf.self')}</legend>
            <div class="rf-field"><label for="rf-self-type">${t('rf.selfType')}</label>
              <select id="rf-self-type" ${this.editable() ? '' : 'disabled'}><option value="">—</option>${TYPES.map((x) => `<option value="${x}" ${x === this.self.self_key_type ? 'selected' : ''}>${esc(t(`rf.type.${x}`))}</option>`).join('')}</select></div>
            <div class="rf-field"><label><input id="rf-self-free" type="checkbox" ${this.self.self_drug_free ? 'checked' : ''} ${this.editable() ? '' : 'disabled'}> ${t('rf.selfFree')}</label></div>
            <div class="rf-field"><label for="rf-justification">${t('rf.justification')}</label>
              <textarea id="rf-justification" rows="3" ${this.editable() ? '' : 'disabled'}>${esc(this.self.justification)}</textarea></div>
          </fieldset>
          <div class="rf-actions">
            <button type="button" id="rf-save" ${this.editable() ? '' : 'hidden'}>${t('rf.save')}</button>
            <button type="button" id="rf-submit" ${this.editable() ? '' : 'hidden'}>${t('rf.submit')}</button>
            <button type="button" id="rf-withdraw" ${state === 'submitted' ? '' : 'hidden'}>${t('rf.withdraw')}</button>
          </div>
          <p id="rf-msg" class="legend-meta" role="status" aria-live="polite"></p>
        </form>
        <aside id="rf-live" class="rf-live" aria-live="polite"></aside>
      </div>`;
    const $ = (q) => this.el.querySelector(q);
    $('#rf-commune')?.addEventListener('change', (e) => { this.unit = this.mine.communes.find((c) => c.unit_id === Number(e.target.value)); this.load(); });
    for (const i of this.el.querySelectorAll('#rf-form input[data-key]')) i.addEventListener('input', () => this.typed());
    for (const id of ['#rf-self-type', '#rf-self-free', '#rf-justification']) $(id)?.addEventListener(id === '#rf-justification' ? 'input' : 'change', () => this.typed());
    $('#rf-save')?.addEventListener('click', () => this.save());
    $('#rf-submit')?.addEventListener('click', () => this.submit());
    $('#rf-withdraw')?.addEventListener('click', () => this.step('withdraw'));
    this.check();
    this.evaluate();
  }

  /** Read the form into `values`; keep it locally at once and on the server soon. */
  typed() {
    const $ = (q) => this.el.querySelector(q);
    for (const i of this.el.querySelectorAll('#rf-form input[data-key]')) {
      const v = i.value.trim();
      if (v === '') delete this.values[i.dataset.key]; else this.values[i.dataset.key] = Number(v);
    }
    this.values.key_route_scope = this.unit.key_route_scope ?? this.values.key_route_scope ?? 'unknown';
    this.self = { self_key_type: $('#rf-self-type').value, self_drug_free: $('#rf-self-free').checked, justification: $('#rf-justification').value };
    localStorage.setItem(this.key(), JSON.stringify({ version: this.submission?.version ?? 0, values: this.values, self: this.self }));
    this.check();
    clearTimeout(this.evalTimer);
    this.evalTimer = setTimeout(() => this.evaluate(), 300);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(true), 1500);
  }

  /** The importer's checks, beside each field; submit only when all pass. */
  check() {
    let bad = 0;
    const cross = crossChecks(this.values);
    for (const g of this.groups) for (const f of g.fields) {
      const msg = this.el.querySelector(`#rf-${f.key}-msg`);
      if (!msg) continue;
      const v = this.values[f.key];
      let m = '';
      if (v === undefined) m = f.required ? t('rf.required') : '';
      else if (!Number.isFinite(v)) m = t('rf.number');
      else if (v < f.min) m = t('rf.min', { min: f.min });
      else if (v > f.max) m = t('rf.max', { max: num(f.max) });
      else if (f.integer && !Number.isInteger(v)) m = t('rf.integer');
      else m = cross[f.key] ?? '';
      msg.textContent = m;
      this.el.querySelector(`#rf-${f.key}`)?.setAttribute('aria-invalid', m && v !== undefined ? 'true' : 'false');
      if (m) bad += 1;
    }
    const submit = this.el.querySelector('#rf-submit');
    if (submit) submit.disabled = bad > 0 || !this.self.self_key_type;
    return bad;
  }

  async evaluate() {
    const live = this.el.querySelector('#rf-live');
    if (!live) return;
    try {
      const { evaluation: e } = await send('POST', '/api/review/evaluate', { year: this.period.year, unit_id: this.unit.unit_id, figures: this.values }, { lane: 'evaluate', quiet: true, unauthorized: false });
      if (!e) return;
      const tri = (v) => (v === true ? '✓' : v === false ? '✗' : '?');
      const pct = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(3)} %`);
      live.innerHTML = `<h3>${t('rf.live')}</h3>
        <p>${t('rf.rateAddicts')}: <strong>${pct(e.rates.addict_user_rate_pct)}</strong><br>${t('rf.rateArrests')}: <strong>${pct(e.rates.arrest_rate_pct)}</strong></p>
        <p>${t('rf.computed')}: <strong id="rf-type" data-type="${esc(e.key_type)}">${esc(t(`rf.type.${e.key_type}`))}</strong>${e.possible.length > 1 ? ` <span class="legend-meta">(${esc(t('rf.possible'))}: ${e.possible.map((p) => esc(t(`rf.type.${p}`))).join(', ')})</span>` : ''}</p>
        <p>${t('rf.drugFree')}: <strong id="rf-free">${tri(e.drug_free_check === 'true' ? true : e.drug_free_check === 'false' ? false : null)}</strong></p>
        <p class="legend-meta">${t('rf.last')}: ${esc(this.unit.last_status ? t(`status.${this.unit.last_status}`) : '—')}</p>
        <ul class="rf-criteria">${e.criteria.filter((c) => c.value !== 'false').map((c) => `<li>${tri(c.value === 'true' ? true : null)} ${esc(c.label_vi ?? c.id)} <span class="legend-meta">${esc(c.citation ?? '')}</span></li>`).join('')}</ul>
        <p class="legend-meta">${esc(e.ruleset)}</p>`;
    } catch { /* the next keystroke tries again */ }
  }

  message(text, error = false) {
    const m = this.el.querySelector('#rf-msg');
    if (m) { m.textContent = text; m.classList.toggle('error', error); }
  }

  async save(quiet = false) {
    if (!this.editable()) return true;
    clearTimeout(this.timer);
    const body = { version: this.submission?.version ?? 0, figures: this.values, ...this.self, self_key_type: this.self.self_key_type || null };
    let out;
    try {
      out = await send('PUT', `/api/review/periods/${this.period.id}/communes/${this.unit.unit_id}`, body, { unauthorized: false });
    } catch (e) {
      // What was typed stays in the fields and in this device's storage (see `typed`).
      if (e.kind === 'network' || e.kind === 'timeout') this.message(t('rf.offline'), true);
      else if (e.status === 401) this.message(t('rf.expired'), true);
      else if (!e.aborted) this.message(e.message, true);
      return false;
    }
    this.submission = out.submission;
    localStorage.setItem(this.key(), JSON.stringify({ version: this.submission.version, values: this.values, self: this.self }));
    this.el.querySelector('#rf-state').textContent = `${t('rf.state.draft')} · v${this.submission.version}`;
    if (!quiet) this.message(t('rf.saved'));
    return true;
  }

  async submit() {
    if (this.check() > 0) return;
    if (!(await this.save(true))) return;
    await this.step('submit');
  }

  async step(name) {
    let out;
    try {
      out = await send('POST', `/api/review/submissions/${this.submission.id}/${name}`, { version: this.submission.version }, { unauthorized: false });
    } catch (e) {
      if (e.status === 401) { this.message(t('rf.expired'), true); return; }
      // The server's checks (the importer's, in full) beside the fields they are about.
      const located = (e.details?.items ?? []).filter((p) => p.field && this.el.querySelector(`#rf-${p.field}-msg`));
      for (const p of located) {
        this.el.querySelector(`#rf-${p.field}-msg`).textContent = said(p.reason, { vi: p.reason_vi });
        this.el.querySelector(`#rf-${p.field}`)?.setAttribute('aria-invalid', 'true');
      }
      if (located.length) this.el.querySelector(`#rf-${located[0].field}`)?.focus();
      this.message(located.length ? t('rf.fixFields', { n: located.length }) : e.message, true);
      return;
    }
    this.submission = out.submission;
    localStorage.removeItem(this.key());
    await this.load();
    this.message(t(`rf.done.${name}`));
    this.onChanged?.();
  }

  /** Open the first commune whose submission was returned (the header's button). */
  async openReturned() {
    const c = this.mine?.communes.find((x) => x.submissions.some((s) => s.state === 'returned'));
    if (c && c.unit_id !== this.unit?.unit_id) { this.unit = c; await this.load(); }
    this.el.querySelector('#rf-comment')?.scrollIntoView({ block: 'center' });
  }
}
