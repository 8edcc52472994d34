// Officials' screen: the current question, the next three with their votes,
// the way to join (centre stage when nothing is shown), and a closing slide.
import { byId, h, placeChildren, setText, showText, toggle } from './dom.js';
import { createPage } from './page.js';

// Dark by default (projectors wash out light backgrounds less); a bright room
// may prefer ?theme=light in the screen URL.
const THEME = new URLSearchParams(location.search).get('theme') === 'light' ? 'light' : 'dark';
document.documentElement.classList.add(`theme-${THEME}`);

const NEXT_COUNT = 3;

const els = {
  title: byId('townhall-title'),
  status: byId('townhall-status'),
  headerJoin: byId('header-join'),
  currentSection: byId('current-section'),
  join: byId('join'),
  closing: byId('closing'),
  nextSection: byId('next-list').parentElement,
  current: byId('current'),
  currentText: byId('current-text'),
  currentAuthor: byId('current-author'),
  currentPlace: byId('current-place'),
  joinByCode: byId('join-by-code'),
  joinCode: byId('join-code'),
  team: byId('team'),
  teamNames: byId('team-names'),
  next: byId('next-list'),
  nextEmpty: byId('next-empty'),
  fatal: byId('fatal'),
  reconnecting: byId('reconnecting'),
};

// The approved and answered questions, the screen and the connection: page.js.
const state = {};
const page = createPage({ state, render });
const { t, app } = page;

/** Size step for the current question, so short questions fill the wall and long ones still fit. */
function sizeFor(text) {
  const n = Array.from(text).length;
  if (n <= 90) return 's';
  if (n <= 180) return 'm';
  if (n <= 320) return 'l';
  return 'xl';
}

/**
 * Make the whole current question fit its box: shrink the font step by step
 * (down to half the size chosen from the length), and only if that is not
 * enough, cut at a line boundary with an ellipsis. Nothing ever scrolls.
 */
function fitCurrent() {
  const box = els.current;
  const text = els.currentText;
  text.classList.remove('is-clamped');
  text.style.removeProperty('--lines');
  let fit = 1;
  text.style.setProperty('--fit', '1');
  if (box.hidden) return;
  const overflowing = () => box.scrollHeight > box.clientHeight + 1;
  while (overflowing() && fit > 0.5) {
    fit = Math.round((fit - 0.05) * 100) / 100;
    text.style.setProperty('--fit', String(fit));
  }
  if (!overflowing()) return;
  const author = box.querySelector('.screen__author');
  const authorRoom = author ? author.offsetHeight + parseFloat(getComputedStyle(author).marginTop || '0') : 0;
  const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 1;
  const lines = Math.max(1, Math.floor((box.clientHeight - authorRoom) / lineHeight));
  text.style.setProperty('--lines', String(lines));
  text.classList.add('is-clamped');
}

/** Position ascending (none last), then oldest first: the order of approval, or the moderators' own. */
function byPosition(a, b) {
  const pa = typeof a.position === 'number' ? a.position : Infinity;
  const pb = typeof b.position === 'number' ? b.position : Infinity;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.id - b.id;
}

/**
 * The town hall's queue_order rule (docs/protocol.md), which is also what
 * screen.next takes next: "votes" sorts by votes, then position; "manual"
 * (and a server that does not send the rule) by position only.
 */
function queueComparator(rule) {
  if (rule !== 'votes') return byPosition;
  return (a, b) => (b.votes || 0) - (a.votes || 0) || byPosition(a, b);
}

/**
 * A calm fade when a different question comes on screen. Restarting a CSS
 * animation needs a reflow between removing and adding the class; with
 * prefers-reduced-motion the stylesheet has no animation at all.
 */
function fadeIn(el) {
  el.classList.remove('is-entering');
  void el.offsetWidth;
  el.classList.add('is-entering');
}

/**
 * Fit the three upcoming questions whole in their column: shrink their type
 * step by step (down to 80 %, still readable from the back), and only if
 * that is not enough, clamp each text to the lines left for it.
 */
function fitNext() {
  const section = els.nextSection;
  const list = els.next;
  list.style.setProperty('--next-fit', '1');
  list.classList.remove('is-clamped');
  if (!list.children.length || section.offsetParent === null) return;
  const overflowing = () => section.scrollHeight > section.clientHeight + 1;
  let fit = 1;
  while (overflowing() && fit > 0.8) {
    fit = Math.round((fit - 0.05) * 100) / 100;
    list.style.setProperty('--next-fit', String(fit));
  }
  if (!overflowing()) return;
  const text = list.querySelector('.screen__next-text');
  const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 1;
  const spare = section.clientHeight - (section.scrollHeight - list.scrollHeight);
  const perItem = spare / list.children.length;
  const meta = list.querySelector('.screen__next-meta');
  const metaRoom = meta ? meta.offsetHeight * 1.6 : 0;
  list.style.setProperty('--next-lines', String(Math.max(2, Math.floor((perItem - metaRoom) / lineHeight))));
  list.classList.add('is-clamped');
}

