// What the page says when something is under way or went wrong: the error banner (what failed,
// what to do, a Retry button; a lost connection retries by itself when the browser is back
// online), the loading indicator over the map, and the markup of loading and empty states.
import { t } from './i18n.js';
import { esc } from './html.js';
import { onBusy } from './net.js';

const $ = (s) => document.querySelector(s);
let retryLast = null;

/** What the person can do about `err`, in the page's language: by the server's error code
 * where the page knows it (the server's own message is in English), else by its kind. */
function advice(err) {
  const key = `net.todo.${err.code}`;
  if (err.code && t(key) !== key) return t(key);
  if (err.kind === 'network') return t('net.todo.network');
  if (err.kind === 'timeout') return t('net.todo.timeout');
  if (err.kind === 'format' || err.status >= 500) return t('net.todo.server');
  if (err.status === 403) return t('net.todo.forbidden');
  if (err.status === 429) return t('net.todo.busy');
  return '';
}

/** Show `err` in the banner; `retry` (optional) runs again on "Retry" (and, for a lost
 * connection, when the browser is back online). Superseded requests are never shown. */
export function showError(err, { retry } = {}) {
  if (!err || err.aborted) return;
  const box = $('#banner');
  if (!box) return;
  retryLast = retry ?? null;
  box.dataset.kind = err.kind ?? 'error';
  box.querySelector('#banner-text').innerHTML = `<strong>${esc(err.message)}</strong> ${esc(advice(err))}`;
  box.querySelector('#banner-retry').hidden = !retry;
  box.hidden = false;
}

export function clearError() {
  const box = $('#banner');
  if (box) box.hidden = true;
  retryLast = null;
}

/** Run `f`; if it fails, the banner shows why with a Retry that runs `f` again. */
export async function guarded(f) {
  try {
    const out = await f();
    return out;
  } catch (e) {
    showError(e, { retry: () => guarded(f) });
    return undefined;
  }
}

export function initBanner() {
  const box = $('#banner');
  box.querySelector('#banner-retry').addEventListener('click', () => {
    const f = retryLast;
    clearError();
    f?.();
  });
  box.querySelector('#banner-close').addEventListener('click', clearError);
  window.addEventListener('online', () => {
    if (!box.hidden && box.dataset.kind === 'network' && retryLast) box.querySelector('#banner-retry').click();
  });
  // Anything that escaped a view's own handling still reaches the person, not only the console.
  window.addEventListener('unhandledrejection', (ev) => {
    if (ev.reason?.aborted) { ev.preventDefault(); return; }
    if (ev.reason?.kind) { showError(ev.reason); ev.preventDefault(); }
  });
  // The loading indicator: shown when a request has taken more than a quarter of a second.
  const busy = $('#busy');
  let timer = null;
  onBusy((n) => {
    if (n > 0 && busy.hidden && !timer) timer = setTimeout(() => { timer = null; busy.hidden = false; }, 250);
    if (n === 0) { clearTimeout(timer); timer = null; busy.hidden = true; }
  });
}

/** A loading state for a section ("Đang tải…" with a spinner), announced politely. */
export const loadingHtml = (what) => `<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span> ${esc(what ?? t('net.loading'))}</p>`;

/** An empty state: what is missing and, where there is one, what to do. */
export const emptyHtml = (what, todo = '') => `<p class="empty">${esc(what)}${todo ? ` <span class="legend-meta">${esc(todo)}</span>` : ''}</p>`;

/** The button that switches the full-width table mode, showing its current state. */
export function wideToggle(id) {
  const on = document.body.classList.contains('wide');
  return `<button id="${id}" class="wide-toggle" type="button" aria-pressed="${on}">${esc(t(on ? 'wide.off' : 'wide.on'))}</button>`;
}

/** Dark or light text, whichever reads on `bg` (a #rrggbb colour) with the higher contrast. */
export function inkOn(bg) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(bg ?? '');
  if (!m) return '#111';
  const lin = (h) => { const c = parseInt(h, 16) / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const l = 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]);
  return (l + 0.05) / 0.0556 >= 1.05 / (l + 0.05) ? '#111' : '#fff';
}
