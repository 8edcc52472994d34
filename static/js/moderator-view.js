// Moderator console, display side: lane ordering and question cards.
//
// Pure view code: no socket, no page state. A card is built once per
// question and updated in place (see moderator.js), so an open editor, a
// chosen reject reason and keyboard focus survive every update.
import { clockTime, h, setText, showText, toggle } from './dom.js';
import { buildEditor, buildOriginals, updateOriginals } from './moderator-editor.js';
import { buildDuplicates } from './moderator-duplicates.js';
import { buildScore, updateScore } from './moderator-score.js';
import { buildTopic, updateTopic } from './moderator-topics.js';
import { can } from './store.js';

export const REASONS = ['off_topic', 'duplicate', 'abusive', 'personal_data', 'other'];
const TESTIDS = { pending: 'pending-item', held: 'held-item', approved: 'approved-item', archive: 'archived-item' };
/** The requests a card has a control for (docs/protocol.md, moderator actions). */
const CARD_ACTIONS = [
  'question.approve', 'question.reject', 'question.edit', 'question.answered', 'question.merge', 'screen.show',
  'question.restore',
];

// ---------------------------------------------------------------------------
// Card construction
// ---------------------------------------------------------------------------
function button(className, label, testid, describedBy) {
  return h('button', { type: 'button', class: className, 'data-testid': testid, 'aria-describedby': describedBy }, label);
}

function buildHead(c, t) {
  c.author = h('span', { class: 'mod-card__author user-text', dir: 'auto', 'data-testid': 'question-author' });
  // The place is projected and sent to every phone: the moderator sees it too.
  c.place = h('span', { class: 'mod-card__place user-text', dir: 'auto', hidden: true, 'data-testid': 'question-place' });
  c.star = h('button', {
    type: 'button',
    class: 'btn btn--link btn--icon mod-card__star',
    'aria-pressed': 'false',
    'aria-label': t('starLabel', { id: c.id }),
    'data-testid': 'star-button',
  }, '☆');
  c.time = h('time', { class: 'mod-card__time' });
  c.number = h('span', { class: 'mod-card__number' }, `#${c.id}`);
  c.status = h('span', { class: 'tag', hidden: true, 'data-testid': 'question-status' });
  c.edited = h('span', { class: 'tag tag--edited', hidden: true });
  c.onScreen = h('span', { class: 'tag tag--on-screen', hidden: true, 'data-testid': 'on-screen-tag' });
  c.editedBy = h('span', { class: 'tag tag--editing', hidden: true, 'data-testid': 'being-edited' });
  c.votes = h('span', { class: 'mod-card__votes', hidden: true, 'data-testid': 'question-votes' });
  c.moveUp = h('button', { type: 'button', class: 'btn btn--secondary btn--icon', 'data-testid': 'move-up' }, '↑');
  c.moveDown = h('button', { type: 'button', class: 'btn btn--secondary btn--icon', 'data-testid': 'move-down' }, '↓');
  c.move = h('span', { class: 'mod-card__move', hidden: true }, c.moveUp, c.moveDown);
  const side = h('span', { class: 'mod-card__side' }, c.votes, c.move);
  return h(
    'div',
    { class: 'mod-card__head' },
    c.star, c.author, c.place, c.time, c.number, buildTopic(c), c.status, c.edited, c.onScreen, c.editedBy, side,
  );
}

/** The personal-data flags: one per field and kind ("Phone number in the place"). */
function buildFlags(c) {
  c.flags = h('ul', { class: 'mod-card__flags', hidden: true, 'data-testid': 'personal-data' });
  return c.flags;
}

