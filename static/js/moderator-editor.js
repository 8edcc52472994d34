// Moderator console: a card's editor (text, name and place: everything the
// projector and the phones show) and the citizen's originals once edited.
import { h, setText, toggle } from './dom.js';

export const EDITED_FIELDS = ['text', 'author', 'place'];

/** Build the editor into card `c`; `limits`: {author, place} maximum lengths. */
export function buildEditor(c, t, limits = {}) {
  const editId = `edit-${c.id}`;
  c.editorText = h('textarea', {
    class: 'textarea textarea--small',
    id: editId,
    rows: '3',
    dir: 'auto',
    'aria-describedby': `${editId}-hint`,
    'data-testid': 'edit-text',
  });
  const field = (name, max) =>
    h('input', {
      class: 'input input--small',
      id: `${editId}-${name}`,
      type: 'text',
      dir: 'auto',
      autocomplete: 'off',
      maxlength: max ? String(max) : null,
      'data-testid': `edit-${name}`,
    });
  c.editorAuthor = field('author', limits.author);
  c.editorPlace = field('place', limits.place);
  c.editorRedaction = h('input', { type: 'checkbox', id: `${editId}-redaction`, 'data-testid': 'edit-redaction' });
  c.save = h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'edit-save' }, t('save'));
  c.cancel = h('button', { type: 'button', class: 'btn btn--link btn--small', 'data-testid': 'edit-cancel' }, t('cancel'));
  c.editor = h(
    'form',
    { class: 'mod-card__editor', hidden: true, novalidate: true },
    h('label', { class: 'label label--small', for: editId }, t('editLabel')),
    c.editorText,
    h(
      'div',
      { class: 'mod-card__editor-row' },
      h('label', { class: 'label label--small', for: `${editId}-author` }, t('editAuthor'), c.editorAuthor),
      h('label', { class: 'label label--small', for: `${editId}-place` }, t('editPlace'), c.editorPlace),
    ),
    h('p', { class: 'hint hint--small', id: `${editId}-hint` }, t('editHint')),
    // A redaction removes what the edit takes out from every stored copy, for good.
    h('label', { class: 'label label--small mod-card__redaction', for: `${editId}-redaction` }, c.editorRedaction, ' ', t('editRedaction')),
    h('div', { class: 'mod-card__editor-actions' }, c.save, c.cancel),
  );
  return c.editor;
}

/** Put question `q`'s current fields into the editor. */
export function fillEditor(c, q) {
  c.editorText.value = q.text || '';
  c.editorAuthor.value = q.author || '';
  c.editorPlace.value = q.place || '';
  c.editorRedaction.checked = false;
}

/** What the editor holds, trimmed: {text, author, place}. */
export function editorValues(c) {
  return {
    text: c.editorText.value.trim(),
    author: c.editorAuthor.value.trim(),
    place: c.editorPlace.value.trim(),
  };
}

/** The fields of `values` that differ from question `q` (for question.edit). */
export function changedFields(q, values) {
  const changed = {};
  for (const name of EDITED_FIELDS) if (values[name] !== (q[name] || '')) changed[name] = values[name];
  return changed;
}

/** Build the "Original:" box: one line per field a moderator changed. */
export function buildOriginals(c) {
  c.originals = {};
  const lines = EDITED_FIELDS.map((name) => {
    const label = h('span', { class: 'mod-card__original-label' });
    const value = h('span', { class: 'user-text', dir: 'auto', 'data-testid': name === 'text' ? 'question-original' : `original-${name}` });
    const line = h('span', { class: 'mod-card__original-line', hidden: true }, label, ' ', value);
    c.originals[name] = { line, label, value };
    return line;
  });
  c.original = h('p', { class: 'mod-card__original', hidden: true, 'data-testid': 'originals' }, ...lines);
  return c.original;
}

const ORIGINAL_LABELS = { text: 'original', author: 'originalAuthor', place: 'originalPlace' };

/** Show what the citizen typed where a moderator changed it; returns true when anything was edited. */
export function updateOriginals(c, q, t) {
  let any = false;
  for (const name of EDITED_FIELDS) {
    const original = q[`original_${name}`];
    const edited = typeof original === 'string' && original !== (q[name] || '') && (name !== 'text' || original !== '');
    const o = c.originals[name];
    toggle(o.line, edited);
    setText(o.label, edited ? t(ORIGINAL_LABELS[name]) : '');
    setText(o.value, edited ? original || t('originalEmpty') : '');
    any = any || edited;
  }
  toggle(c.original, any);
  return any || q.edited === true;
}
