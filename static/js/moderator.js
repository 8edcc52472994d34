// Moderator console: page state, rendering and wiring.
// Actions: moderator-actions.js; cards: moderator-view.js; lanes, sort and
// filter: moderator-queue.js; header: moderator-header.js; toasts and undo:
// moderator-toasts.js; screen box: moderator-screen.js; counters and audit:
// moderator-audit.js; presence: moderator-presence.js; batch approval:
// moderator-batch.js; selection: moderator-selection.js; dense mode, queue
// order and closing: moderator-controls.js.
import { announce, byId, isTypingTarget, keepFocus, placeChildren, setText, toggle } from './dom.js';
import { createPage } from './page.js';
import { can } from './store.js';
import { createActions } from './moderator-actions.js';
import { createAudit, renderStats } from './moderator-audit.js';
import { bindBatch } from './moderator-batch.js';
import { bindClose, bindDense, bindQueueOrder } from './moderator-controls.js';
import { bindFlood } from './moderator-flood.js';
import { createConfirm } from './moderator-dialog.js';
import { createHeader } from './moderator-header.js';
import { bindShortcuts } from './moderator-keys.js';
import { createPresence } from './moderator-presence.js';
import { bindQueueTools, computeLanes, laneOf, screenQueue } from './moderator-queue.js';
import { bindCopyLink, bindScreen } from './moderator-screen.js';
import { createSelection } from './moderator-selection.js';
import { bindHeldTerms } from './moderator-terms.js';
import { createNotifier, createUndo } from './moderator-toasts.js';
import { renderTopicLegend, topicForDigit, topicLabel } from './moderator-topics.js';
import { createCard, fillMergeTargets, updateCard } from './moderator-view.js';
import { renderDuplicates, topSuggestion } from './moderator-duplicates.js';

const LANES = ['pending', 'held', 'approved', 'archive'];
const els = {
  helpToggle: byId('help-toggle'),
  helpPanel: byId('help-panel'),
  helpClose: byId('help-close'),
  result: byId('queue-result'),
  lists: Object.fromEntries(LANES.map((lane) => [lane, byId(`list-${lane}`)])),
  counts: Object.fromEntries(LANES.map((lane) => [lane, byId(`count-${lane}`)])),
  empties: Object.fromEntries(LANES.map((lane) => [lane, byId(`empty-${lane}`)])),
};

// Questions as rendered for moderators; the rest of the state: page.js.
const state = {
  townhall: { slug: byId('app').dataset.slug },
  busy: new Set(), // ids with a request in flight
  editing: new Map(), // id -> version the edit started from (null: use the current one)
  merging: new Set(), // ids whose "Merge into…" picker is open
  positions: new Map(), // id -> screen position asked for by a reorder not answered yet
  selection: { id: null, group: 'pending', index: 0, picked: false },
  lanes: { pending: [], held: [], approved: [], archive: [] },
};
const limits = { author: Number(byId('app').dataset.maxAuthor) || 0, place: Number(byId('app').dataset.maxPlace) || 0 };
const isLive = () => !state.townhall.status || state.townhall.status === 'live';

const page = createPage({
  state,
  render,
  renderConnection: (s) => header.renderConnection(s),
  // A reorder not answered yet keeps the position it asked for.
  keep: (q) => {
    const asked = q.status === 'approved' ? state.positions.get(q.id) : undefined;
    return asked === undefined ? q : { ...q, position: asked };
  },
  onSnapshot,
  onOwnEvent,
  onEvent,
  onStatus,
});
const { t, app, upsert, scheduleRender, renderNow } = page;
const send = (type, fields) => page.request(type, fields);
const notify = createNotifier(t);
const header = createHeader(t);
const confirm = createConfirm();

