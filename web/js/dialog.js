// Modal dialogs (the native <dialog>: focus is trapped and restored, Escape cancels) with fields
// checked as they are typed. The dialog stays open until its action succeeds: a refusal from the
// server shows under the fields and nothing typed is lost.
import { t } from './i18n.js';
import { esc } from './html.js';

let seq = 0;

/**
 * Ask for values. `fields`: [{ name, label, type: 'text'|'number', value, required, min, max,
 * maxlength, hint }]. `onSubmit(values)` does the work; if it throws, its message shows in the
 * dialog. Resolves with what `onSubmit` returned, or `null` if cancelled.
 */
export function ask({ title, fields, submit, onSubmit }) {
  return new Promise((resolve) => {
    const id = `dlg-${++seq}`;
    const dlg = document.createElement('dialog');
    dlg.className = 'dialog';
    dlg.setAttribute('aria-labelledby', `${id}-title`);
    dlg.innerHTML = `<form method="dialog" novalidate>
      <h2 id="${id}-title">${esc(title)}</h2>
      ${fields.map((f) => `<div class="dlg-field">
        <label for="${id}-${f.name}">${esc(f.label)}${f.required ? ' <span aria-hidden="true">*</span>' : ''}</label>
        <input id="${id}-${f.name}" name="${f.name}" type="${f.type === 'number' ? 'number' : 'text'}" value="${esc(f.value ?? '')}"
          ${f.required ? 'required aria-required="true"' : ''} ${f.min !== undefined ? `min="${f.min}"` : ''} ${f.max !== undefined ? `max="${f.max}"` : ''}
          ${f.maxlength ? `maxlength="${f.maxlength}"` : ''} ${f.type === 'number' ? 'inputmode="numeric" step="1"' : ''} aria-describedby="${id}-${f.name}-msg">
        <small id="${id}-${f.name}-msg" class="dlg-msg">${esc(f.hint ?? '')}</small></div>`).join('')}
      <p class="dlg-error" role="alert"></p>
      <div class="dlg-actions"><button type="submit" value="ok" class="primary">${esc(submit)}</button>
        <button type="button" value="cancel" class="cancel">${esc(t('dlg.cancel'))}</button></div></form>`;
    document.body.append(dlg);
    const form = dlg.querySelector('form');
    const error = dlg.querySelector('.dlg-error');
    const input = (name) => dlg.querySelector(`[name="${name}"]`);
    /** The problem with field `f`'s value, or ''. */
    const problem = (f) => {
      const el = input(f.name);
      const v = el.value.trim();
      // A number field holding what is not a number reads as '' (e.g. "1e"): still a problem.
      if (el.validity?.badInput) return t('dlg.integer');
      if (f.required && !v) return t('dlg.required');
      if (f.type === 'number' && v) {
        const n = Number(v);
        if (!Number.isInteger(n)) return t('dlg.integer');
        if (f.min !== undefined && n < f.min) return t('dlg.min', { min: f.min });
        if (f.max !== undefined && n > f.max) return t('dlg.max', { max: f.max });
      }
      if (f.maxlength && v.length > f.maxlength) return t('dlg.long', { max: f.maxlength });
      return '';
    };
    const check = (f) => {
      const p = problem(f);
      const el = input(f.name);
      el.setAttribute('aria-invalid', String(!!p));
      dlg.querySelector(`#${id}-${f.name}-msg`).textContent = p || (f.hint ?? '');
      dlg.querySelector(`#${id}-${f.name}-msg`).classList.toggle('bad', !!p);
      return !p;
    };
    for (const f of fields) input(f.name).addEventListener('input', () => check(f));
    const close = (value) => { dlg.close(); dlg.remove(); resolve(value); };
    dlg.querySelector('.cancel').addEventListener('click', () => close(null));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const ok = fields.map(check).every(Boolean);
      if (!ok) { dlg.querySelector('[aria-invalid="true"]')?.focus(); return; }
      const values = Object.fromEntries(fields.map((f) => {
        const v = input(f.name).value.trim();
        return [f.name, f.type === 'number' ? (v ? Number(v) : null) : v];
      }));
      const button = dlg.querySelector('.primary');
      button.disabled = true;
      error.textContent = '';
      try {
        const out = await onSubmit(values);
        close(out);
      } catch (err) {
        error.textContent = err.message;
        button.disabled = false;
      }
    });
    dlg.showModal();
    input(fields[0].name).select();
  });
}

/** A short message at the bottom of the screen with an optional action ("Undo"), gone after
 * `ms`. Announced to screen readers. */
export function toast(message, { action, onAction, ms = 8000 } = {}) {
  let box = document.querySelector('#toast');
  if (!box) {
    box = document.createElement('div');
    box.id = 'toast';
    box.setAttribute('role', 'status');
    box.setAttribute('aria-live', 'polite');
    document.body.append(box);
  }
  box.innerHTML = `<span>${esc(message)}</span>${action ? ` <button type="button">${esc(action)}</button>` : ''}`;
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, ms);
  box.querySelector('button')?.addEventListener('click', () => { box.hidden = true; clearTimeout(box.timer); onAction?.(); });
}
