// Moderator console: which questions each lane shows, in which order, and
// the toolbar that chooses it (sort, status filter, text search).
//
// Pure functions plus one binding; no socket, no page state.

const byId = (id) => document.getElementById(id);

export function scoreOf(q) {
  return q.toxicity && typeof q.toxicity.score === 'number' ? q.toxicity.score : null;
}

/** Unscored first (they need a human look), then lowest score, then oldest. */
export function byRisk(a, b) {
  const sa = scoreOf(a);
  const sb = scoreOf(b);
  if (sa === null && sb !== null) return -1;
  if (sb === null && sa !== null) return 1;
  if (sa !== null && sb !== null && sa !== sb) return sa - sb;
  return a.id - b.id;
}

const time = (q) => {
  const value = Date.parse(q.created_at || '');
  return Number.isNaN(value) ? 0 : value;
};
const byOldest = (a, b) => time(a) - time(b) || a.id - b.id;
const byNewest = (a, b) => time(b) - time(a) || b.id - a.id;
export const SORTS = { score: byRisk, oldest: byOldest, newest: byNewest };

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

/** The approved questions in screen order (unfiltered: reordering needs them all). */
export function screenQueue(questions) {
  return [...questions].filter((q) => q.status === 'approved').sort(byPosition);
}

/** Lanes for the current toolbar settings: {pending, held, approved, archive}. */
export function computeLanes(questions, filter = {}) {
  const lanes = { pending: [], held: [], approved: [], archive: [] };
  for (const q of questions) if (matches(q, filter)) lanes[laneOf(q)].push(q);
  const sort = SORTS[filter.sort] || byRisk;
  lanes.pending.sort(sort);
  lanes.held.sort(sort);
  lanes.approved.sort(byPosition);
  lanes.archive.sort((a, b) => b.id - a.id);
  return lanes;
}

/**
 * Wire the toolbar. Calls onChange() after each change; returns
 * {filter() -> {status, search, sort}, focusSearch()}.
 */
export function bindQueueTools({ t, onChange }) {
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
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && search.value) {
      event.preventDefault();
      event.stopPropagation();
      search.value = '';
      changed();
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
