// static/js/moderator-duplicates.js: the console shows (and `g` uses) only the
// suggestions whose target is still open in its own store, best first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { openSuggestions, topSuggestion } from '../../static/js/moderator-duplicates.js';

const OPEN = ['question.approve', 'question.reject', 'question.merge'];
const q = (id, status, extra = {}) => ({
  id, text: `question ${id}`, status, actions: status === 'pending' || status === 'approved' ? OPEN : [], ...extra,
});

describe('duplicate suggestions in the console', () => {
  it('keeps the server order and drops targets no longer open or unknown', () => {
    const questions = new Map([
      [1, q(1, 'approved')],
      [2, q(2, 'answered')],
      [3, q(3, 'pending')],
    ]);
    const asked = q(9, 'pending', {
      duplicate_suggestions: [{ id: 2, similarity: 0.9 }, { id: 7, similarity: 0.8 }, { id: 3, similarity: 0.7 }, { id: 1, similarity: 0.65 }],
    });
    assert.deepEqual(openSuggestions(asked, questions).map((x) => x.id), [3, 1]);
    assert.equal(topSuggestion(asked, questions).id, 3);
  });

  it('offers nothing for a question that cannot be merged or has no suggestion', () => {
    const questions = new Map([[1, q(1, 'pending')]]);
    const merged = q(9, 'merged', { duplicate_suggestions: [{ id: 1, similarity: 0.9 }] });
    assert.equal(topSuggestion(merged, questions), null);
    assert.equal(topSuggestion(q(8, 'pending'), questions), null);
  });
});
