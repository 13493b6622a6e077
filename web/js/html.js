// Escaping for values put into HTML templates. Names, notes, codes and error messages come from
// data and from users (a plan name, a typed-in URL): they are text, never markup.
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
