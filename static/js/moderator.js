// Moderator console: page state, actions, selection and keyboard.
// Cards and lane ordering live in moderator-view.js.
import { connect } from './socket.js';
import { applyEvent, applySnapshot } from './store.js';
import { announce, h, isTypingTarget, keepFocus, placeChildren, setText, strings, textLength, toggle } from './dom.js';
import { bindShortcuts } from './moderator-keys.js';
import { bindHeldTerms } from './moderator-terms.js';
import { REASONS, computeLanes, createCard, groupOf, laneOf, updateCard } from './moderator-view.js';

const TOAST_MS = { info: 6000, warning: 10000, error: 10000 };

const t = strings();
const app = document.getElementById('app');
const byId = (id) => document.getElementById(id);

const els = {
  title: byId('townhall-title'),
  status: byId('townhall-status'),
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  scorerName: byId('scorer-name'),
  scorerStatus: byId('scorer-status'),
  fatal: byId('fatal'),
  nowText: byId('now-text'),
  nowAuthorLine: byId('now-author-line'),
  nowAuthor: byId('now-author'),
  nowEmpty: byId('now-empty'),
  clear: byId('screen-clear'),
  screenUrl: byId('screen-url'),
  copy: byId('copy-screen-url'),
  heldHint: byId('held-hint'),
  helpToggle: byId('help-toggle'),
  helpPanel: byId('help-panel'),
  helpClose: byId('help-close'),
  toasts: byId('toasts'),
  lists: {
    pending: byId('list-pending'),
    held: byId('list-held'),
    approved: byId('list-approved'),
    archive: byId('list-archive'),
  },
  counts: {
    pending: byId('count-pending'),
    held: byId('count-held'),
    approved: byId('count-approved'),
    archive: byId('count-archive'),
  },
  empties: {
    pending: byId('empty-pending'),
    held: byId('empty-held'),
    approved: byId('empty-approved'),
    archive: byId('empty-archive'),
  },
};

const state = {
  townhall: { slug: app.dataset.slug },
  questions: new Map(), // id -> question (moderator rendering)
  screen: null, // question on screen or null
  connection: 'connecting',
  fatal: null,
  busy: new Set(), // ids with a request in flight
  screenBusy: false,
  // Edits in progress: id -> version the edit started from (null: use the current one).
  editing: new Map(),
  // Selection: which question, in which group of lanes, at which position.
  selection: { id: null, group: 'pending', index: 0 },
  lanes: { pending: [], held: [], approved: [], archive: [] },
  ready: false,
};

/** The questions j/k walk through for a group: both pending lanes count as one. */
function groupItems(group) {
  if (group === 'pending') return [...state.lanes.pending, ...state.lanes.held];
  return state.lanes[group] || [];
}

// ---------------------------------------------------------------------------
// Toasts (non-blocking notices) and errors
// ---------------------------------------------------------------------------
function notify(message, kind = 'info') {
  const close = h('button', { type: 'button', class: 'toast__close', 'aria-label': t('dismiss') }, '×');
  const toast = h('div', { class: `toast toast--${kind}`, 'data-testid': `notice-${kind}` }, h('p', { class: 'toast__text' }, message), close);
  const remove = () => toast.remove();
  close.addEventListener('click', remove);
  setTimeout(remove, TOAST_MS[kind] || TOAST_MS.info);
  els.toasts.append(toast);
  while (els.toasts.children.length > 4) els.toasts.firstElementChild.remove();
}

