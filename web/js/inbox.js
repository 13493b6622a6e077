// The header's inbox: what waits for the signed-in person. Part of every page's start (the
// review page's module, which it would otherwise come with, loads on first use).
import { t, num } from './i18n.js';

/**
 * The header's count of what waits for the signed-in person: a reviewer the submissions to
 * review, an officer the ones returned to them. Hidden when nothing waits.
 */
export async function renderInbox(el, { api, onOpen }) {
  const p = await api('/api/review/progress', { quiet: true, lane: 'inbox' }).catch(() => null);
  const n = p ? (p.waiting || p.returned) : 0;
  el.hidden = !n;
  if (!n) return p;
  el.textContent = p.waiting ? t('rv.inbox.waiting', { n: num(p.waiting) }) : t('rv.inbox.returned', { n: num(p.returned) });
  el.dataset.waiting = String(p.waiting);
  el.dataset.returned = String(p.returned);
  el.onclick = () => onOpen?.(p.waiting ? 'review' : 'form');
  return p;
}
