// The one way the client talks to the server. Every view calls `api` (reads) or `send`
// (writes) from here, so every answer is handled the same way:
// - the status is checked before the body is read: a proxy's HTML 502 or a 204 never reaches
//   JSON.parse; a JSON error body is shown as its `error.message` (or `error.messages.vi` on
//   a Vietnamese page);
// - network errors and timeouts become errors that say so (the banner offers "Retry");
// - 401 opens the sign-in form; 429 waits `Retry-After` and tries again (twice at most);
// - a request made in a *lane* aborts the lane's previous request, and an answer that arrives
//   after a newer request of its lane started is never delivered: the map cannot end up
//   coloured for a year the slider has left.
// Requests not marked `quiet` count as "loading" (the spinner on the map, `busy()`).
import { t, said } from './i18n.js';

/** A failed request: `kind` is 'http' (the server answered an error), 'network', 'timeout',
 * 'aborted' (superseded or cancelled: not shown to anyone) or 'format' (not the JSON expected);
 * `code` is the server's error code ('stale_version', 'rejected', …) when it gave one. */
export class ApiError extends Error {
  constructor(message, { kind, status = 0, path = '', details = null, code = '' } = {}) {
    super(message);
    Object.assign(this, { kind, status, path, details, code });
  }
  get aborted() { return this.kind === 'aborted'; }
}

const lanes = new Map(); // lane → the AbortController of its newest request
let pending = 0;
const busyListeners = new Set();
let onUnauthorized = null;
let csrfHeaders = () => ({});

/** Called with the server's message when an answer is 401 (the sign-in form). */
export function setUnauthorizedHandler(f) { onUnauthorized = f; }
/** The headers every write carries (the session's CSRF token). */
export function setWriteHeaders(f) { csrfHeaders = f; }
/** `f(n)` is told how many requests are under way whenever that changes. */
export function onBusy(f) { busyListeners.add(f); f(pending); }
const setPending = (d) => { pending += d; for (const f of busyListeners) f(pending); };

const TIMEOUT_MS = 30_000;
const MAX_429_RETRIES = 2;
const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new ApiError('aborted', { kind: 'aborted' })); }, { once: true });
});

/** The message for an answer whose body says nothing useful (an HTML error page, no body). */
function statusMessage(status) {
  const key = `net.status.${status}`;
  const text = t(key);
  return text === key ? t('net.status', { status }) : text;
}

/**
 * Make a request and give back its JSON body (`null` for 204), or the Response itself with
 * `as: 'response'` (downloads). Options: `method`, `body` (JSON-encoded), `headers`, `lane`,
 * `timeout` (ms), `quiet` (not counted as loading), `signal`, `unauthorized: false` (a 401 does
 * not open the sign-in form: the sign-in itself), `retries` (of a 429; 0: answer it at once).
 */