function buildActions(c, t, textId) {
  c.approve = button('btn btn--approve btn--small', t('approve'), 'approve-button', textId);
  c.restore = button('btn btn--secondary btn--small', t('restore'), 'restore-button', textId);
  c.show = button('btn btn--primary btn--small', t('show'), 'show-button', textId);
  c.answered = button('btn btn--secondary btn--small', t('answered'), 'answered-button', textId);
  c.edit = button('btn btn--secondary btn--small', t('edit'), 'edit-button', textId);
  c.reasonSelect = h(
    'select',
    { class: 'select select--small', id: `reason-${c.id}`, 'data-testid': 'reject-reason' },
    h('option', { value: '' }, t('chooseReason')),
    ...REASONS.map((reason) => h('option', { value: reason }, t.code('reason', reason))),
  );
  c.reject = button('btn btn--danger btn--small', t('reject'), 'reject-button', textId);
  c.rejectGroup = h(
    'span',
    { class: 'reject-group' },
    h('label', { class: 'visually-hidden', for: `reason-${c.id}` }, t('rejectReason')),
    c.reasonSelect,
    c.reject,
  );
  c.merge = button('btn btn--link btn--small', t('merge'), 'merge-button', textId);
  c.merge.setAttribute('aria-expanded', 'false');
  c.actions = h(
    'div',
    { class: 'mod-card__actions' },
    c.approve, c.show, c.answered, c.restore, c.rejectGroup, c.edit, c.merge,
  );
  return c.actions;
}

function buildMerge(c, t) {
  const selectId = `merge-${c.id}`;
  c.mergeSelect = h('select', { class: 'select select--small merge__select', id: selectId, 'data-testid': 'merge-target' });
  c.mergeSubmit = h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'merge-confirm' }, t('mergeConfirm'));
  c.mergeCancel = h('button', { type: 'button', class: 'btn btn--link btn--small', 'data-testid': 'merge-cancel' }, t('cancel'));
  c.mergeForm = h(
    'form',
    { class: 'mod-card__merge', hidden: true, novalidate: true, 'data-testid': 'merge-form' },
    h('label', { class: 'label label--small', for: selectId }, t('mergeLabel')),
    h('div', { class: 'merge__row' }, c.mergeSelect, c.mergeSubmit, c.mergeCancel),
  );
  return c.mergeForm;
}

/** Fill the merge picker with `targets` (questions), keeping the current choice if still there. */
export function fillMergeTargets(c, targets, t) {
  const chosen = c.mergeSelect.value;
  const options = [h('option', { value: '' }, targets.length ? t('mergeChoose') : t('mergeNone'))];
  for (const q of targets) {
    const excerpt = q.text.length > 70 ? `${q.text.slice(0, 70)}…` : q.text;
    options.push(h('option', { value: String(q.id) }, `#${q.id} · ${t.code('status', q.status)} · ${excerpt}`));
  }
  c.mergeSelect.replaceChildren(...options);
  if (targets.some((q) => String(q.id) === chosen)) c.mergeSelect.value = chosen;
}

/** Connect the card's controls to the page's actions (each receives the question id). */
function wire(c, on) {
  const id = c.id;
  c.approve.addEventListener('click', () => on.approve(id));
  c.restore.addEventListener('click', () => on.restore(id));
  c.star.addEventListener('click', () => on.star(id));
  c.reject.addEventListener('click', () => on.reject(id));
  c.show.addEventListener('click', () => on.show(id));
  c.answered.addEventListener('click', () => on.answered(id));
  c.edit.addEventListener('click', () => on.edit(id));
  c.cancel.addEventListener('click', () => on.cancelEdit(id));
  c.merge.addEventListener('click', () => on.openMerge(id));
  c.mergeCancel.addEventListener('click', () => on.closeMerge(id));
  c.mergeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    on.merge(id);
  });
  c.mergeSelect.addEventListener('keydown', (event) => {
    // A <select> does not submit its form on Enter: do it, the merge is what was asked.
    if (event.key === 'Enter' && c.mergeSelect.value) {
      event.preventDefault();
      on.merge(id);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      on.closeMerge(id);
    }
  });
  c.moveUp.addEventListener('click', () => on.move(id, -1));
  c.moveDown.addEventListener('click', () => on.move(id, 1));
  c.editor.addEventListener('submit', (event) => {
    event.preventDefault();
    on.saveEdit(id);
  });
  c.editor.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      on.saveEdit(id);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      on.cancelEdit(id);
    }
  });
  c.reasonSelect.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && c.reasonSelect.value) {
      event.preventDefault();
      on.reject(id);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      c.root.focus();
    }
  });
}

