// Moderator console: likely duplicates on a card, and `g` to merge into the top one.
//
// The server suggests (docs/protocol.md, `duplicate_suggestions`) once, when
// the question arrives; the console shows only the suggestions whose target is
// still open (pending or approved: a merge target) in its own store, so a
// suggestion of a question since merged or answered disappears by itself.
// The merge is the ordinary `question.merge` (moderator-actions.js), undoable with `u`.
import { h, toggle } from './dom.js';
import { can } from './store.js';

const EXCERPT = 90;

/** The suggested targets of `q` still open in `questions` (Map id -> question), best first. */
export function openSuggestions(q, questions) {
  const suggested = Array.isArray(q.duplicate_suggestions) ? q.duplicate_suggestions : [];
  return suggested
    .map((s) => questions.get(s.id))
    .filter((target) => target && target.id !== q.id && can(target, 'question.merge'));
}

/** The question `q` would be merged into by `g`, or null. */
export function topSuggestion(q, questions) {
  return can(q, 'question.merge') ? openSuggestions(q, questions)[0] || null : null;
}

function excerpt(text) {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
}

/** The card's "Likely duplicate of #12: …" block (empty until there is one). */
export function buildDuplicates(c) {
  c.duplicates = h('ul', { class: 'mod-card__duplicates', hidden: true, 'data-testid': 'duplicate-suggestions' });
  return c.duplicates;
}

/** Show the open suggestions of `q` on its card; the first carries the `g` hint. Text by textContent. */
export function renderDuplicates(c, q, questions, t) {
  const targets = can(q, 'question.merge') ? openSuggestions(q, questions) : [];
  const key = targets.map((target) => `${target.id}:${target.text}`).join('\n');
  toggle(c.duplicates, targets.length > 0);
  c.root.classList.toggle('has-duplicates', targets.length > 0);
  if (c.duplicates.dataset.key === key) return;
  c.duplicates.dataset.key = key;
  c.duplicates.replaceChildren(
    ...targets.map((target, i) =>
      h(
        'li',
        { class: 'mod-card__duplicate', 'data-testid': 'duplicate-suggestion', dataset: { targetId: target.id } },
        h('span', { class: 'mod-card__duplicate-label' }, t('duplicateOf', { id: target.id })),
        ' ',
        h('span', { class: 'user-text', dir: 'auto' }, excerpt(target.text || '')),
        i === 0 ? h('kbd', { class: 'kbd mod-card__duplicate-key', title: t('duplicateKeyHint') }, 'g') : '',
      ),
    ),
  );
}
