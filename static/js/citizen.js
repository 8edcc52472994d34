// Citizen page: ask a question, follow my questions, vote on approved ones.
import {
  createAnsweredCard,
  createApprovedCard,
  createMyCard,
  resetWithdraw,
  setCardError,
  updateAnsweredCard,
  updateApprovedCard,
  updateMyCard,
} from './citizen-cards.js';
import { announce, byId, byVotesThenId, h, keepFocus, placeChildren, setText, showText, textLength, toggle, uuid } from './dom.js';
import { createPage } from './page.js';

// The pre-submit nudge: ask the server once the typing pauses, for drafts long
// enough to say something.
const PREVIEW_PAUSE_MS = 700;
const PREVIEW_MIN_LENGTH = 10;
const app = byId('app');

const els = {
  status: byId('townhall-status'),
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  onScreen: byId('on-screen'),
  onScreenText: byId('on-screen-text'),
  onScreenAuthor: byId('on-screen-author'),
  closedNotice: byId('closed-notice'),
  closedNoticeText: byId('closed-notice-text'),
  success: byId('ask-success'),
  successText: byId('ask-success-text'),
  form: byId('ask-form'),
  error: byId('ask-error'),
  errorText: byId('ask-error-text'),
  textGroup: byId('text-group'),
  text: byId('question-text'),
  counter: byId('question-text-counter'),
  counterSr: byId('question-text-counter-sr'),
  author: byId('question-author'),
  place: byId('question-place'),
  nudge: byId('held-nudge-text'),
  onScreenPlace: byId('on-screen-place'),
  submit: byId('ask-submit'),
  mine: byId('my-questions'),
  mineEmpty: byId('my-questions-empty'),
  approved: byId('approved-list'),
  approvedEmpty: byId('approved-empty'),
  answeredSection: byId('answered-section'),
  answered: byId('answered-list'),
  answeredCount: byId('answered-count'),
};

// Questions as rendered for this citizen; the rest of the state: page.js.
const state = {
  townhall: {
    slug: app.dataset.slug,
    status: app.dataset.status || 'draft',
    max_question_length: Number(app.dataset.maxLength) || 500,
  },
  busy: new Set(), // question ids with a request in flight
  sending: false,
  snapshots: 0,
};
const page = createPage({
  state,
  render,
  renderConnection,
  keep: (q, previous, { fromReply }) => {
    if (q.mine && previous && previous.status !== q.status && !fromReply) {
      announce(t('announceStatus', { status: t.code('status', q.status) }));
    }
    return q;
  },
  onSnapshot,
  onEvent,
  onStatus,
});
const { t, upsert, scheduleRender } = page;

// ---------------------------------------------------------------------------
// Draft and idempotency key
//
// The client_key is tied to the exact (text, author, place) that was sent. Sending
// the same draft again after a network error or a timeout reuses the key, so
// the server returns the first question instead of creating a second one. Any
// change to the draft gets a new key. The draft survives a page reload
// (sessionStorage), which is what a phone does after a long sleep.
// ---------------------------------------------------------------------------
const DRAFT_STORAGE = `townhall:${state.townhall.slug}:draft`;
let attempt = null; // {key, text, author, place} of the last send not yet confirmed

function loadDraft() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(DRAFT_STORAGE) || 'null');
    if (!saved || typeof saved !== 'object') return;
    if (typeof saved.text === 'string' && !els.text.value) els.text.value = saved.text;
    if (typeof saved.author === 'string' && !els.author.value) els.author.value = saved.author;
    if (typeof saved.place === 'string' && !els.place.value) els.place.value = saved.place;
    if (saved.attempt && typeof saved.attempt.key === 'string') attempt = saved.attempt;
  } catch {
    // Storage unavailable (private mode) or corrupt: start from an empty draft.
  }
}

function saveDraft() {
  try {
    sessionStorage.setItem(
      DRAFT_STORAGE,
      JSON.stringify({ text: els.text.value, author: els.author.value, place: els.place.value, attempt }),
    );
  } catch {
    // Storage unavailable: the draft only lives in the page.
  }
}