/**
 * Build the card for question `q`. `on` holds the actions:
 * approve, restore, star, reject, show, answered, edit, saveEdit, cancelEdit,
 * openMerge, closeMerge, merge (each called with the id) and move(id, -1 | +1).
 * `limits`: {author, place} maximum lengths for the editor.
 */
export function createCard(q, t, on, limits = {}) {
  const c = { id: q.id };
  const textId = `q-${q.id}-text`;
  c.text = h('p', { class: 'q-text user-text', dir: 'auto', id: textId, 'data-testid': 'question-text' });
  c.reason = h('p', { class: 'mod-card__reason', hidden: true, 'data-testid': 'question-reason' });
  c.mergedInto = h('p', { class: 'mod-card__reason', hidden: true, 'data-testid': 'merged-into' });
  c.redacted = h('p', { class: 'mod-card__reason', hidden: true, 'data-testid': 'redacted' });
  c.root = h(
    'li',
    { class: 'mod-card', tabindex: '-1', dataset: { questionId: q.id } },
    buildHead(c, t),
    c.text,
    buildFlags(c),
    buildOriginals(c),
    buildScore(c, t),
    c.reason,
    c.mergedInto,
    c.redacted,
    buildDuplicates(c),
    buildActions(c, t, textId),
    buildEditor(c, t, limits),
    buildMerge(c, t),
  );
  c.moveUp.setAttribute('aria-label', `${t('moveUp')} #${q.id}`);
  c.moveDown.setAttribute('aria-label', `${t('moveDown')} #${q.id}`);
  wire(c, on);
  return c;
}

// ---------------------------------------------------------------------------
// Card update
// ---------------------------------------------------------------------------
function updateHead(c, q, view, t) {
  setText(c.author, q.author || t('anonymous'));
  c.author.classList.toggle('is-anonymous', !q.author);
  showText(c.place, q.place || '');
  const starred = Boolean(q.starred);
  setText(c.star, starred ? '★' : '☆');
  c.star.setAttribute('aria-pressed', starred ? 'true' : 'false');
  toggle(c.star, view.canStar);
  c.root.classList.toggle('is-starred', starred);
  setText(c.time, clockTime(q.created_at));
  if (q.created_at) c.time.setAttribute('datetime', q.created_at);
  c.status.className = `tag tag--${q.status}`;
  showText(c.status, view.lane === 'archive' ? t.code('status', q.status) : '');
  showText(c.onScreen, view.shown ? t('onScreen') : '');
  updateTopic(c, q, t);
  const counted = q.status === 'approved' || q.status === 'answered';
  showText(c.votes, counted ? t.plural('votes', q.votes || 0) : '');
  showText(c.editedBy, view.editedBy ? t('beingEdited', { name: view.editedBy }) : '');
  toggle(c.move, view.lane === 'approved');
  c.moveUp.disabled = view.busy || view.first;
  c.moveDown.disabled = view.busy || view.last;
}

function updateText(c, q, t) {
  setText(c.text, q.text || t('textErased'));
  showText(c.edited, updateOriginals(c, q, t) ? t('edited') : '');
  updateFlags(c, q, t);
  const reason = q.status === 'rejected' && q.reason ? t.code('reason', q.reason, 'reasonOther') : '';
  showText(c.reason, reason ? t('reasonLabel', { reason }) : '');
  const into = q.status === 'merged' && q.merged_into ? q.merged_into : null;
  showText(c.mergedInto, into ? t('mergedInto', { id: into.id }) : '');
  if (into) c.mergedInto.title = into.text || '';
  // Who removed personal data, and when: what was removed is stored nowhere.
  const r = q.redaction && q.redaction.moderator ? q.redaction : null;
  const name = r ? r.moderator.name || r.moderator.username || '–' : '';
  showText(c.redacted, r ? t('redactedBy', { name, time: clockTime(r.at) }) : '');
}

