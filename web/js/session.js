// Who is signed in: the session from GET /api/session, the login form (token → HttpOnly
// session cookie), the CSRF header every write carries, and sign-out.
import { t } from './i18n.js';
import { esc } from './html.js';
import { api, send } from './net.js';

export const session = { authenticated: false, user: null, role: null, scope: null, csrf: null, demo: false, login_required: false };

// The order of src/access/mod.rs: each role includes the ones below it.
const ROLES = ['officer', 'viewer', 'reviewer', 'approver', 'ministry', 'leader', 'analyst', 'admin'];

/** May the current user act with `role` (roles include the ones below them)? */
export function may(role) {
  return ROLES.indexOf(session.role) >= ROLES.indexOf(role);
}

/** Headers of a write: JSON plus the CSRF token of the session. */
export function writeHeaders() {
  const h = { 'content-type': 'application/json' };
  if (session.csrf) h['x-csrf-token'] = session.csrf;
  return h;
}

export async function loadSession() {
  Object.assign(session, await api('/api/session'));
  return session;
}

/** Why a sign-in was refused, in words that say what to do. */
function refusal(e) {
  if (e.status === 429) return t('login.tooMany');
  if (e.status === 401 || e.status === 403) return t('login.failed');
  if (e.kind === 'network' || e.kind === 'timeout') return e.message;
  return t('login.server');
}

/** Show the sign-in form; resolves once signed in (the page then reloads its data). */
export function showLogin(message) {
  const box = document.querySelector('#login');
  box.hidden = false;
  const err = box.querySelector('#login-error');
  err.textContent = message ?? '';
  const form = box.querySelector('form');
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const token = box.querySelector('#login-token').value.trim();
    const submit = box.querySelector('#login-submit');
    submit.disabled = true;
    err.textContent = '';
    try {
      Object.assign(session, await api('/api/session', { method: 'POST', body: { token }, unauthorized: false, retries: 0 }));
    } catch (e) {
      err.textContent = refusal(e);
      submit.disabled = false;
      return;
    }
    location.reload();
  };
  box.querySelector('#login-token').focus();
}

export async function signOut() {
  try {
    await send('DELETE', '/api/session');
  } catch (e) {
    // Still signed in: say so rather than reload as if it worked.
    const { showError } = await import('./banner.js');
    showError(e, { retry: signOut });
    return;
  }
  location.reload();
}

/** The header badge: user, role and scope, or "demo mode". */
export function renderUser(el) {
  if (!session.authenticated) {
    el.innerHTML = `<span class="demo" id="demo-mode">${t('user.demoMode')}</span>`;
    return;
  }
  const scope = session.scope === '*' ? t('user.allProvinces') : session.scope;
  el.innerHTML = `<span id="user-name">${esc(session.user)}</span> <span class="legend-meta">${t(`role.${session.role}`)} · ${esc(scope)}</span>
    <button id="sign-out" type="button">${t('user.signOut')}</button>`;
  el.querySelector('#sign-out').addEventListener('click', signOut);
}