const nextItems = new Map();

function nextItem(q) {
  let item = nextItems.get(q.id);
  if (!item) {
    item = { id: q.id };
    item.text = h('p', { class: 'screen__next-text user-text', dir: 'auto' });
    item.author = h('span', { class: 'screen__next-author user-text', dir: 'auto' });
    item.place = h('span', { class: 'screen__place user-text', dir: 'auto', hidden: true });
    item.votes = h('span', { class: 'screen__next-votes' });
    item.root = h(
      'li',
      { class: 'screen__next-item', 'data-testid': 'screen-next-item', dataset: { questionId: q.id } },
      item.text,
      h('p', { class: 'screen__next-meta' }, h('span', { class: 'screen__next-who' }, item.author, item.place), item.votes),
    );
    nextItems.set(q.id, item);
  }
  setText(item.text, q.text);
  setText(item.author, q.author || t('anonymous'));
  item.author.classList.toggle('is-anonymous', !q.author);
  showText(item.place, q.place || '');
  setText(item.votes, t.plural('votes', q.votes || 0));
  item.votes.classList.toggle('is-zero', !q.votes);
  return item.root;
}

/** Which slide the wall shows: the question on screen, the way to join, or the end. */
function stageOf(current) {
  if (state.townhall.status === 'closed') return 'closed';
  return current ? 'showing' : 'idle';
}

function renderHeader(stage) {
  if (state.townhall.title) setText(els.title, state.townhall.title);
  // Draft: "Starting soon". Closed: the closing slide says it, in large type.
  const status = state.townhall.status;
  const badge = status === 'draft';
  toggle(els.status, badge);
  if (badge) setText(els.status, t.code('townhall', status));
  toggle(els.headerJoin, stage === 'showing');
  if (state.townhall.join_code) setText(els.joinCode, state.townhall.join_code);
  toggle(els.joinByCode, Boolean(els.joinCode.textContent));
  // "Moderated by ...": the team's public names (older servers send none).
  if (Array.isArray(state.townhall.team)) setText(els.teamNames, state.townhall.team.join(', '));
  toggle(els.team, Boolean(els.teamNames.textContent));
}

function renderCurrent(current) {
  toggle(els.current, Boolean(current));
  if (current) {
    setText(els.currentText, current.text);
    els.currentText.dataset.size = sizeFor(current.text);
    setText(els.currentAuthor, current.author || t('anonymous'));
    els.currentAuthor.classList.toggle('is-anonymous', !current.author);
    showText(els.currentPlace, current.place || '');
    if (els.current.dataset.questionId !== String(current.id)) fadeIn(els.current);
    els.current.dataset.questionId = String(current.id);
  } else {
    setText(els.currentText, '');
    delete els.current.dataset.questionId;
  }
  const fitKey = current ? `${current.id}:${current.text}` : '';
  if (fitKey !== fittedKey) {
    fittedKey = fitKey;
    fitCurrent();
  }
}

function renderNext(current) {
  const currentId = current ? current.id : null;
  const upcoming = Array.from(state.questions.values())
    .filter((q) => q.status === 'approved' && q.id !== currentId)
    .sort(queueComparator(state.townhall.queue_order))
    .slice(0, NEXT_COUNT);
  placeChildren(els.next, upcoming.map(nextItem));
  const keep = new Set(upcoming.map((q) => q.id));
  for (const id of nextItems.keys()) if (!keep.has(id)) nextItems.delete(id);
  toggle(els.nextEmpty, upcoming.length === 0);
}

function render() {
  const found = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
  const stage = stageOf(found);
  const current = stage === 'showing' ? found : null;
  app.dataset.stage = stage;
  for (const name of ['showing', 'idle', 'closed']) app.classList.toggle(`is-${name}`, stage === name);
  renderHeader(stage);
  toggle(els.currentSection, stage === 'showing');
  toggle(els.nextSection, stage !== 'closed');
  toggle(els.join, stage !== 'closed');
  toggle(els.closing, stage === 'closed');
  renderCurrent(current);
  renderNext(current);
  fitNext();

  // "Reconnecting…" only while the socket is down, never for a final refusal.
  toggle(els.reconnecting, state.connection !== 'connected' && !state.fatal);
  toggle(els.fatal, Boolean(state.fatal));
  if (state.fatal) setText(els.fatal, t.code('fatal', state.fatal, 'fatalNot_found'));
  app.dataset.connection = state.connection;
}

let fittedKey = null;

// Projectors get resized and fullscreened: fit again whenever the box changes.
if ('ResizeObserver' in window) {
  new ResizeObserver(() => fitCurrent()).observe(document.querySelector('.screen__current'));
  new ResizeObserver(() => fitNext()).observe(els.nextSection);
} else {
  window.addEventListener('resize', () => {
    fitCurrent();
    fitNext();
  });
}

page.start();
