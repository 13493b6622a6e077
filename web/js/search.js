// Search by commune or province name, diacritic-insensitive ("hai ba trung" finds "Hai Bà Trưng"),
// as an ARIA combobox: type, move with ↑/↓, Enter opens the highlighted result, Escape closes.
// Each keystroke supersedes the previous query (its request is aborted, a late answer ignored).
import { esc } from './html.js';
import { t } from './i18n.js';
import { debounce } from './net.js';
import { showError } from './banner.js';

export function initSearch(input, list, { api, onPick }) {
  let results = [];
  let active = -1;
  const status = document.querySelector('#search-status');
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    for (const li of list.querySelectorAll('li[data-i]')) li.setAttribute('aria-selected', String(Number(li.dataset.i) === i));
    const li = list.querySelector(`li[data-i="${i}"]`);
    if (li) { input.setAttribute('aria-activedescendant', li.id); li.scrollIntoView({ block: 'nearest' }); }
  };
  const pick = (i) => {
    const r = results[i];
    if (!r) return;
    close();
    input.value = r.name;
    onPick(r);
  };
  const run = debounce(async (q) => {
    let r;
    try {
      r = await api(`/api/search?q=${encodeURIComponent(q)}`, { lane: 'search', quiet: true });
    } catch (e) {
      showError(e, { retry: () => run.flush(q) });
      return;
    }
    if (input.value.trim() !== q) return; // typed on since: a newer query is coming
    results = r.results;
    list.innerHTML = results.map((x, i) => `<li role="option" id="search-opt-${i}" data-i="${i}" aria-selected="false">${esc(x.name)} <small>${x.level === 'commune' ? esc(x.province_name) : esc(t('search.province'))} · ${esc(x.boundary_version)}</small></li>`).join('')
      || `<li class="none" role="option" aria-disabled="true" aria-selected="false">${esc(t('search.none'))}</li>`;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    active = -1;
    if (status) status.textContent = results.length ? t('search.count', { n: results.length }) : t('search.none');
    for (const li of list.querySelectorAll('li[data-i]')) li.addEventListener('mousedown', (e) => { e.preventDefault(); pick(Number(li.dataset.i)); });
  }, 150);
  input.addEventListener('input', () => {
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    run(q);
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && results.length > 0;
    if (e.key === 'ArrowDown' && open) { e.preventDefault(); highlight((active + 1) % results.length); }
    else if (e.key === 'ArrowUp' && open) { e.preventDefault(); highlight(active <= 0 ? results.length - 1 : active - 1); }
    else if (e.key === 'Enter') { e.preventDefault(); if (open) pick(active >= 0 ? active : 0); }
    else if (e.key === 'Escape') { if (!list.hidden) { e.preventDefault(); close(); } }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}
