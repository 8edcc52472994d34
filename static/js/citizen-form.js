// Citizen page: the ask form. The draft (kept over reloads), the character
// counter, the pre-submit nudge, sending with an idempotency key, the
// "sent" confirmation next to the button, and "Rephrase" (a rejected
// question's text back in the box).
import { byId, setText, textLength, toggle, uuid } from './dom.js';

// The pre-submit nudge: ask the server once the typing pauses, for drafts long
// enough to say something.
const PREVIEW_PAUSE_MS = 700;
const PREVIEW_MIN_LENGTH = 10;

const els = {
  form: byId('ask-form'),
  error: byId('ask-error'),
  errorText: byId('ask-error-text'),
  success: byId('ask-success'),
  successText: byId('ask-success-text'),
  textGroup: byId('text-group'),
  text: byId('question-text'),
  counter: byId('question-text-counter'),
  counterSr: byId('question-text-counter-sr'),
  author: byId('question-author'),
  place: byId('question-place'),
  nudge: byId('held-nudge-text'),
  submit: byId('ask-submit'),
};

// Set by initAskForm: the page (page.js), its state and strings, and what to
// do once a question was taken.
let page = null;
let state = null;
let t = null;
let onSent = () => {};

// ---------------------------------------------------------------------------
// Draft and idempotency key
//
// The client_key is tied to the exact (text, author, place) that was sent. Sending
// the same draft again after a network error or a timeout reuses the key, so
// the server returns the first question instead of creating a second one. Any
// change to the draft gets a new key. The draft survives a page reload
// (sessionStorage), which is what a phone does after a long sleep.
// ---------------------------------------------------------------------------
let DRAFT_STORAGE = 'townhall:draft'; // per town hall, set by initAskForm
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

export function updateCounter() {
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

export function schedulePreview() {
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

/** The confirmation sits under the Send button: brought into view, never off-screen. */
function showSuccess(message) {
  clearError();
  setText(els.successText, message);
  toggle(els.success, true);
  els.success.scrollIntoView({ block: 'nearest', behavior: 'instant' });
}

export function hideSuccess() {
  toggle(els.success, false);
}

export function errorMessage(err) {
  const code = err && err.code ? err.code : 'generic';
  if (code === 'rate_limited' && err.retry_after) return t('errorRetryAfter', { seconds: err.retry_after });
  return t.code('error', code, 'errorGeneric', { max: state.townhall.max_question_length });
}

// ---------------------------------------------------------------------------
// Submitting
// ---------------------------------------------------------------------------
/** Check the draft as the server would; shows the error and returns false when it is not sendable. */
function validate(text, author, place) {
  const max = state.townhall.max_question_length;
  const fail = (message, field, onText = false) => {
    showError(message, { field: onText ? els.text : null });
    if (field) field.focus();
    return false;
  };
  if (state.townhall.status !== 'live') return fail(t('errorClosed'), null);
  if (state.townhall.questions_paused) return fail(t('errorPaused'), null);
  if (!text) return fail(t('errorEmpty'), els.text, true);
  if (textLength(text) > max) return fail(t('errorToo_long', { max }), els.text, true);
  // The limits come from the server (moderation/states.py), as the fields' maxlength.
  if (textLength(author) > els.author.maxLength) {
    return fail(t('errorAuthorTooLong', { max: els.author.maxLength }), els.author);
  }
  if (textLength(place) > els.place.maxLength) {
    return fail(t('errorPlaceTooLong', { max: els.place.maxLength }), els.place);
  }
  return true;
}

async function submit(event) {
  event.preventDefault();
  if (state.sending) return;
  const text = els.text.value.trim();
  const author = els.author.value.trim();
  const place = els.place.value.trim();
  if (!validate(text, author, place)) return;

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
    if (reply.question) page.upsert(reply.question, { fromReply: true });
    onSent(reply.question);
    page.renderNow(); // the list under the form is drawn before the confirmation is scrolled to
    showSuccess(reply.duplicate ? t('sentDuplicate') : t('sent'));
    updateCounter();
  } catch (err) {
    const onText = err && (err.code === 'too_long' || err.code === 'bad_request');
    showError(errorMessage(err), { field: onText ? els.text : null });
  } finally {
    state.sending = false;
    renderForm();
  }
}

// ---------------------------------------------------------------------------
// Drawing, "Rephrase", wiring
// ---------------------------------------------------------------------------
/**
 * The form follows the town hall: usable when live; shown but disabled
 * before it starts (people may read it); gone once it is closed, where the
 * page says so instead.
 */
export function renderForm() {
  const status = state.townhall.status;
  const blocked = status !== 'live' || state.fatal !== null;
  toggle(els.form, status !== 'closed');
  els.text.disabled = blocked;
  els.author.disabled = blocked;
  els.place.disabled = blocked;
  els.submit.disabled = blocked || state.sending;
  els.form.classList.toggle('is-disabled', blocked);
  els.form.setAttribute('aria-busy', state.sending ? 'true' : 'false');
  setText(els.submit, state.sending ? t('sending') : t('submit'));
  if (blocked) toggle(els.success, false);
}

/**
 * Put a rejected question back in the box to be reworded: its text (and
 * its name and place where the fields are empty), with the focus there.
 * A question rejected for personal data was redacted: the box starts empty.
 */
export function rephrase(q) {
  // A reject for personal data removed the text everywhere ("[redacted]"): start afresh.
  els.text.value = q.reason === 'personal_data' ? '' : q.text;
  if (!els.author.value && q.author) els.author.value = q.author;
  if (!els.place.value && q.place) els.place.value = q.place;
  toggle(els.success, false);
  clearError();
  saveDraft();
  updateCounter();
  schedulePreview();
  els.text.scrollIntoView({ block: 'center', behavior: 'instant' });
  els.text.focus({ preventScroll: true });
  els.text.setSelectionRange(els.text.value.length, els.text.value.length);
}

function onTextInput() {
  updateCounter();
  toggle(els.success, false);
  if (!els.error.hidden) clearError();
  saveDraft();
  schedulePreview();
}

/** Wire the form to `options.page` (page.js); `options.onSent(question)` runs once a question was taken. */
export function initAskForm(options) {
  ({ page, state } = options);
  t = page.t;
  onSent = options.onSent || onSent;
  DRAFT_STORAGE = `townhall:${state.townhall.slug}:draft`;
  loadDraft();
  updateCounter();
  els.form.addEventListener('submit', submit);
  els.text.addEventListener('input', onTextInput);
  els.author.addEventListener('input', saveDraft);
  els.place.addEventListener('input', saveDraft);
  els.text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      els.form.requestSubmit();
    }
  });
}
