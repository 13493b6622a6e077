// Search by commune or province name, diacritic-insensitive ("hai ba trung" finds "Hai Bà Trưng").
import { esc } from './html.js';
export function initSearch(input, list, { api, onPick }) {
  let timer = null;
  let results = [];
  const close = () => { list.hidden = true; };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      const r = await api(`/api/search?q=${encodeURIComponent(q)}`);
      results = r.results;
      list.innerHTML = results.map((x, i) => `<li role="option" data-i="${i}">${esc(x.name)} <small>${x.level === 'commune' ? esc(x.province_name) : ''} · ${esc(x.boundary_version)}</small></li>`).join('') || '<li>—</li>';
      list.hidden = false;
      for (const li of list.querySelectorAll('li[data-i]')) li.addEventListener('click', () => { close(); onPick(results[Number(li.dataset.i)]); });
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && results[0]) { close(); onPick(results[0]); }
    if (e.key === 'Escape') close();
  });
}