function updateFlags(c, q, t) {
  const flags = Array.isArray(q.personal_data) ? q.personal_data : [];
  const key = flags.map((f) => `${f.field}:${f.kind}`).join('|');
  toggle(c.flags, flags.length > 0);
  c.root.classList.toggle('has-personal-data', flags.length > 0);
  if (c.flags.dataset.key === key) return;
  c.flags.dataset.key = key;
  c.flags.replaceChildren(
    ...flags.map((f) =>
      h('li', { class: 'tag tag--personal', 'data-testid': 'personal-data-flag' }, t('personalData', {
        kind: t.code('pdKind', f.kind, 'pdKindOther'),
        field: t.code('pdField', f.field, 'pdFieldOther'),
      })),
    ),
  );
}

function updateActions(c, q, view, t) {
  // What may be done comes from the server (q.actions); the status only
  // chooses the words: approving a rejected question reads "Restore".
  const may = (type) => can(q, type);
  const approvable = may('question.approve');
  const rejected = q.status === 'rejected';
  toggle(c.approve, approvable && !rejected);
  // Restore: question.approve for a rejected question, question.restore for
  // an answered or merged one (whichever the server lists).
  const restorable = may('question.restore');
  toggle(c.restore, (approvable && rejected) || restorable);
  setText(c.restore, restorable ? t('restoreClosed') : t('restore'));
  toggle(c.show, may('screen.show'));
  toggle(c.answered, may('question.answered'));
  toggle(c.rejectGroup, may('question.reject'));
  toggle(c.edit, may('question.edit'));
  toggle(c.merge, may('question.merge'));
  toggle(c.actions, CARD_ACTIONS.some(may));
  // Once closed, the server refuses moderators' question actions: say it with the controls.
  for (const control of [c.approve, c.restore, c.answered, c.reject, c.edit, c.save, c.merge, c.mergeSubmit, c.star]) {
    control.disabled = view.busy || view.closed;
  }
  c.show.disabled = view.busy || view.shown || view.closed;
  const editing = view.editing && may('question.edit');
  // Someone else has it open: editing in parallel would only end in a conflict.
  c.edit.disabled = view.busy || view.closed || Boolean(view.editedBy);
  toggle(c.editor, editing);
  c.edit.setAttribute('aria-expanded', editing ? 'true' : 'false');
  const merging = view.merging && may('question.merge');
  toggle(c.mergeForm, merging);
  c.merge.setAttribute('aria-expanded', merging ? 'true' : 'false');
}

/**
 * Bring card `c` up to date with question `q`. `view`: {lane, busy, shown,
 * editing, merging, editedBy (a name or ''), first, last, holdThreshold,
 * canStar, closed (the town hall is not live)}.
 */
export function updateCard(c, q, view, t) {
  const root = c.root;
  root.dataset.status = q.status;
  root.dataset.lane = view.lane;
  root.setAttribute('data-testid', TESTIDS[view.lane]);
  root.classList.toggle('mod-card--compact', view.lane === 'archive');
  root.classList.toggle('mod-card--held', view.lane === 'held');
  root.classList.toggle('is-being-edited', Boolean(view.editedBy));
  root.classList.toggle('is-on-screen', view.shown);
  root.setAttribute('aria-busy', view.busy ? 'true' : 'false');
  updateHead(c, q, view, t);
  updateText(c, q, t);
  updateScore(c, q, view.holdThreshold, t);
  updateActions(c, q, view, t);
}