function keyFor(text, author, place) {
  if (!attempt || attempt.text !== text || attempt.author !== author || attempt.place !== place) {
    attempt = { key: uuid(), text, author, place };
  }
  return attempt.key;
}

// ---------------------------------------------------------------------------
// Character counter (counts like the server: trimmed, code points)
// ---------------------------------------------------------------------------
let counterTimer = null;

function updateCounter() {
  const max = state.townhall.max_question_length;
  const count = textLength(els.text.value.trim());
  const over = count - max;
  let text = t('counter', { count, max });
  if (over > 0) text += ` · ${t.plural('counterOver', over)}`;
  setText(els.counter, text);
  els.counter.classList.toggle('char-count--over', over > 0);
  els.counter.classList.toggle('char-count--near', over <= 0 && max - count <= Math.max(20, max * 0.1));

  // Screen readers hear the count once the typing pauses, and only when it matters.
  clearTimeout(counterTimer);
  counterTimer = setTimeout(() => {
    const remaining = max - count;
    if (remaining < 0) setText(els.counterSr, t.plural('counterOver', -remaining));
    else if (remaining <= Math.max(20, max * 0.1)) setText(els.counterSr, t.plural('counterLeft', remaining));
    else setText(els.counterSr, '');
  }, 800);
}

// ---------------------------------------------------------------------------
// Pre-submit nudge: "your question may be held for review". Never blocking.
// One question.preview per typing pause; the answer is used only if the
// draft has not changed meanwhile. A draft too short to judge hides it.
// ---------------------------------------------------------------------------
let previewTimer = null;
let previewed = { text: null, held: false }; // the last draft the server judged

function showNudge(held) {
  toggle(els.nudge, held);
}

function schedulePreview() {
  clearTimeout(previewTimer);
  const text = els.text.value.trim();
  if (textLength(text) < PREVIEW_MIN_LENGTH) {
    showNudge(false);
    return;
  }
  if (text === previewed.text) {
    showNudge(previewed.held);
    return;
  }
  previewTimer = setTimeout(() => preview(text), PREVIEW_PAUSE_MS);
}

async function preview(text) {
  if (state.townhall.status !== 'live' || !page.connected) return;
  let reply;
  try {
    reply = await page.request('question.preview', { text });
  } catch {
    // The nudge is a courtesy: without an answer the draft simply is not judged.
    return;
  }
  previewed = { text, held: reply.may_be_held === true };
  if (els.text.value.trim() === text) showNudge(previewed.held);
}

// ---------------------------------------------------------------------------
// Messages around the form
// ---------------------------------------------------------------------------
function showError(message, { field = null } = {}) {
  setText(els.errorText, message);
  toggle(els.error, true);
  toggle(els.success, false);
  const onText = field === els.text;
  els.textGroup.classList.toggle('form-group--error', onText);
  if (onText) els.text.setAttribute('aria-invalid', 'true');
  else els.text.removeAttribute('aria-invalid');
}

function clearError() {
  toggle(els.error, false);
  els.textGroup.classList.remove('form-group--error');
  els.text.removeAttribute('aria-invalid');
}

function showSuccess(message) {
  clearError();
  setText(els.successText, message);
  toggle(els.success, true);
}

function errorMessage(err) {
  const code = err && err.code ? err.code : 'generic';
  return t.code('error', code, 'errorGeneric', { max: state.townhall.max_question_length });
}