const presence = createPresence({ send, me: app.dataset.username || '', you: t('presenceYou') });
const cards = new Map(); // id -> card (moderator-view.js)
const selection = createSelection({ state, cards, t });
const undo = createUndo({ t, notify, send, apply: (reply) => actions.apply(reply), onError: (err) => actions.handleError(err) });
const actions = createActions({
  state, cards, t, notify, offer: undo.offer, presence, upsert, send, resync: page.resync, scheduleRender, renderNow,
});
const { handleError, approve, restore, star, reject, show, answered, openEditor, closeEditor, saveEdit } = actions;
const { openMerge, closeMerge, merge, mergeInto, reorder } = actions;

// ---------------------------------------------------------------------------
// Cards: one element per question, moved between lanes and updated in place.
// ---------------------------------------------------------------------------
/** Run an action on the question's current state (the card only knows the id). */
const withQuestion = (action) => (id) => {
  const q = state.questions.get(id);
  if (q) action(q);
};

const cardActions = {
  approve: withQuestion(approve),
  restore: withQuestion(restore),
  star: withQuestion(star),
  reject: withQuestion(reject),
  show: withQuestion(show),
  answered: withQuestion(answered),
  edit: withQuestion(openEditor),
  saveEdit: withQuestion(saveEdit),
  cancelEdit: (id) => closeEditor(id),
  openMerge: withQuestion(openMerge),
  closeMerge: (id) => closeMerge(id),
  merge: withQuestion(merge),
  move: (id, delta) => reorder(id, delta),
};

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------
/**
 * The questions `q` may be merged into. The protocol takes the same statuses
 * on both sides of a merge (pending or approved), so a question is a target
 * exactly when the server would let it be merged itself.
 */
function mergeTargets(q) {
  return [...state.questions.values()]
    .filter((x) => x.id !== q.id && can(x, 'question.merge'))
    .sort((a, b) => a.id - b.id);
}

function renderLanes() {
  const order = state.townhall.queue_order;
  state.lanes = computeLanes(state.questions.values(), tools.filter(), order);
  const queue = screenQueue(state.questions.values(), order).map((q) => q.id);
  const closed = !isLive();
  const live = new Set();
  const screenId = state.screen ? state.screen.id : null;
  let shown = 0;
  for (const [lane, questions] of Object.entries(state.lanes)) {
    const elements = questions.map((q) => {
      let c = cards.get(q.id);
      if (!c) {
        c = createCard(q, t, cardActions, limits);
        cards.set(q.id, c);
      }
      if (!can(q, 'question.edit')) state.editing.delete(q.id);
      if (!can(q, 'question.merge')) state.merging.delete(q.id);
      if (state.merging.has(q.id)) fillMergeTargets(c, mergeTargets(q), t);
      updateCard(c, q, {
        lane,
        busy: state.busy.has(q.id),
        shown: q.id === screenId,
        editing: state.editing.has(q.id),
        merging: state.merging.has(q.id),
        editedBy: presence.editorOf(q.id),
        first: queue[0] === q.id,
        last: queue[queue.length - 1] === q.id,
        holdThreshold: state.townhall.hold_threshold,
        canStar: 'starred' in q,
        closed,
      }, t);
      renderDuplicates(c, q, state.questions, t);
      live.add(q.id);
      return c.root;
    });
    placeChildren(els.lists[lane], elements);
    setText(els.counts[lane], String(questions.length));
    toggle(els.empties[lane], questions.length === 0);
    shown += questions.length;
  }
  for (const id of cards.keys()) if (!live.has(id)) cards.delete(id);
  setText(els.result, tools.active() ? t.plural('queueCount', shown) : '');
  return queue.length;
}

const topicLegend = byId('topic-legend');

function render() {
  // If focus sat on the selected card (or nowhere) and the selection moves on
  // because its question left the lane, focus follows.
  const selectedBefore = state.selection.id !== null ? cards.get(state.selection.id) : null;
  const active = document.activeElement;
  const focusFollows =
    Boolean(selectedBefore) &&
    state.selection.picked &&
    (!active || active === document.body || (selectedBefore.root.contains(active) && !isTypingTarget(active)));

  keepFocus(() => {
    header.render(state);
    showHeldTerms(state.townhall.held_terms);
    presence.render();
    const queued = renderLanes();
    const shown = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
    screenBox.render(shown, queued, !isLive());
    renderQueueOrder(state.townhall.queue_order);
    flood.render(state.townhall);
    renderTopicLegend(topicLegend, state.townhall.topics || [], t);
    renderStats(state.questions.values(), t);
    audit.render();
  });
  const moved = selection.reconcile();
  if (moved && focusFollows && state.selection.id !== null) selection.focusCard(state.selection.id);
}

