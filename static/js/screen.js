// Officials' screen: the current question, the next three, the join address.
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
  current: byId('current'),
  currentText: byId('current-text'),
  currentAuthor: byId('current-author'),
  currentPlace: byId('current-place'),
  joinByCode: byId('join-by-code'),
  joinCode: byId('join-code'),
  currentEmpty: byId('current-empty'),
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

/** Queue order, as the moderators arranged it: position ascending (none last), then oldest first. */
function byQueue(a, b) {
  const pa = typeof a.position === 'number' ? a.position : Infinity;
  const pb = typeof b.position === 'number' ? b.position : Infinity;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.id - b.id;
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
 * Show as many upcoming questions as fit whole in their column: a long one
 * pushes the last ones off rather than being cut in half.
 */
function fitNext() {
  const section = els.next.parentElement;
  const items = Array.from(els.next.children);
  for (const item of items) toggle(item, true);
  const bottom = section.getBoundingClientRect().bottom + 1;
  for (let i = items.length - 1; i > 0; i -= 1) {
    if (items[i].getBoundingClientRect().bottom <= bottom) break;
    toggle(items[i], false);
  }
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
  return item.root;
}

function render() {
  if (state.townhall.title) setText(els.title, state.townhall.title);
  const status = state.townhall.status;
  toggle(els.status, Boolean(status) && status !== 'live');
  if (status && status !== 'live') setText(els.status, t.code('townhall', status));
  if (state.townhall.join_code) setText(els.joinCode, state.townhall.join_code);
  toggle(els.joinByCode, Boolean(els.joinCode.textContent));

  const current = state.screen ? state.questions.get(state.screen.id) || state.screen : null;
  toggle(els.current, Boolean(current));
  toggle(els.currentEmpty, !current);
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

  const currentId = current ? current.id : null;
  const upcoming = Array.from(state.questions.values())
    .filter((q) => q.status === 'approved' && q.id !== currentId)
    .sort(byQueue)
    .slice(0, NEXT_COUNT);
  placeChildren(els.next, upcoming.map(nextItem));
  const keep = new Set(upcoming.map((q) => q.id));
  for (const id of nextItems.keys()) if (!keep.has(id)) nextItems.delete(id);
  toggle(els.nextEmpty, upcoming.length === 0);
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
  new ResizeObserver(() => fitNext()).observe(els.next.parentElement);
} else {
  window.addEventListener('resize', () => {
    fitCurrent();
    fitNext();
  });
}

page.start();
