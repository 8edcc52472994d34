// Citizen page: ask a question, follow my questions, vote on approved ones.
//
// citizen-form.js: the ask form. citizen-tabs.js: the Popular / Recent /
// Mine tabs, the search and "Show more". citizen-cards.js: the cards.
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
import { errorMessage, initAskForm, renderForm, rephrase, schedulePreview, updateCounter } from './citizen-form.js';
import { listFor } from './citizen-lists.js';
import { createTabs } from './citizen-tabs.js';
import { announce, byId, h, keepFocus, placeChildren, setText, showText, toggle } from './dom.js';
import { createPage } from './page.js';

const app = byId('app');

const els = {
  status: byId('townhall-status'),
  connection: byId('connection'),
  onScreen: byId('on-screen'),
  onScreenText: byId('on-screen-text'),
  onScreenAuthor: byId('on-screen-author'),
  onScreenPlace: byId('on-screen-place'),
  closedNotice: byId('closed-notice'),
  closedNoticeText: byId('closed-notice-text'),
  slowNotice: byId('slow-notice'),
  votesClosed: byId('votes-closed'),
  askTitle: byId('ask-title'),
  listHint: byId('list-hint'),
  mine: byId('my-questions'),
  mineEmpty: byId('my-questions-empty'),
  mineCount: byId('mine-count'),
  approved: byId('approved-list'),
  approvedEmpty: byId('approved-empty'),
  searchEmpty: byId('search-empty'),
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
  newMine: false, // an event brought a question of mine not seen before
};
const page = createPage({
  state,
  render,
  renderConnection,
  keep: (q, previous, { fromReply }) => {
    if (q.mine && !previous) state.newMine = true;
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
const tabs = createTabs({ t, onChange: () => page.renderNow() });

// ---------------------------------------------------------------------------
// Actions on questions (withdraw, vote, rephrase)
// ---------------------------------------------------------------------------
/** The words for a refused action: a vote refused because the town hall closed says so. */
function actionError(type, err) {
  const code = err && err.code ? err.code : 'generic';
  if (code === 'network' || code === 'timeout') return t('actionErrorNetwork');
  if (code === 'closed' && type === 'question.vote') return t('voteClosed');
  return errorMessage(err);
}

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
    setCardError(card, actionError(type, err));
    // The server knows better: the town hall changed under this page.
    if (err && err.code === 'closed') page.resync().catch(() => announce(t('actionErrorNetwork')));
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

function rephraseCard(card) {
  const q = state.questions.get(card.id);
  if (q) rephrase(q);
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

function renderTabList(all) {
  const { tab, query, limit } = tabs.current();
  const { shown, matching, total } = listFor(all, { tab, query, limit });
  const mine = tab === 'mine';
  toggle(els.approved, !mine);
  toggle(els.mine, mine);
  // The list of the other tab is emptied: a hidden list would still be a hundred cards to keep up to date.
  const myOnes = mine ? shown : [];
  const approvedOnes = mine ? [] : shown;
  renderList(els.mine, myCards, myOnes, (q) => createMyCard(q, t, withdraw, rephraseCard), updateMyCard);
  renderList(els.approved, approvedCards, approvedOnes, (q) => createApprovedCard(q, t, vote), updateApprovedCard);
  toggle(els.approvedEmpty, !mine && total === 0);
  toggle(els.mineEmpty, mine && total === 0);
  toggle(els.searchEmpty, total > 0 && matching === 0);
  const live = state.townhall.status === 'live';
  showText(els.listHint, tab === 'popular' && live && total > 0 ? t('hintPopular') : '');
  tabs.showMore(matching - shown.length);
  tabs.showCount(query ? matching : null);
}

function renderLists() {
  const all = Array.from(state.questions.values());
  renderTabList(all);
  const myCount = all.filter((q) => q.mine).length;
  setText(els.mineCount, myCount ? String(myCount) : '');
  const answered = all.filter((q) => q.status === 'answered').sort((a, b) => b.id - a.id);
  renderList(els.answered, answeredCards, answered, createAnsweredCard, updateAnsweredCard);
  toggle(els.answeredSection, answered.length > 0);
  setText(els.answeredCount, answered.length ? `(${answered.length})` : '');
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------
function renderTownhall() {
  const status = state.townhall.status;
  els.status.className = `tag tag--${status}`;
  setText(els.status, t.code('townhall', status, 'townhallDraft'));
  if (state.townhall.title) setText(byId('townhall-title'), state.townhall.title);
  renderTeam(state.townhall.team);
  const closed = status !== 'live';
  // The moderators may pause new questions (votes still count) or space them (slow mode).
  const paused = !closed && Boolean(state.townhall.questions_paused);
  toggle(els.closedNotice, closed || paused);
  if (closed) setText(els.closedNoticeText, status === 'closed' ? t('closedClosed') : t('closedDraft'));
  else if (paused) setText(els.closedNoticeText, t('pausedNotice'));
  const slow = !closed && !paused ? Number(state.townhall.slow_mode) || 0 : 0;
  showText(els.slowNotice, slow ? t('slowNotice', { seconds: slow }) : '');
  els.closedNotice.classList.toggle('closed-notice--final', status === 'closed');
  // Once closed, the message replaces the ask box, heading included.
  toggle(els.askTitle, status !== 'closed');
  // Votes follow the town hall too: say why the buttons do not work.
  showText(els.votesClosed, status === 'closed' && tabs.current().tab !== 'mine' ? t('voteClosed') : '');
}

/** "Moderated by ...": the team's public names, live (older servers send none: keep the page's). */
function renderTeam(team) {
  if (!Array.isArray(team)) return;
  setText(byId('team-names'), team.join(', '));
  toggle(byId('team'), team.length > 0);
  toggle(byId('team-none'), team.length === 0);
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
  // A question I just asked (from this page or another tab of mine): show my questions.
  if (state.newMine) tabs.select('mine');
  state.newMine = false;
}

function onStatus(status, before) {
  // Back after a loss (the first connection is not news).
  if (status.state === 'connected' && state.snapshots > 1 && before !== 'connected') announce(t('connected'));
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------
initAskForm({
  page,
  state,
  onSent: () => {
    state.newMine = false;
    tabs.select('mine');
  },
});
page.start();
