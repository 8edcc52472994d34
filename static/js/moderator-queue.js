// Moderator console: which questions each lane shows, in which order, and
// the toolbar that chooses it (sort, status filter, text search).
//
// Pure functions plus one binding; no socket, no page state.

const byId = (id) => document.getElementById(id);

export function scoreOf(q) {
  return q.toxicity && typeof q.toxicity.score === 'number' ? q.toxicity.score : null;
}

/**
 * Unscored first (they need a human look), then by score (`direction` 1:
 * lowest first; -1: highest first, where what a scorer that ranks better
 * than it holds missed sits), then oldest.
 */
function byScore(direction) {
  return (a, b) => {
    const sa = scoreOf(a);
    const sb = scoreOf(b);
    if (sa === null && sb !== null) return -1;
    if (sb === null && sa !== null) return 1;
    if (sa !== null && sb !== null && sa !== sb) return direction * (sa - sb);
    return a.id - b.id;
  };
}
export const byRisk = byScore(1);
const byRiskDesc = byScore(-1);

const time = (q) => {
  const value = Date.parse(q.created_at || '');
  return Number.isNaN(value) ? 0 : value;
};
const byOldest = (a, b) => time(a) - time(b) || a.id - b.id;
const byNewest = (a, b) => time(b) - time(a) || b.id - a.id;
const byVotes = (a, b) => (b.votes || 0) - (a.votes || 0) || byOldest(a, b);
export const SORTS = { score: byRisk, risk: byRiskDesc, votes: byVotes, oldest: byOldest, newest: byNewest };

/** Starred (pinned) questions first, then `sort`. */
export function starredFirst(sort) {
  return (a, b) => Boolean(b.starred) - Boolean(a.starred) || sort(a, b);
}

/** The screen queue: position ascending, questions without one last, then id. */
export function byPosition(a, b) {
  const pa = typeof a.position === 'number' ? a.position : null;
  const pb = typeof b.position === 'number' ? b.position : null;
  if (pa === null && pb !== null) return 1;
  if (pb === null && pa !== null) return -1;
  if (pa !== null && pb !== null && pa !== pb) return pa - pb;
  return a.id - b.id;
}

/** pending (not held) | held (pending, held) | approved | archive (everything closed). */
export function laneOf(q) {
  if (q.status === 'pending') return q.held ? 'held' : 'pending';
  if (q.status === 'approved') return 'approved';
  return 'archive';
}

/** j/k walk a group: the two pending lanes form one group. */
export function groupOf(lane) {
  return lane === 'held' ? 'pending' : lane;
}

/** Case- and accent-insensitive form of a string, for search. */
export function fold(text) {
  return String(text || '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase();
}

/** Does `q` pass the toolbar's filter {status, search} (search already folded)? */
export function matches(q, { status = '', search = '' } = {}) {
  if (status && q.status !== status) return false;
  if (!search) return true;
  return [q.text, q.original_text, q.author, q.place].some((field) => fold(field).includes(search));
}

/**
 * The server's queue order (docs/protocol.md, `queue_order`): "votes" is
 * most votes first, equal votes by position; "manual" is position only.
 */
export function queueSort(order) {
  if (order === 'manual') return byPosition;
  return (a, b) => (b.votes || 0) - (a.votes || 0) || byPosition(a, b);
}

/** The approved questions in screen order (unfiltered: reordering needs them all). */
export function screenQueue(questions, order = 'votes') {
  return [...questions].filter((q) => q.status === 'approved').sort(queueSort(order));
}

/**
 * Lanes for the current toolbar settings: {pending, held, approved, archive}.
 * The screen queue keeps the server's order (starring does not move it: it
 * is what "Next" shows); the other lanes list starred questions first.
 */
export function computeLanes(questions, filter = {}, queueOrder = 'votes') {
  const lanes = { pending: [], held: [], approved: [], archive: [] };
  for (const q of questions) if (matches(q, filter)) lanes[laneOf(q)].push(q);
  const sort = starredFirst(SORTS[filter.sort] || byRisk);
  lanes.pending.sort(sort);
  lanes.held.sort(sort);
  lanes.approved.sort(queueSort(queueOrder));
  lanes.archive.sort(starredFirst((a, b) => b.id - a.id));
  return lanes;
}

/**
 * Wire the toolbar. Calls onChange() after each change and onLeave() on
 * Escape in the search field; returns
 * {filter() -> {status, search, sort}, focusSearch()}.
 */
export function bindQueueTools({ t, onChange, onLeave }) {
  const search = byId('queue-search');
  const sort = byId('queue-sort');
  const status = byId('queue-status');
  const hint = byId('pending-hint');
  const archive = byId('archive');
  const current = () => ({ status: status.value, search: fold(search.value.trim()), sort: sort.value });
  const changed = () => {
    hint.textContent = t(`hint${sort.value.charAt(0).toUpperCase()}${sort.value.slice(1)}`);
    // A closed status only lives in the closed list: open it so the filter shows something.
    if (status.value && laneOf({ status: status.value }) === 'archive') archive.open = true;
    onChange();
  };
  search.addEventListener('input', changed);
  sort.addEventListener('change', changed);
  status.addEventListener('change', changed);
  // Escape leaves the search field and keeps the search: the lanes stay
  // filtered while the keys work on them (the field's clear button empties it).
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onLeave();
    }
  });
  return {
    filter: current,
    active: () => Boolean(status.value || search.value.trim()),
    focusSearch: () => {
      search.focus();
      search.select();
    },
  };
}
