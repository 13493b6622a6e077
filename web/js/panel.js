// The commune panel: identity, status, the rule set's criteria (met / not met / unknown), the
// drug-free criteria (Art. 6), the readings the result rests on, the year's indicators, and the
// history chart across the 2025 reform (its chart library loads with the first chart). The
// province panel: Art. 5's six criteria.
import { t, label, num, getLang } from './i18n.js';
import { esc } from './html.js';
import { statusColor, statusLabel } from './statuses.js';

const SHOWN = ['resident_population', 'addicts_with_records', 'illegal_users_with_records', 'addict_user_rate_pct', 'drug_use_locations',
  'drug_offenders_arrested', 'arrest_rate_pct', 'plants_destroyed_count', 'plants_destroyed_area_m2', 'methadone_patients',
  'residents_using_not_exempt', 'residents_violating_drug_law', 'wanted_drug_fugitives_hiding'];

const text = (c) => (getLang() === 'en' ? c.label_en : c.label_vi);

/** Criteria as table rows: id, label (with the comparison made and its citation), met or not. */
function criteriaRows(list) {
  return (list ?? []).map((c) => `<tr><td>${esc(c.id)}</td><td>${esc(text(c))}
      ${c.confirmed && c.confirmed !== 'true' ? `<div class="unconfirmed">${c.confirmed === 'false' ? t('panel.unconfirmed') : 'partial'}</div>` : ''}
      <div class="legend-meta">${esc(c.detail)}${c.citation ? ` · ${esc(c.citation)}` : ''}</div></td><td>${tri(c)}</td></tr>`).join('');
}

/** The readings in force; those whose opposite would change the result are marked. */
function readingsHtml(ev, st) {
  const on = (ev.readings ?? []).filter((r) => r.enabled);
  if (!on.length) return '';
  // The readings the result rests on: those that decided it, and for type III the reading of its
  // "below" criteria.
  const decisive = on.filter((r) => r.decisive || (st === 'type_iii' && r.name === 'type_iii_requires_activity'));
  const lead = decisive.map((r) => `<p class="reading-decided" data-reading="${esc(r.name)}"><strong>${esc(t('panel.reading.by'))}</strong> ${esc(text(r))}</p>`).join('');
  const items = on.map((r) => `<li${r.decisive ? ' class="decisive"' : ''}>${esc(text(r))}${r.decisive ? ` — <strong>${t('panel.decided')}</strong>` : ''}
      <div class="legend-meta">${esc(r.reason)}</div></li>`).join('');
  return `${lead}<details id="readings"><summary>${t('panel.readings')}</summary><ul>${items}</ul></details>`;
}

function tri(c) {
  const cls = `tri-${c.value}`;
  const word = c.value === 'true' ? t('panel.met') : c.value === 'false' ? t('panel.notmet') : t('panel.unknown');
  const why = c.value === 'unknown' && c.because === 'threshold' ? ` <span class="unconfirmed">(${t('panel.unconfirmed')})</span>` : '';
  return `<span class="${cls}">${word}</span>${why}`;
}

