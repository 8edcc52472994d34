// static/js/citizen-lists.js: what each tab of the citizen page lists, in
// which order, and the search over text, name and place.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PAGE_SIZE, fold, listFor, matches, tabQuestions } from '../../static/js/citizen-lists.js';

const q = (id, status, extra = {}) => ({ id, text: `question ${id}`, author: '', place: '', status, votes: 0, mine: false, ...extra });

const room = [
  q(1, 'approved', { votes: 2 }),
  q(2, 'approved', { votes: 5 }),
  q(3, 'approved', { votes: 2 }),
  q(4, 'pending', { mine: true }),
  q(5, 'rejected', { mine: true }),
  q(6, 'approved', { mine: true, votes: 1 }),
  q(7, 'answered', { votes: 9 }),
  q(8, 'unhandled', { mine: true }),
];
const ids = (list) => list.map((x) => x.id);

describe('tabs', () => {
  it('popular: approved only, most votes first, equal votes oldest first', () => {
    assert.deepEqual(ids(tabQuestions(room, 'popular')), [2, 1, 3, 6]);
  });

  it('recent: approved only, newest first', () => {
    assert.deepEqual(ids(tabQuestions(room, 'recent')), [6, 3, 2, 1]);
  });

  it('mine: every question of mine whatever its status, newest first', () => {
    assert.deepEqual(ids(tabQuestions(room, 'mine')), [8, 6, 5, 4]);
  });
});

describe('search', () => {
  it('ignores case, accents and extra spaces', () => {
    assert.equal(fold('  Élodie   DUBOIS '), 'elodie dubois');
    assert.ok(matches(q(1, 'approved', { author: 'Élodie' }), 'elodie'));
    assert.ok(matches(q(1, 'approved', { text: 'La BIBLIOTHÈQUE ouvre' }), 'bibliotheque'));
  });

  it('needs every word, in the text, the name or the place', () => {
    const item = q(1, 'approved', { text: 'When will the tram come?', place: 'Quartier Nord' });
    assert.ok(matches(item, 'tram nord'));
    assert.ok(!matches(item, 'tram sud'));
    assert.ok(matches(item, '   '));
  });
});

describe('listFor', () => {
  const many = Array.from({ length: 93 }, (_, i) => q(i + 1, 'approved', { votes: i % 7 }));

  it('shows a page at a time and counts the rest', () => {
    const first = listFor(many, { tab: 'popular' });
    assert.equal(first.shown.length, PAGE_SIZE);
    assert.equal(first.matching, 93);
    assert.equal(first.total, 93);
    assert.equal(listFor(many, { tab: 'popular', limit: 100 }).shown.length, 93);
  });

  it('counts the matches of a search apart from the tab total', () => {
    // words match as typed so far: "question 9" finds 9, 19, ... 89 and 90 to 93
    const found = listFor(many, { tab: 'recent', query: 'QUESTION 9', limit: 5 });
    assert.deepEqual(ids(found.shown), [93, 92, 91, 90, 89]);
    assert.equal(found.matching, 13);
    assert.equal(found.total, 93);
  });
});
