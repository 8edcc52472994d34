// static/js/store.js: a snapshot plus the events after it gives the state a
// fresh snapshot would give; events are safe to apply twice; seq gaps and
// repeats are handled by the socket in front of the store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { newer } from '../../static/js/page.js';
import { createSocket } from '../../static/js/socket.js';
import { applyEvent, applySnapshot, can } from '../../static/js/store.js';
import { fakeEnv } from './fakes.js';

const q = (id, status, extra = {}) => ({ id, text: `question ${id}`, status, votes: 0, version: 1, ...extra });

function fromSnapshot(snapshot) {
  const state = { townhall: { slug: 'demo' } };
  applySnapshot(state, snapshot);
  return state;
}

/** A comparable picture of a page's state. */
const picture = (state) => ({
  townhall: state.townhall,
  questions: [...state.questions.values()].sort((a, b) => a.id - b.id),
  screen: state.screen,
});

const BEFORE = {
  type: 'snapshot',
  seq: 10,
  townhall: { slug: 'demo', title: 'Budget', status: 'live' },
  questions: [q(1, 'pending'), q(2, 'approved', { votes: 3 }), q(3, 'approved')],
  screen: { question: null },
};

// Seven moderator actions and a batch of vote counts, as the moderators' socket sees them.
const EVENTS = [
  { type: 'question.created', seq: 11, question: q(4, 'pending') },
  { type: 'question.scored', seq: 12, question: q(4, 'pending', { toxicity: { score: 0.02, status: 'scored' } }) },
  { type: 'question.updated', seq: 13, question: q(1, 'approved', { version: 2 }) },
  { type: 'screen.changed', seq: 14, question: q(2, 'approved', { votes: 3 }) },
  { type: 'question.updated', seq: 15, question: q(3, 'merged', { version: 2, merged_into: { id: 2, text: 'question 2' } }) },
  { type: 'question.removed', seq: 16, question_id: 4 },
  { type: 'townhall.updated', seq: 17, townhall: { status: 'closed' } },
  { type: 'question.votes', seq: 18, votes: [{ id: 2, votes: 9 }, { id: 99, votes: 4 }] },
];

const AFTER = {
  type: 'snapshot',
  seq: 18,
  townhall: { slug: 'demo', title: 'Budget', status: 'closed' },
  questions: [
    q(1, 'approved', { version: 2 }),
    q(2, 'approved', { votes: 9 }),
    q(3, 'merged', { version: 2, merged_into: { id: 2, text: 'question 2' } }),
  ],
  screen: { question: q(2, 'approved', { votes: 9 }) },
};

describe('snapshot + events = fresh snapshot', () => {
  it('gives the state of the later snapshot', () => {
    // given
    const state = fromSnapshot(BEFORE);

    // when
    for (const event of EVENTS) assert.equal(applyEvent(state, event), true, event.type);

    // then
    assert.deepEqual(picture(state), picture(fromSnapshot(AFTER)));
  });

  it('gives the state of a snapshot taken half way', () => {
    const state = fromSnapshot(BEFORE);
    EVENTS.slice(0, 4).forEach((event) => applyEvent(state, event));
    const halfWay = {
      ...BEFORE,
      seq: 14,
      questions: [
        q(1, 'approved', { version: 2 }),
        q(2, 'approved', { votes: 3 }),
        q(3, 'approved'),
        q(4, 'pending', { toxicity: { score: 0.02, status: 'scored' } }),
      ],
      screen: { question: q(2, 'approved', { votes: 3 }) },
    };
    assert.deepEqual(picture(state), picture(fromSnapshot(halfWay)));
  });

  it('a snapshot replaces everything held before (a question gone from it is gone)', () => {
    const state = fromSnapshot(BEFORE);
    applyEvent(state, EVENTS[0]);
    applySnapshot(state, { ...AFTER, questions: [q(1, 'approved', { version: 2 })], screen: { question: null } });
    assert.deepEqual([...state.questions.keys()], [1]);
    assert.equal(state.screen, null);
    assert.equal(state.townhall.status, 'closed');
  });
});

