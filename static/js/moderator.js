// Moderator console: page state, rendering, selection and wiring.
// Actions: moderator-actions.js; cards: moderator-view.js; lanes, sort and
// filter: moderator-queue.js; header and toasts: moderator-header.js;
// screen box: moderator-screen.js; counters and audit: moderator-audit.js;
// presence: moderator-presence.js; batch approval: moderator-batch.js.
import { announce, byId, isTypingTarget, keepFocus, placeChildren, setText, toggle } from './dom.js';
import { createPage } from './page.js';
import { can } from './store.js';
import { createActions } from './moderator-actions.js';
import { createAudit, renderStats } from './moderator-audit.js';
import { bindBatch } from './moderator-batch.js';
import { createHeader, createNotifier } from './moderator-header.js';
import { bindShortcuts } from './moderator-keys.js';
import { createPresence } from './moderator-presence.js';
import { bindQueueTools, computeLanes, groupOf, laneOf, screenQueue } from './moderator-queue.js';
import { bindCopyLink, bindScreen } from './moderator-screen.js';
import { bindHeldTerms } from './moderator-terms.js';
import { createCard, fillMergeTargets, updateCard } from './moderator-view.js';

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
  selection: { id: null, group: 'pending', index: 0 },
  lanes: { pending: [], held: [], approved: [], archive: [] },
};

/** The questions j/k walk through for a group: both pending lanes count as one. */
function groupItems(group) {
  if (group === 'pending') return [...state.lanes.pending, ...state.lanes.held];
  return state.lanes[group] || [];
}

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

const presence = createPresence({ send, me: app.dataset.username || '', you: t('presenceYou') });
const cards = new Map(); // id -> card (moderator-view.js)
const actions = createActions({ state, cards, t, notify, presence, upsert, send, resync: page.resync, scheduleRender, renderNow });
const { handleError, approve, reject, show, answered, openEditor, closeEditor, saveEdit } = actions;
const { openMerge, closeMerge, merge, reorder } = actions;

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
  state.lanes = computeLanes(state.questions.values(), tools.filter());
  const queue = screenQueue(state.questions.values()).map((q) => q.id);
  const live = new Set();
  const screenId = state.screen ? state.screen.id : null;
  let shown = 0;
  for (const [lane, questions] of Object.entries(state.lanes)) {
    const elements = questions.map((q) => {
      let c = cards.get(q.id);
      if (!c) {
        c = createCard(q, t, cardActions);
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
      }, t);
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
  const index = q ? items.findIndex((x) => x.id === q.id) : -1;
  if (q && groupOf(laneOf(q)) === sel.group && index !== -1) {
    sel.index = index;
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
  // If focus sat on the selected card (or nowhere) and the selection moves on
  // because its question left the lane, focus follows.
  const selectedBefore = state.selection.id !== null ? cards.get(state.selection.id) : null;
  const active = document.activeElement;
  const focusFollows =
    Boolean(selectedBefore) &&
    (!active || active === document.body || (selectedBefore.root.contains(active) && !isTypingTarget(active)));

  keepFocus(() => {
    header.render(state);
    showHeldTerms(state.townhall.held_terms);
    presence.render();
    const queued = renderLanes();
    const shown = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
    renderScreen(shown, queued);
    renderStats(state.questions.values(), t);
    audit.render();
  });
  const moved = reconcileSelection();
  if (moved && focusFollows && state.selection.id !== null) focusCard(state.selection.id);
}

// ---------------------------------------------------------------------------
// Selection and keyboard
// ---------------------------------------------------------------------------
function focusCard(id) {
  const c = cards.get(id);
  if (!c) return;
  c.root.focus({ preventScroll: true });
  c.root.scrollIntoView({ block: 'nearest' });
}

function select(id, { focus = false } = {}) {
  const q = state.questions.get(id);
  if (!q) return;
  const group = groupOf(laneOf(q));
  state.selection = { id, group, index: groupItems(group).findIndex((x) => x.id === id) };
  reconcileSelection();
  if (focus) focusCard(id);
}

function move(delta) {
  const items = groupItems(state.selection.group);
  if (!items.length) {
    announce(t('nothingSelected'));
    return;
  }
  let index = items.findIndex((x) => x.id === state.selection.id);
  const current = index === -1 ? null : cards.get(items[index].id);
  // The first j/k after working elsewhere takes you to the highlighted card.
  const onCard = current && current.root.contains(document.activeElement);
  if (index === -1) index = 0;
  else if (onCard) index = Math.min(items.length - 1, Math.max(0, index + delta));
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
  answered: { applies: (q) => can(q, 'question.answered'), run: answered },
  merge: { applies: (q) => can(q, 'question.merge'), run: openMerge },
  reorder: { applies: (q) => laneOf(q) === 'approved', run: null },
};

function onQuestionKey(name, delta = 0) {
  const id = state.selection.id;
  const q = id === null ? null : state.questions.get(id);
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
  presence.fromSnapshot(snapshot);
}

function onOwnEvent(event) {
  return presence.onEvent(event);
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
const tools = bindQueueTools({ t, onChange: () => renderNow() });
const audit = createAudit({
  t,
  questionText: (id) => (state.questions.has(id) ? state.questions.get(id).text : ''),
});
const renderScreen = bindScreen({
  t,
  request: send,
  onScreen: (question) => {
    state.screen = question;
  },
  answered,
  onError: handleError,
  announce,
});

bindBatch({
  t,
  questions: () => state.questions.values(),
  isBusy: (id) => state.busy.has(id),
  approveMany: (items) => send('question.approve_many', { items }),
  store: (q) => upsert(q, { fromReply: true }),
  notify,
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
  onMove: move,
  onGroup: switchGroup,
  onSearch: () => tools.focusSearch(),
  onReorder: (delta) => onQuestionKey('reorder', delta),
  onQuestionKey,
});

app.addEventListener('focusin', (event) => {
  const li = event.target instanceof Element ? event.target.closest('.mod-card') : null;
  if (!li) return;
  const id = Number(li.dataset.questionId);
  if (id !== state.selection.id) select(id);
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
