// Citizen page, display side: the three kinds of question cards.
//
// Each card is built once per question and updated in place, so focus and an
// open "withdraw?" confirmation survive re-renders and re-sorting. `view`
// carries what the card cannot know from the question: {live, busy, shown}.
import { h, setText, showText, toggle } from './dom.js';
import { can } from './store.js';

function authorName(q, t) {
  return q.author ? q.author : t('anonymous');
}

function setAuthor(el, q, t) {
  setText(el, authorName(q, t));
  el.classList.toggle('is-anonymous', !q.author);
}

/** The asker's commune or neighbourhood, shown after the name (hidden when not given). */
function placeSpan() {
  return h('span', { class: 'q-item__place byline-place user-text', dir: 'auto', hidden: true, 'data-testid': 'question-place' });
}

/**
 * The status of my question in plain words. An approved question that the
 * screen is showing is "On screen now"; a merged one names the question it
 * joined; a rejected one gives the reason category.
 */
function statusWords(q, view, t) {
  if (q.status === 'approved' && view.shown) return { label: t('statusOnScreen'), tag: 'on-screen', detail: '' };
  const label = t.code('status', q.status);
  if (q.status === 'merged') {
    const into = q.merged_into && q.merged_into.text ? q.merged_into.text : '';
    return { label, tag: 'merged', detail: into ? t('mergedInto', { text: into }) : t('mergedIntoUnknown') };
  }
  if (q.status === 'rejected' && q.reason) {
    return { label, tag: 'rejected', detail: t('reasonLabel', { reason: t.code('reason', q.reason, 'reasonOther') }) };
  }
  return { label, tag: q.status, detail: '' };
}

/** "Edited by the moderators": the text, name or place is not quite what was typed. */
function editedTag() {
  return h('span', { class: 'tag tag--edited', hidden: true, 'data-testid': 'edited-tag' });
}

function showEdited(el, q, t) {
  showText(el, q.edited ? t('editedByModerators') : '');
}

/** Show an error under a card (empty string hides it). */
export function setCardError(card, message) {
  showText(card.error, message);
}

// ---------------------------------------------------------------------------
// My questions: status in words, withdraw with an inline confirmation.
// ---------------------------------------------------------------------------
function buildWithdraw(card, t, textId) {
  const btn = (className, label, testid, describedBy) =>
    h('button', { type: 'button', class: className, 'aria-describedby': describedBy, 'data-testid': testid }, label);
  card.withdraw = btn('btn btn--secondary btn--small', t('withdraw'), 'withdraw-button', textId);
  card.confirmYes = btn('btn btn--warning btn--small', t('withdrawConfirm'), 'withdraw-confirm', textId);
  card.confirmNo = btn('btn btn--link btn--small', t('cancel'), 'withdraw-cancel');
  card.confirm = h(
    'div',
    { class: 'confirm', hidden: true },
    h('span', { class: 'confirm__question' }, t('withdrawQuestion')),
    card.confirmYes,
    card.confirmNo,
  );
  card.actions = h('div', { class: 'q-item__actions' }, card.withdraw, card.confirm);
  return card.actions;
}

/** Close the confirmation and show the Withdraw button again. */
export function resetWithdraw(card) {
  toggle(card.confirm, false);
  toggle(card.withdraw, true);
}

/**
 * `onWithdraw(card)` is called when the citizen confirms; `onRephrase(card)`
 * when they want a rejected question back in the ask box.
 */
export function createMyCard(q, t, onWithdraw, onRephrase) {
  const textId = `my-q-${q.id}-text`;
  const card = { id: q.id };
  card.text = h('p', { class: 'q-text user-text', dir: 'auto', id: textId, 'data-testid': 'my-question-text' });
  card.status = h('strong', { class: 'tag', 'data-testid': 'my-question-status' });
  card.reason = h('span', { class: 'q-item__reason user-text', dir: 'auto', 'data-testid': 'my-question-reason', hidden: true });
  card.votes = h('span', { class: 'q-item__votes', hidden: true });
  card.edited = editedTag();
  card.error = h('p', { class: 'item-error', role: 'alert', hidden: true });
  card.rephrase = h(
    'button',
    { type: 'button', class: 'btn btn--secondary btn--small', 'aria-describedby': textId, hidden: true, 'data-testid': 'rephrase-button' },
    t('rephrase'),
  );
  card.root = h(
    'li',
    { class: 'q-item', 'data-testid': 'my-question', dataset: { questionId: q.id } },
    card.text,
    h('p', { class: 'q-item__meta' }, card.status, card.edited, card.votes, card.reason),
    buildWithdraw(card, t, textId),
    h('div', { class: 'q-item__actions', hidden: true }, card.rephrase),
    card.error,
  );
  card.rephrase.addEventListener('click', () => onRephrase(card));
  card.withdraw.addEventListener('click', () => {
    toggle(card.withdraw, false);
    toggle(card.confirm, true);
    card.confirmYes.focus();
  });
  card.confirmNo.addEventListener('click', () => {
    resetWithdraw(card);
    card.withdraw.focus();
  });
  card.confirmYes.addEventListener('click', () => onWithdraw(card));
  return card;
}