// ---------------------------------------------------------------------------
// Selection and keyboard
// ---------------------------------------------------------------------------
function toggleHelp(force) {
  const open = typeof force === 'boolean' ? force : els.helpPanel.hidden;
  els.helpPanel.hidden = !open;
  els.helpToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
}

function focusReason(q) {
  const c = cards.get(q.id);
  if (c) c.reasonSelect.focus();
}

/**
 * What each question shortcut does, and the request it leads to: the
 * shortcut applies when the server lists that request in the question's
 * `actions`. Reordering applies to the questions in the screen queue.
 */
const SHORTCUTS = {
  approve: { applies: (q) => can(q, 'question.approve'), run: approve },
  reject: { applies: (q) => can(q, 'question.reject'), run: focusReason },
  edit: { applies: (q) => can(q, 'question.edit'), run: openEditor },
  show: { applies: (q) => can(q, 'screen.show'), run: show },
  answered: { applies: (q) => can(q, 'question.answered') || Boolean(state.screen), run: answeredKey },
  merge: { applies: (q) => can(q, 'question.merge'), run: openMerge },
  mergeTop: { applies: (q) => Boolean(topSuggestion(q, state.questions)), run: (q) => mergeInto(q, topSuggestion(q, state.questions).id) },
  star: { applies: (q) => 'starred' in q, run: star },
  reorder: { applies: (q) => laneOf(q) === 'approved', run: null },
};

/**
 * `x`: marks answered the question ON SCREEN. When the selected card is
 * another approved question, it asks first, naming that question: marking
 * answered a question nobody saw on the projector is rarely meant.
 */
async function answeredKey(selected) {
  const onScreen = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
  if (!selected || (onScreen && selected.id === onScreen.id) || !can(selected, 'question.answered')) {
    if (onScreen && can(onScreen, 'question.answered')) answered(onScreen);
    else notify(t('notAvailable'), 'info');
    return;
  }
  const excerpt = selected.text.length > 80 ? `${selected.text.slice(0, 80)}…` : selected.text;
  const text = onScreen
    ? t('answeredAskOther', { id: selected.id, text: excerpt, screen: onScreen.id })
    : t('answeredAskNone', { id: selected.id, text: excerpt });
  const yes = await confirm({ title: t('answeredAskTitle', { id: selected.id }), text, yes: t('answeredAskYes', { id: selected.id }) });
  const now = state.questions.get(selected.id);
  if (yes && now) answered(now);
}

/** Keys that do not depend on the selected card: n, c, b, u, d. */
function onPageKey(name) {
  const closedOff = (name === 'next' || name === 'clear' || name === 'batch') && !isLive();
  if (closedOff) {
    notify(t('errorClosed'), 'info');
    return;
  }
  if (name === 'next' && !screenBox.next()) notify(t('notAvailable'), 'info');
  else if (name === 'clear' && !screenBox.clear()) notify(t('notAvailable'), 'info');
  else if (name === 'batch') batch.open();
  else if (name === 'undo') undo.last();
  else if (name === 'dense') dense.toggle();
}

/** A digit: the selected question's topic (1-9 the town hall's, 0 none). */
function onTopicKey(digit) {
  const id = state.selection.id;
  const q = id === null ? null : state.questions.get(id);
  if (!q) {
    announce(t('nothingSelected'));
    return;
  }
  if (state.busy.has(q.id)) return;
  const topics = state.townhall.topics || [];
  const topic = topicForDigit(topics, digit);
  if (topic === null) {
    notify(t('topicKeyNone', { key: digit }), 'info');
    return;
  }
  actions.setTopic(q, topic, topicLabel(t, topic));
}