function handleError(err, { editId = null } = {}) {
  const code = err && err.code ? err.code : 'generic';
  if (code === 'conflict') {
    notify(t('errorConflict'), 'warning');
    // The next save of an open editor goes against the version just fetched.
    if (editId !== null && state.editing.has(editId)) state.editing.set(editId, null);
    sock.resync().catch(() => {});
    return;
  }
  const max = state.townhall.max_question_length || '';
  notify(t.code('error', code, 'errorGeneric', { max }), 'error');
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------
async function run(id, type, fields, done, options = {}) {
  if (state.busy.has(id)) return null;
  state.busy.add(id);
  scheduleRender();
  try {
    const reply = await sock.request(type, fields);
    if (reply.question) upsert(reply.question, { fromReply: true });
    if (reply.screen) state.screen = reply.screen.question || null;
    if (done) announce(done);
    return reply;
  } catch (err) {
    handleError(err, options);
    return null;
  } finally {
    state.busy.delete(id);
    scheduleRender();
  }
}

function approve(q) {
  return run(q.id, 'question.approve', { question_id: q.id, version: q.version }, t('doneApproved'));
}

async function reject(q) {
  const card = cards.get(q.id);
  const reason = card ? card.reasonSelect.value : '';
  if (!REASONS.includes(reason)) {
    notify(t('errorChooseReason'), 'warning');
    if (card) card.reasonSelect.focus();
    return;
  }
  const reply = await run(q.id, 'question.reject', { question_id: q.id, reason, version: q.version }, t('doneRejected'));
  if (reply && card) card.reasonSelect.value = '';
}

function showOnScreen(q) {
  // The protocol lists screen.show with question_id only (no version).
  return run(q.id, 'screen.show', { question_id: q.id }, t('doneShown'));
}

function markAnswered(q) {
  return run(q.id, 'question.answered', { question_id: q.id, version: q.version }, t('doneAnswered'));
}

async function clearScreen() {
  if (state.screenBusy) return;
  state.screenBusy = true;
  scheduleRender();
  try {
    const reply = await sock.request('screen.clear', {});
    if (reply.screen) state.screen = reply.screen.question || null;
    announce(t('doneCleared'));
  } catch (err) {
    handleError(err);
  } finally {
    state.screenBusy = false;
    scheduleRender();
  }
}

function openEditor(q) {
  const card = cards.get(q.id);
  if (!card) return;
  if (!state.editing.has(q.id)) {
    state.editing.set(q.id, q.version);
    card.editorText.value = q.text;
  }
  renderNow();
  card.editorText.focus();
  card.editorText.setSelectionRange(card.editorText.value.length, card.editorText.value.length);
}

function closeEditor(id, { focusCard = true } = {}) {
  state.editing.delete(id);
  renderNow();
  const card = cards.get(id);
  if (card && focusCard && card.root.isConnected) card.edit.focus();
}

async function saveEdit(q) {
  const card = cards.get(q.id);
  if (!card) return;
  const text = card.editorText.value.trim();
  if (!text) {
    notify(t('errorEmptyEdit'), 'warning');
    card.editorText.focus();
    return;
  }
  const max = state.townhall.max_question_length;
  if (max && textLength(text) > max) {
    notify(t('errorToo_long', { max }), 'warning');
    card.editorText.focus();
    return;
  }
  if (text === q.text) {
    closeEditor(q.id);
    return;
  }
  const base = state.editing.get(q.id);
  const version = base === null || base === undefined ? q.version : base;
  const reply = await run(q.id, 'question.edit', { question_id: q.id, text, version }, t('doneEdited'), { editId: q.id });
  if (reply) closeEditor(q.id);
}

// ---------------------------------------------------------------------------
// Cards: one element per question, moved between lanes and updated in place.
// ---------------------------------------------------------------------------
const cards = new Map();

/** Run an action on the question's current state (the card only knows the id). */
const withQuestion = (action) => (id) => {
  const q = state.questions.get(id);
  if (q) action(q);
};

const cardActions = {
  approve: withQuestion(approve),
  reject: withQuestion(reject),
  show: withQuestion(showOnScreen),
  answered: withQuestion(markAnswered),
  edit: withQuestion(openEditor),
  saveEdit: withQuestion(saveEdit),
  cancelEdit: (id) => closeEditor(id),
};

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------
let renderedConnection = null;

function renderHeader() {
  const th = state.townhall;
  if (th.title) {
    setText(els.title, th.title);
    els.title.title = th.title;
  }
  const status = th.status || 'draft';
  setText(els.status, th.status ? t.code('townhall', status) : '');
  toggle(els.status, Boolean(th.status));
  els.status.dataset.state = status;

  const scorer = th.scorer || null;
  setText(els.scorerName, scorer && scorer.name ? scorer.name : '–');
  const scorerState = scorer && scorer.status ? scorer.status : 'unknown';
  els.scorerStatus.dataset.state = scorerState;
  setText(els.scorerStatus, scorer && scorer.status ? t.code('scorer', scorer.status) : '');

  if (th.screen_url && els.screenUrl.value !== th.screen_url) els.screenUrl.value = th.screen_url;
  if (typeof th.hold_threshold === 'number') {
    setText(els.heldHint, t('heldHint', { threshold: th.hold_threshold.toFixed(2) }));
  }
  showHeldTerms(th.held_terms);

  const key = `${state.connection}:${state.fatal}`;
  if (key !== renderedConnection) {
    renderedConnection = key;
    els.connection.dataset.state = state.connection;
    const word = {
      connecting: t('connecting'),
      connected: t('connected'),
      reconnecting: t('reconnecting'),
      fatal: t('disconnected'),
    }[state.connection] || t('reconnecting');
    setText(els.connectionText, word);
    renderFatal();
  }
}

function renderFatal() {
  toggle(els.fatal, Boolean(state.fatal));
  if (!state.fatal) return;
  const parts = [h('span', {}, t.code('fatal', state.fatal, 'errorGeneric'))];
  if (state.fatal === 'unauthorized') {
    const next = encodeURIComponent(location.pathname);
    parts.push(' ', h('a', { href: `/accounts/login/?next=${next}` }, t('login')));
  }
  els.fatal.replaceChildren(...parts);
}

function renderScreenBox() {
  const shown = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
  toggle(els.nowText, Boolean(shown));
  toggle(els.nowAuthorLine, Boolean(shown));
  toggle(els.nowEmpty, !shown);
  els.clear.disabled = !shown || state.screenBusy;
  if (!shown) return;
  setText(els.nowText, shown.text);
  setText(els.nowAuthor, shown.author || t('anonymous'));
  els.nowAuthor.classList.toggle('is-anonymous', !shown.author);
}

function renderLanes() {
  state.lanes = computeLanes(state.questions.values());
  const live = new Set();
  const screenId = state.screen ? state.screen.id : null;
  for (const [lane, questions] of Object.entries(state.lanes)) {
    const elements = questions.map((q) => {
      let c = cards.get(q.id);
      if (!c) {
        c = createCard(q, t, cardActions);
        cards.set(q.id, c);
      }
      if (state.editing.has(q.id) && q.status !== 'pending' && q.status !== 'approved') state.editing.delete(q.id);
      updateCard(c, q, {
        lane,
        busy: state.busy.has(q.id),
        shown: q.id === screenId,
        editing: state.editing.has(q.id),
        holdThreshold: state.townhall.hold_threshold,
      }, t);
      live.add(q.id);
      return c.root;
    });
    placeChildren(els.lists[lane], elements);
    setText(els.counts[lane], String(questions.length));
    toggle(els.empties[lane], questions.length === 0);
  }
  for (const id of cards.keys()) if (!live.has(id)) cards.delete(id);
}

/**
 * Keep the selection meaningful after the lists changed. The selection
 * follows its question while it stays in its group of lanes; when the
 * question leaves (approved, rejected, removed), the selection stays at the
 * same position, so approving with "a" moves on to the next question.
 */
function reconcileSelection() {
  const sel = state.selection;
  const items = groupItems(sel.group);
  const q = sel.id !== null ? state.questions.get(sel.id) : null;
  let moved = false;
  if (q && groupOf(laneOf(q)) === sel.group) {
    sel.index = items.findIndex((x) => x.id === q.id);
  } else if (items.length) {
    sel.index = Math.min(Math.max(sel.index, 0), items.length - 1);
    moved = sel.id !== items[sel.index].id;
    sel.id = items[sel.index].id;
  } else {
    moved = sel.id !== null;
    sel.id = null;
    sel.index = 0;
  }
  for (const c of cards.values()) {
    const selected = c.id === sel.id;
    c.root.classList.toggle('is-selected', selected);
    c.root.setAttribute('tabindex', selected ? '0' : '-1');
    if (selected) c.root.setAttribute('aria-current', 'true');
    else c.root.removeAttribute('aria-current');
  }
  return moved;
}

function render() {
  // Did the user's focus sit on the selected card (or nowhere)? If the
  // selection moves on because its question left the lane, focus follows.
  // (Only once something was selected: the first selection does not take focus.)
  const selectedBefore = state.selection.id !== null ? cards.get(state.selection.id) : null;
  const active = document.activeElement;
  const focusFollows =
    Boolean(selectedBefore) &&
    (!active || active === document.body || (selectedBefore.root.contains(active) && !isTypingTarget(active)));

  keepFocus(() => {
    renderHeader();
    renderScreenBox();
    renderLanes();
  });
  const moved = reconcileSelection();
  if (moved && focusFollows && state.selection.id !== null) {
    const c = cards.get(state.selection.id);
    if (c) {
      c.root.focus({ preventScroll: true });
      c.root.scrollIntoView({ block: 'nearest' });
    }
  }
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function renderNow() {
  renderQueued = false;
  render();
}

// ---------------------------------------------------------------------------
// Selection and keyboard
// ---------------------------------------------------------------------------
function select(id, { focus = false } = {}) {
  const q = state.questions.get(id);
  if (!q) return;
  const group = groupOf(laneOf(q));
  state.selection = { id, group, index: groupItems(group).findIndex((x) => x.id === id) };
  reconcileSelection();
  const c = cards.get(id);
  if (c && focus) {
    c.root.focus({ preventScroll: true });
    c.root.scrollIntoView({ block: 'nearest' });
  }
}

function move(delta) {
  const sel = state.selection;
  const items = groupItems(sel.group);
  if (!items.length) {
    announce(t('nothingSelected'));
    return;
  }
  let index = items.findIndex((x) => x.id === sel.id);
  index = index === -1 ? 0 : Math.min(items.length - 1, Math.max(0, index + delta));
  select(items[index].id, { focus: true });
}

function switchGroup(group) {
  const items = groupItems(group);
  if (!items.length) {
    state.selection = { id: null, group, index: 0 };
    reconcileSelection();
    announce(t('nothingSelected'));
    return;
  }
  const index = Math.min(state.selection.group === group ? state.selection.index : 0, items.length - 1);
  select(items[Math.max(0, index)].id, { focus: true });
}

function selectedQuestion() {
  const id = state.selection.id;
  return id === null ? null : state.questions.get(id) || null;
}

function toggleHelp(force) {
  const open = typeof force === 'boolean' ? force : els.helpPanel.hidden;
  els.helpPanel.hidden = !open;
  els.helpToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
}

function focusReason(q) {
  const c = cards.get(q.id);
  if (c) c.reasonSelect.focus();
}

/** What each question shortcut does, and for which statuses it applies. */
const SHORTCUTS = {
  approve: { statuses: ['pending', 'rejected'], run: approve },
  reject: { statuses: ['pending', 'approved'], run: focusReason },
  edit: { statuses: ['pending', 'approved'], run: openEditor },
  show: { statuses: ['approved'], run: showOnScreen },
  answered: { statuses: ['approved'], run: markAnswered },
};

function onQuestionKey(name) {
  const q = selectedQuestion();
  if (!q) {
    announce(t('nothingSelected'));
    return;
  }
  if (state.busy.has(q.id)) return;
  const shortcut = SHORTCUTS[name];
  if (!shortcut.statuses.includes(q.status)) {
    notify(t('notAvailable'), 'info');
    return;
  }
  shortcut.run(q);
}

// ---------------------------------------------------------------------------
// State from the server
// ---------------------------------------------------------------------------
function upsert(q, { fromReply = false } = {}) {
  if (!q || typeof q.id !== 'number') return;
  const previous = state.questions.get(q.id);
  if (fromReply && previous && (previous.version ?? 0) > (q.version ?? 0)) return;
  state.questions.set(q.id, q);
}

function onSnapshot(snapshot) {
  applySnapshot(state, snapshot);
  state.ready = true;
  scheduleRender();
}

function onEvent(event) {
  if (applyEvent(state, event, upsert)) scheduleRender();
}

function onStatus(status) {
  const before = state.connection;
  if (status.state === 'fatal') {
    state.fatal = status.reason;
    state.connection = 'fatal';
    announce(t.code('fatal', status.reason, 'errorGeneric'));
  } else {
    state.connection = status.state;
    if (status.state !== before && (status.state === 'connected' || status.state === 'reconnecting')) {
      announce(t(status.state));
    }
  }
  scheduleRender();
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------
bindShortcuts(document, {
  onHelp: () => toggleHelp(),
  onEscape: () => {
    if (els.helpPanel.hidden) return false;
    toggleHelp(false);
    return true;
  },
  onMove: move,
  onGroup: switchGroup,
  onQuestionKey,
});

app.addEventListener('focusin', (event) => {
  const li = event.target instanceof Element ? event.target.closest('.mod-card') : null;
  if (!li) return;
  const id = Number(li.dataset.questionId);
  if (id !== state.selection.id) select(id);
});

els.clear.addEventListener('click', clearScreen);
els.helpToggle.addEventListener('click', () => toggleHelp());
els.helpClose.addEventListener('click', () => {
  toggleHelp(false);
  els.helpToggle.focus();
});

els.copy.addEventListener('click', async () => {
  const value = els.screenUrl.value;
  try {
    await navigator.clipboard.writeText(value);
    notify(t('copied'), 'info');
  } catch {
    // Clipboard API missing (plain http) or refused: fall back to a selection.
    els.screenUrl.focus();
    els.screenUrl.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    notify(copied ? t('copied') : t('copyFailed'), copied ? 'info' : 'warning');
  }
});
els.screenUrl.addEventListener('focus', () => els.screenUrl.select());

// Bound before the first render, which shows the terms in the held lane's panel.
const showHeldTerms = bindHeldTerms({
  save: (terms) => sock.request('townhall.held_terms', { terms }),
  t,
  onError: (err) => handleError(err),
});
renderNow();
const sock = connect({ path: app.dataset.wsPath, onSnapshot, onEvent, onStatus });