export function updateMyCard(card, q, view, t) {
  card.root.dataset.status = q.status;
  setText(card.text, q.text || t('textErased'));
  const words = statusWords(q, view, t);
  card.root.dataset.display = words.tag;
  card.status.className = `tag tag--${words.tag}`;
  setText(card.status, words.label);
  showText(card.reason, words.detail);
  const counted = q.status === 'approved' || q.status === 'answered';
  showText(card.votes, counted ? t.plural('votes', q.votes || 0) : '');
  showEdited(card.edited, q, t);
  // A rejected question can be reworded and sent again, while the town hall is live.
  const rephrasable = view.live && q.status === 'rejected';
  toggle(card.rephrase, rephrasable);
  toggle(card.rephrase.parentElement, rephrasable);

  // The server says whether this question may be withdrawn (q.actions); the
  // town hall must also be live.
  const withdrawable = view.live && can(q, 'question.withdraw');
  toggle(card.actions, withdrawable);
  if (!withdrawable) resetWithdraw(card);
  card.withdraw.disabled = view.busy;
  card.confirmYes.disabled = view.busy;
  card.root.setAttribute('aria-busy', view.busy ? 'true' : 'false');
}

// ---------------------------------------------------------------------------
// Approved questions: vote toggle (aria-pressed), count, author.
// ---------------------------------------------------------------------------
/** `onVote(card)` is called on every press of the vote button. */
export function createApprovedCard(q, t, onVote) {
  const textId = `ap-q-${q.id}-text`;
  const countId = `ap-q-${q.id}-count`;
  const card = { id: q.id };
  card.vote = h(
    'button',
    {
      type: 'button',
      class: 'vote-btn',
      'aria-pressed': 'false',
      'aria-describedby': `${textId} ${countId}`,
      'data-testid': 'vote-button',
    },
    h('span', { class: 'vote-btn__icon', 'aria-hidden': 'true' }),
    h('span', { class: 'vote-btn__label', 'data-testid': 'vote-label' }, t('vote')),
  );
  card.voteLabel = card.vote.lastElementChild;
  card.count = h('span', { class: 'vote-count', id: countId, 'data-testid': 'vote-count' });
  card.text = h('p', { class: 'q-text user-text', dir: 'auto', id: textId, 'data-testid': 'approved-question-text' });
  card.author = h('span', { class: 'q-item__author user-text', dir: 'auto', 'data-testid': 'question-author' });
  card.place = placeSpan();
  card.mine = h('span', { class: 'tag tag--mine', hidden: true, 'data-testid': 'mine-tag' });
  card.onScreen = h('span', { class: 'tag tag--on-screen', hidden: true, 'data-testid': 'on-screen-tag' });
  card.edited = editedTag();
  card.error = h('p', { class: 'item-error', role: 'alert', hidden: true });
  card.root = h(
    'li',
    { class: 'q-item q-item--vote', 'data-testid': 'approved-question', dataset: { questionId: q.id } },
    h('div', { class: 'q-item__vote' }, card.vote, card.count),
    h(
      'div',
      { class: 'q-item__body' },
      card.text,
      h('p', { class: 'q-item__byline' }, h('span', { class: 'q-item__who' }, card.author, card.place), card.mine, card.onScreen, card.edited),
      card.error,
    ),
  );
  card.vote.addEventListener('click', () => onVote(card));
  return card;
}

/**
 * "Vote", or "Voted ✓" once voted: said in words, not only by the colour. The
 * tick is hidden from screen readers, for which aria-pressed says "pressed".
 */
function setVoteLabel(card, voted, t) {
  if (card.voteLabel.dataset.voted === String(voted)) return;
  card.voteLabel.dataset.voted = String(voted);
  if (voted) {
    card.voteLabel.replaceChildren(t('voted'), h('span', { class: 'vote-btn__tick', 'aria-hidden': 'true' }, ' ✓'));
  } else {
    card.voteLabel.replaceChildren(t('vote'));
  }
}

export function updateApprovedCard(card, q, view, t) {
  setText(card.text, q.text || t('textErased'));
  setAuthor(card.author, q, t);
  showText(card.place, q.place || '');
  setText(card.count, t.plural('votes', q.votes || 0));
  card.vote.setAttribute('aria-pressed', q.voted ? 'true' : 'false');
  setVoteLabel(card, Boolean(q.voted), t);
  showEdited(card.edited, q, t);
  toggle(card.vote, can(q, 'question.vote'));
  // Votes wait for a live town hall: shown, but not pressable, before and after.
  card.vote.disabled = !view.live || view.busy;
  card.root.setAttribute('aria-busy', view.busy ? 'true' : 'false');
  showText(card.mine, q.mine ? t('yours') : '');
  showText(card.onScreen, view.shown ? t('onScreen') : '');
  card.root.classList.toggle('is-on-screen', view.shown);
}

// ---------------------------------------------------------------------------
// Answered questions: read only.
// ---------------------------------------------------------------------------
export function createAnsweredCard(q) {
  const card = { id: q.id };
  card.text = h('p', { class: 'q-text user-text', dir: 'auto' });
  card.author = h('span', { class: 'q-item__author user-text', dir: 'auto' });
  card.place = placeSpan();
  card.votes = h('span', { class: 'q-item__votes' });
  card.edited = editedTag();
  card.root = h(
    'li',
    { class: 'q-item q-item--compact', 'data-testid': 'answered-question', dataset: { questionId: q.id } },
    card.text,
    h('p', { class: 'q-item__byline' }, h('span', { class: 'q-item__who' }, card.author, card.place), card.votes, card.edited),
  );
  return card;
}

export function updateAnsweredCard(card, q, view, t) {
  setText(card.text, q.text || t('textErased'));
  setAuthor(card.author, q, t);
  showText(card.place, q.place || '');
  setText(card.votes, t.plural('votes', q.votes || 0));
  showEdited(card.edited, q, t);
}