// ---------------------------------------------------------------------------
// Submitting
// ---------------------------------------------------------------------------
async function submit(event) {
  event.preventDefault();
  if (state.sending) return;
  const text = els.text.value.trim();
  const author = els.author.value.trim();
  const place = els.place.value.trim();
  const max = state.townhall.max_question_length;

  if (state.townhall.status !== 'live') {
    showError(t('errorClosed'));
    return;
  }
  if (!text) {
    showError(t('errorEmpty'), { field: els.text });
    els.text.focus();
    return;
  }
  if (textLength(text) > max) {
    showError(t('errorToo_long', { max }), { field: els.text });
    els.text.focus();
    return;
  }
  // The limits come from the server (moderation/states.py), as the fields' maxlength.
  if (textLength(author) > els.author.maxLength) {
    showError(t('errorAuthorTooLong', { max: els.author.maxLength }));
    els.author.focus();
    return;
  }
  if (textLength(place) > els.place.maxLength) {
    showError(t('errorPlaceTooLong', { max: els.place.maxLength }));
    els.place.focus();
    return;
  }

  const fields = { text, client_key: keyFor(text, author, place) };
  if (author) fields.author = author;
  if (place) fields.place = place;
  saveDraft();

  state.sending = true;
  renderForm();
  try {
    const reply = await page.request('question.submit', fields);
    attempt = null;
    els.text.value = '';
    clearTimeout(previewTimer);
    showNudge(false);
    saveDraft();
    if (reply.question) upsert(reply.question, { fromReply: true });
    showSuccess(reply.duplicate ? t('sentDuplicate') : t('sent'));
    updateCounter();
    scheduleRender();
  } catch (err) {
    const onText = err && (err.code === 'too_long' || err.code === 'bad_request');
    showError(errorMessage(err), { field: onText ? els.text : null });
  } finally {
    state.sending = false;
    renderForm();
  }
}

// ---------------------------------------------------------------------------
// Actions on questions (withdraw, vote)
// ---------------------------------------------------------------------------
async function act(card, type, fields) {
  const id = card.id;
  if (state.busy.has(id)) return null;
  state.busy.add(id);
  setCardError(card, '');
  scheduleRender();
  try {
    const reply = await page.request(type, { question_id: id, ...fields });
    if (reply.question) upsert(reply.question, { fromReply: true });
    return reply;
  } catch (err) {
    const code = err && err.code ? err.code : 'generic';
    setCardError(card, code === 'network' || code === 'timeout' ? t('actionErrorNetwork') : errorMessage(err));
    return null;
  } finally {
    state.busy.delete(id);
    scheduleRender();
  }
}

async function withdraw(card) {
  const reply = await act(card, 'question.withdraw', {});
  if (!reply) return;
  resetWithdraw(card);
  announce(t('announceWithdrawn'));
}

function vote(card) {
  const q = state.questions.get(card.id);
  if (q) act(card, 'question.vote', { up: !q.voted });
}

// ---------------------------------------------------------------------------
// Lists: one card per question and list, updated in place.
// ---------------------------------------------------------------------------
const myCards = new Map();
const approvedCards = new Map();
const answeredCards = new Map();