export async function request(path, { method = 'GET', body, headers = {}, lane, timeout = TIMEOUT_MS, quiet = false, signal, as = 'json', unauthorized = true, retries = MAX_429_RETRIES } = {}) {
  const ctrl = new AbortController();
  if (lane) { lanes.get(lane)?.abort(); lanes.set(lane, ctrl); }
  signal?.addEventListener('abort', () => ctrl.abort(), { once: true });
  const superseded = () => lane && lanes.get(lane) !== ctrl;
  const init = { method, headers: { ...headers }, signal: ctrl.signal, credentials: 'same-origin' };
  // A file goes as it is (uploads); anything else as JSON.
  if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['content-type'] = 'application/json'; }
  if (!quiet) setPending(1);
  try {
    for (let attempt = 0; ; attempt += 1) {
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, timeout);
      let r;
      try {
        r = await fetch(path, init);
      } catch (e) {
        if (timedOut) throw new ApiError(t('net.timeout', { s: Math.round(timeout / 1000) }), { kind: 'timeout', path });
        if (ctrl.signal.aborted || e?.name === 'AbortError') throw new ApiError('aborted', { kind: 'aborted', path });
        throw new ApiError(t('net.offline'), { kind: 'network', path });
      } finally {
        clearTimeout(timer);
      }
      if (superseded()) throw new ApiError('aborted', { kind: 'aborted', path });
      if (r.status === 429 && attempt < retries) {
        const wait = Math.min(10, Math.max(1, Number(r.headers.get('retry-after')) || 1));
        await sleep(wait * 1000, ctrl.signal);
        continue;
      }
      if (r.ok && as === 'response') return r;
      const type = r.headers.get('content-type') ?? '';
      let out = null;
      if (r.status !== 204 && r.status !== 205) {
        if (type.includes('json')) {
          try { out = await r.json(); } catch {
            // A cut-off or malformed answer: an error, never a `null` handed to the view.
            if (r.ok) throw new ApiError(t('net.format'), { kind: 'format', status: r.status, path });
            out = null;
          }
        } else {
          await r.text().catch(() => '');
        }
      }
      if (superseded()) throw new ApiError('aborted', { kind: 'aborted', path });
      if (!r.ok) {
        const message = out?.error?.message ? said(out.error.message, out.error.messages) : statusMessage(r.status);
        const err = new ApiError(message, { kind: 'http', status: r.status, path, details: out?.error?.details ?? null, code: out?.error?.code ?? '' });
        if (r.status === 401 && unauthorized) onUnauthorized?.(message);
        throw err;
      }
      if (out === null && r.status !== 204 && r.status !== 205 && !type.includes('json')) {
        throw new ApiError(t('net.format'), { kind: 'format', status: r.status, path });
      }
      return out;
    }
  } finally {
    if (!quiet) setPending(-1);
    if (lane && lanes.get(lane) === ctrl) lanes.delete(lane);
  }
}

const early = new Map(); // path → the answer of a request made ahead of its reader
const FAILED = Symbol('failed');

/** Ask for `path` now for an `api(path)` that comes later: the start-up answers the first view
 * needs go out together (one round trip on a slow link, not one each). Quiet; a failure is
 * left to the later reader, which asks again and handles it as any answer. */
export function prefetch(path) {
  if (!early.has(path)) early.set(path, request(path, { quiet: true, unauthorized: false, retries: 0 }).catch(() => FAILED));
}

/** What the prefetch of `path` will answer (null if none, or when it fails), without using it
 * up: for work that can start before the answer's reader runs. */
export function peek(path) {
  const ahead = early.get(path);
  return ahead ? ahead.then((got) => (got === FAILED ? null : got)) : Promise.resolve(null);
}

/** A read. `opts` as for `request`. A prefetched answer is used once. */
export async function api(path, opts = {}) {
  const ahead = (opts.method ?? 'GET') === 'GET' && opts.body === undefined ? early.get(path) : undefined;
  if (!ahead) return request(path, opts);
  early.delete(path);
  if (!opts.quiet) setPending(1);
  const got = await ahead.finally(() => { if (!opts.quiet) setPending(-1); });
  return got === FAILED ? request(path, opts) : got;
}

/** A write: JSON in and out, with the session's CSRF header. Errors carry the HTTP status
 * (409: someone else changed it first). */
export const send = (method, path, body, opts = {}) => request(path, { ...opts, method, body, headers: { ...csrfHeaders(), ...(opts.headers ?? {}) } });

/** Abort the request under way in `lane`, if any. */
export function cancel(lane) { lanes.get(lane)?.abort(); lanes.delete(lane); }

/** Wait `ms` after the last call before running `f` (the year slider, typing). */
export function debounce(f, ms) {
  let timer = null;
  const d = (...args) => { clearTimeout(timer); timer = setTimeout(() => { timer = null; f(...args); }, ms); };
  // Run now what is waiting (nothing, if nothing is).
  d.flush = (...args) => { if (timer === null) return; clearTimeout(timer); timer = null; f(...args); };
  return d;
}
