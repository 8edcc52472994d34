// Citizen page: which questions each tab lists, in which order, and the
// search over them. Pure functions (no DOM), so they run under node --test.
//
// Tabs: "popular" (approved, most votes first), "recent" (approved, newest
// first) and "mine" (my own questions, any status, newest first).

import { byVotesThenId } from './dom.js';

export const TABS = ['popular', 'recent', 'mine'];

/** How many cards a tab shows before "Show more" (a room of 100 questions stays short). */
export const PAGE_SIZE = 20;

/** Lower case, accents and extra spaces removed: "Élodie  " and "elodie" match. */
export function fold(text) {
  return String(text || '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when every word of `query` is in the question's text, name or place. */
export function matches(q, query) {
  const words = fold(query).split(' ').filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fold(`${q.text} ${q.author || ''} ${q.place || ''}`);
  return words.every((word) => haystack.includes(word));
}

const newestFirst = (a, b) => b.id - a.id;

/** The questions of `tab`, sorted, before the search. */
export function tabQuestions(questions, tab) {
  const all = Array.from(questions);
  if (tab === 'mine') return all.filter((q) => q.mine).sort(newestFirst);
  const approved = all.filter((q) => q.status === 'approved');
  return approved.sort(tab === 'recent' ? newestFirst : byVotesThenId);
}

/**
 * What the tab shows: `{shown, matching, total}`. `shown` is at most `limit`
 * questions among those that match `query`; `matching` counts them all;
 * `total` counts the tab's questions without the search.
 */
export function listFor(questions, { tab, query = '', limit = PAGE_SIZE }) {
  const inTab = tabQuestions(questions, tab);
  const found = inTab.filter((q) => matches(q, query));
  return { shown: found.slice(0, limit), matching: found.length, total: inTab.length };
}