export function renderPanel(el, ev, info, { onClose, onOpen }) {
  const st = ev.status?.status ?? 'no_data';
  const criteria = criteriaRows(ev.criteria);
  const drugFree = criteriaRows(ev.drug_free);
  const dfWord = ev.drug_free_check ? t(`panel.drugfree.${ev.drug_free_check}`) : '';
  const period = ev.period ? (getLang() === 'en' ? ev.period.label_en : ev.period.label_vi) : String(ev.year);
  const ind = ev.indicators ?? {};
  const indicators = SHOWN.filter((k) => k in ind).map((k) => `<tr><td>${t(`metric.${k}`) !== `metric.${k}` ? t(`metric.${k}`) : k}</td><td class="num">${num(ind[k], k.endsWith('_pct') ? 3 : 1)}</td></tr>`).join('');
  const legacy = ev.status?.legacy_label ? ` <span class="unconfirmed">(${t('panel.legacy')})</span>` : '';
  const links = (list, key) => list?.length ? `<p><strong>${t(key)}:</strong> ${list.map((p) => `<a href="#" data-open="${Number(p.unit_id)}">${esc(p.code)}</a>${p.relation === 'partial' ? '*' : ''}`).join(', ')}</p>` : '';
  el.innerHTML = `
    <button class="close" aria-label="${t('panel.close')}">×</button>
    <h3 id="panel-name" tabindex="-1">${esc(info?.name ?? ev.code)}</h3>
    <p>${t('panel.code')}: ${esc(ev.code)} · ${t('panel.type')}: ${t(`type.${info?.unit_type}`)} · ${t('panel.province')}: ${esc(info?.province_name ?? ev.province_code)}</p>
    <p>${t('panel.status')} <span id="panel-period">${esc(period)}</span>: <span class="badge" data-status="${esc(st)}" style="--swatch:${statusColor(st)}">${esc(statusLabel(st))}</span>${legacy}</p>
    ${ev.key_type ? `<p>${t('panel.keytype')}: <strong>${esc(ev.key_type)}</strong>${ev.possible?.length > 1 ? ` — ${t('panel.possible')}: ${esc(ev.possible.join(' | '))}` : ''}</p>` : ''}
    ${ev.official_key_type ? `<p>${t('panel.official')}: <strong>${esc(ev.official_key_type)}</strong></p>` : ''}
    ${ev.review_flag ? `<p class="tri-true">${t('panel.review')}: ${esc(ev.review_flag)}</p>` : ''}
    ${ev.ruleset ? `<p class="legend-meta">${t('panel.ruleset')}: ${esc(getLang() === 'en' ? ev.ruleset.title_en : ev.ruleset.title_vi)}</p>` : ''}
    ${readingsHtml(ev, st)}
    ${criteria ? `<h3>${t('panel.criteria')}</h3><table id="criteria">${criteria}</table>` : ''}
    ${drugFree ? `<h3>${t('panel.drugfree')}: <span class="tri-${esc(ev.drug_free_check)}">${esc(dfWord)}</span></h3><table id="drug-free">${drugFree}</table>` : ''}
    ${indicators ? `<h3>${t('panel.indicators', { year: ev.year })}</h3><table>${indicators}</table>` : ''}
    <h3>${t('panel.history')}</h3><div id="history"></div><div class="legend-meta" id="history-note"></div>
    ${links(ev.predecessors, 'panel.predecessors')}${links(ev.successors, 'panel.successors')}`;
  el.querySelector('.close').addEventListener('click', onClose);
  for (const a of el.querySelectorAll('[data-open]')) a.addEventListener('click', (e) => { e.preventDefault(); onOpen(Number(a.dataset.open)); });
  const h = ev.history ?? [];
  if (h.length) {
    const xs = h.map((r) => r.year);
    const rate = h.map((r) => r.addict_user_rate_pct ?? null);
    const arrests = h.map((r) => r.arrest_rate_pct ?? null);
    const opts = {
      width: 330, height: 160, legend: { show: true },
      scales: { x: { time: false } },
      axes: [{ values: (u, v) => v.map((x) => String(x)) }, { size: 44 }],
      series: [{}, { label: t('chart.rate'), stroke: '#b2182b', width: 2, points: { show: true } }, { label: t('chart.arrests'), stroke: '#2166ac', width: 2, points: { show: true } }],
    };
    const box = el.querySelector('#history');
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', t('chart.history.label', { years: `${xs[0]}–${xs.at(-1)}` }));
    import('../vendor/uplot/uPlot.esm.js').then(({ default: uPlot }) => { if (box.isConnected) new uPlot(opts, [xs, rate, arrests], box); });
    const rebuilt = h.filter((r) => r.basis !== 'same_unit');
    if (rebuilt.length) {
      el.querySelector('#history-note').textContent = `${rebuilt.map((r) => r.year).join(', ')}: ${rebuilt.some((r) => r.apportioned) ? t('panel.apportioned') : t('panel.rebuilt')}`;
    }
  }
}

/** The province panel (Art. 5): the result, the six criteria with the sums they read. */
export function renderProvincePanel(el, p, { onClose, period }) {
  const word = t(`prov.${p.key_area}`);
  el.innerHTML = `
    <button class="close" aria-label="${t('panel.close')}">×</button>
    <h3 id="panel-name" tabindex="-1">${esc(p.province_name ?? p.province_code)}</h3>
    <p>${t('panel.code')}: ${esc(p.province_code)} · ${esc(period)}</p>
    <p><span class="badge" data-key-area="${esc(p.key_area)}">${esc(word)}</span></p>
    ${p.approved ? `<p id="province-approved"><strong>${esc(t('prov.approved', { no: p.approved.decision_no, what: t(`prov.${p.approved.key_area}`) }))}</strong></p>` : ''}
    <p>${esc(t('prov.met', { min: p.met_min, max: p.met_max }))} · ${esc(t('prov.data', { with: num(p.communes_with_data), all: num(p.communes) }))}</p>
    <h3>${esc(t('prov.criteria', { min: p.min_criteria }))}</h3>
    <table id="province-criteria">${criteriaRows(p.criteria)}</table>`;
  el.querySelector('.close').addEventListener('click', onClose);
}