function renderList(list, cards, questions, create, update) {
  const elements = [];
  const keep = new Set();
  const live = state.townhall.status === 'live';
  const screenId = state.screen ? state.screen.id : null;
  for (const q of questions) {
    let card = cards.get(q.id);
    if (!card) {
      card = create(q);
      cards.set(q.id, card);
    }
    update(card, q, { live, busy: state.busy.has(q.id), shown: q.id === screenId }, t);
    elements.push(card.root);
    keep.add(q.id);
  }
  for (const id of cards.keys()) if (!keep.has(id)) cards.delete(id);
  placeChildren(list, elements);
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------
function renderTownhall() {
  const status = state.townhall.status;
  els.status.className = `tag tag--${status}`;
  setText(els.status, t.code('townhall', status, 'townhallDraft'));
  if (state.townhall.title) setText(byId('townhall-title'), state.townhall.title);
  const closed = status !== 'live';
  toggle(els.closedNotice, closed);
  if (closed) toggle(els.success, false);
  if (closed) setText(els.closedNoticeText, status === 'closed' ? t('closedClosed') : t('closedDraft'));
}

function renderForm() {
  const blocked = state.townhall.status !== 'live' || state.fatal !== null;
  els.text.disabled = blocked;
  els.author.disabled = blocked;
  els.place.disabled = blocked;
  els.submit.disabled = blocked || state.sending;
  els.form.classList.toggle('is-disabled', blocked);
  els.form.setAttribute('aria-busy', state.sending ? 'true' : 'false');
  setText(els.submit, state.sending ? t('sending') : t('submit'));
}

/** The connection banner (drawn by page.js only when the connection changes). */
function renderConnection() {
  const el = els.connection;
  el.dataset.state = state.connection;
  el.replaceChildren();
  el.append(h('span', { class: 'connection-banner__dot', 'aria-hidden': 'true' }));
  if (state.fatal) {
    el.append(h('span', {}, t.code('fatal', state.fatal, 'errorGeneric')));
    if (state.fatal === 'unauthorized') {
      el.append(' ', h('a', { href: location.pathname, class: 'connection-banner__link' }, t('reload')));
    }
  } else {
    el.append(h('span', {}, state.connection === 'connecting' ? t('connecting') : t('reconnecting')));
  }
  toggle(el, state.connection !== 'connected');
}

function renderScreen() {
  const shown = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
  toggle(els.onScreen, Boolean(shown));
  if (!shown) return;
  setText(els.onScreenText, shown.text);
  setText(els.onScreenAuthor, shown.author || t('anonymous'));
  els.onScreenAuthor.classList.toggle('is-anonymous', !shown.author);
  showText(els.onScreenPlace, shown.place || '');
}

function renderLists() {
  const all = Array.from(state.questions.values());
  const mine = all.filter((q) => q.mine).sort((a, b) => b.id - a.id);
  const approved = all.filter((q) => q.status === 'approved').sort(byVotesThenId);
  const answered = all.filter((q) => q.status === 'answered').sort((a, b) => b.id - a.id);

  renderList(els.mine, myCards, mine, (q) => createMyCard(q, t, withdraw), updateMyCard);
  toggle(els.mineEmpty, mine.length === 0);
  renderList(els.approved, approvedCards, approved, (q) => createApprovedCard(q, t, vote), updateApprovedCard);
  toggle(els.approvedEmpty, approved.length === 0);
  renderList(els.answered, answeredCards, answered, createAnsweredCard, updateAnsweredCard);
  toggle(els.answeredSection, answered.length > 0);
  setText(els.answeredCount, answered.length ? `(${answered.length})` : '');
}

function render() {
  keepFocus(() => {
    renderTownhall();
    renderForm();
    renderScreen();
    renderLists();
  });
}

// ---------------------------------------------------------------------------
// State updates from the server
// ---------------------------------------------------------------------------
function onSnapshot(snapshot, before) {
  // After a reconnect, say what happened to my questions in the meantime.
  if (state.snapshots > 0) {
    for (const q of state.questions.values()) {
      const old = before.get(q.id);
      if (q.mine && old && old.status !== q.status) {
        announce(t('announceStatus', { status: t.code('status', q.status) }));
      }
    }
  }
  state.snapshots += 1;
  if (state.snapshots === 1) schedulePreview(); // a draft kept from before a reload
  updateCounter();
}

function onEvent(event, before) {
  if (event.type === 'screen.changed' && state.screen && state.screen.id !== before.screenId) announce(t('announceScreen'));
  if (event.type === 'townhall.updated') updateCounter();
}

function onStatus(status, before) {
  // Back after a loss (the first connection is not news).
  if (status.state === 'connected' && state.snapshots > 1 && before !== 'connected') announce(t('connected'));
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------
loadDraft();
updateCounter();

els.form.addEventListener('submit', submit);
els.text.addEventListener('input', () => {
  updateCounter();
  toggle(els.success, false);
  if (!els.error.hidden) clearError();
  saveDraft();
  schedulePreview();
});
els.author.addEventListener('input', saveDraft);
els.place.addEventListener('input', saveDraft);
els.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    els.form.requestSubmit();
  }
});

page.start();