describe('idempotent', () => {
  for (const event of EVENTS) {
    it(`${event.type} (seq ${event.seq}) applied twice changes nothing more`, () => {
      const once = fromSnapshot(BEFORE);
      applyEvent(once, event);
      const twice = fromSnapshot(BEFORE);
      applyEvent(twice, event);
      applyEvent(twice, event);
      assert.deepEqual(picture(twice), picture(once));
    });
  }

  it('the whole sequence replayed on top of itself gives the same state', () => {
    const state = fromSnapshot(BEFORE);
    EVENTS.forEach((event) => applyEvent(state, event));
    const first = picture(state);
    EVENTS.slice(-2).forEach((event) => applyEvent(state, event));
    assert.deepEqual(picture(state), first);
  });
});

describe('events the store does not keep', () => {
  it('returns false for an unknown type and changes nothing', () => {
    const state = fromSnapshot(BEFORE);
    assert.equal(applyEvent(state, { type: 'presence.changed', seq: 11, presence: [] }), false);
    assert.deepEqual(picture(state), picture(fromSnapshot(BEFORE)));
  });

  it('skips a question without a numeric id', () => {
    const state = fromSnapshot({ ...BEFORE, questions: [...BEFORE.questions, { text: 'no id' }] });
    applyEvent(state, { type: 'question.updated', seq: 11, question: { id: '9' } });
    assert.deepEqual([...state.questions.keys()], [1, 2, 3]);
  });

  it('stores through the page’s upsert (which may refuse an older version)', () => {
    const state = fromSnapshot(BEFORE);
    const upsert = (incoming) => state.questions.set(incoming.id, newer(state.questions.get(incoming.id), incoming));
    applyEvent(state, { type: 'question.updated', seq: 11, question: q(1, 'approved', { version: 3 }) }, upsert);
    applyEvent(state, { type: 'question.updated', seq: 12, question: q(1, 'rejected', { version: 2 }) }, upsert);
    assert.equal(state.questions.get(1).status, 'approved');
  });
});

describe('through the socket: seq gaps and repeats', () => {
  it('ends in the fresh snapshot’s state, whatever the socket repeats or skips', () => {
    // given a page whose store is fed by the socket
    const f = fakeEnv();
    const state = { townhall: {} };
    createSocket({
      path: '/ws/t/demo/moderate/',
      onSnapshot: (frame) => applySnapshot(state, frame),
      onEvent: (frame) => applyEvent(state, frame),
      env: f.env,
    });
    f.current.open();
    f.current.receive(BEFORE);

    // when events come with gaps (12 and 16 are not for this socket), repeats and stale ones
    const scored = EVENTS[1];
    const removed = EVENTS[5];
    const order = [EVENTS[0], EVENTS[2], EVENTS[2], EVENTS[3], EVENTS[4], EVENTS[0], EVENTS[6], EVENTS[7], EVENTS[6]];
    order.forEach((event) => f.current.receive(event));

    // then: the same as a fresh snapshot, except what the skipped events carried
    const expected = fromSnapshot(BEFORE);
    EVENTS.filter((e) => e !== scored && e !== removed).forEach((event) => applyEvent(expected, event));
    assert.deepEqual(picture(state), picture(expected));
    assert.equal(state.questions.get(4).toxicity, undefined);

    // and after a reconnect, the new snapshot is the truth
    f.current.serverClose(1006);
    f.clock.advance(1000);
    f.current.open();
    f.current.receive(AFTER);
    f.current.receive(EVENTS[6]); // seq 17, already in the snapshot
    f.current.receive(EVENTS[7]); // seq 18 too
    assert.deepEqual(picture(state), picture(fromSnapshot(AFTER)));
  });
});

describe('can()', () => {
  it('reads what the server allows from q.actions', () => {
    const question = q(1, 'approved', { actions: ['question.reject', 'screen.show'] });
    assert.equal(can(question, 'screen.show'), true);
    assert.equal(can(question, 'question.approve'), false);
  });

  it('allows nothing without actions (the screen, an older server)', () => {
    assert.equal(can(q(1, 'pending'), 'question.approve'), false);
    assert.equal(can(null, 'question.approve'), false);
    assert.equal(can(q(1, 'pending', { actions: 'question.approve' }), 'question.approve'), false);
  });
});