function onQuestionKey(name, delta = 0) {
  const id = state.selection.id;
  const q = id === null ? null : state.questions.get(id);
  if (name === 'answered') {
    // `x` works on the screen even with nothing selected.
    if (!q || !state.busy.has(q.id)) answeredKey(q);
    return;
  }
  if (!q) {
    announce(t('nothingSelected'));
    return;
  }
  if (state.busy.has(q.id)) return;
  const shortcut = SHORTCUTS[name];
  if (!shortcut.applies(q)) {
    notify(t('notAvailable'), 'info');
    return;
  }
  if (name === 'reorder') reorder(q.id, delta);
  else shortcut.run(q);
}

// ---------------------------------------------------------------------------
// State from the server
// ---------------------------------------------------------------------------
function onSnapshot(snapshot) {
  audit.reset(snapshot.decisions);
  flood.fromSnapshot(snapshot);
  presence.fromSnapshot(snapshot);
}

function onOwnEvent(event) {
  return flood.onEvent(event) || presence.onEvent(event);
}

function onEvent(event) {
  if (event.decision) audit.add(event.decision);
}

function onStatus(status, before) {
  if (status.state === 'fatal') announce(t.code('fatal', status.reason, 'errorGeneric'));
  else if (status.state !== before && (status.state === 'connected' || status.state === 'reconnecting')) {
    announce(t(status.state));
  }
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------
const tools = bindQueueTools({
  t,
  onChange: () => renderNow(),
  // Escape leaves the search (kept) for the lanes: back to the selected card.
  onLeave: () => {
    if (state.selection.id !== null) selection.focusCard(state.selection.id);
    else app.focus({ preventScroll: true });
  },
});
const audit = createAudit({
  t,
  questionText: (id) => (state.questions.has(id) ? state.questions.get(id).text : ''),
});
const screenBox = bindScreen({
  t,
  request: send,
  onScreen: (question) => {
    state.screen = question;
    scheduleRender();
  },
  answered,
  onError: handleError,
  offer: undo.offer,
});
const renderQueueOrder = bindQueueOrder({ t, sortByVotes: actions.sortByVotes });
const dense = bindDense({ t, announce, onChange: () => scheduleRender() });
bindClose({ t, confirm, close: actions.closeTownhall, title: () => state.townhall.title || '' });
const flood = bindFlood({
  t,
  send,
  apply: (reply) => actions.apply(reply),
  notify,
  announce,
  onError: (err) => actions.handleError(err),
});

const batch = bindBatch({
  t,
  questions: () => state.questions.values(),
  isBusy: (id) => state.busy.has(id),
  approveMany: (items) => send('question.approve_many', { items }),
  store: (q) => upsert(q, { fromReply: true }),
  notify,
  offerMany: undo.offerMany,
  resync: page.resync,
  onError: handleError,
  rerender: scheduleRender,
});

bindShortcuts(document, {
  onHelp: () => toggleHelp(),
  onEscape: () => {
    if (els.helpPanel.hidden) return false;
    toggleHelp(false);
    return true;
  },
  onMove: selection.move,
  onGroup: selection.switchGroup,
  onSearch: () => tools.focusSearch(),
  onReorder: (delta) => onQuestionKey('reorder', delta),
  onQuestionKey,
  onPageKey,
  onTopicKey,
});

app.addEventListener('focusin', (event) => {
  const li = event.target instanceof Element ? event.target.closest('.mod-card') : null;
  if (!li) return;
  const id = Number(li.dataset.questionId);
  if (id !== state.selection.id || !state.selection.picked) selection.select(id);
});

els.helpToggle.addEventListener('click', () => toggleHelp());
els.helpClose.addEventListener('click', () => {
  toggleHelp(false);
  els.helpToggle.focus();
});

bindCopyLink({ t, notify });

// Bound before the first render, which shows the terms in the held lane's panel.
const showHeldTerms = bindHeldTerms({
  save: (terms) => send('townhall.held_terms', { terms }),
  t,
  onError: (err) => handleError(err),
});
page.start();
