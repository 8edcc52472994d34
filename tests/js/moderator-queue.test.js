// static/js/moderator-queue.js and moderator-toasts.js: the screen queue in
// the server's queue_order, starred first in the lanes, and the toast clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { computeLanes, screenQueue } from '../../static/js/moderator-queue.js';
import { createUndo, pausableTimer } from '../../static/js/moderator-toasts.js';

const q = (id, extra = {}) => ({ id, status: 'approved', votes: 0, position: id, text: `q${id}`, ...extra });
const ids = (list) => list.map((x) => x.id);

describe('screen queue order', () => {
  const queue = [q(1, { votes: 0 }), q(2, { votes: 3 }), q(3, { votes: 3 }), q(4, { votes: 1 })];
  it('"votes": most votes first, equal votes by position', () => {
    assert.deepEqual(ids(screenQueue(queue, 'votes')), [2, 3, 4, 1]);
  });
  it('"manual": position only', () => {
    assert.deepEqual(ids(screenQueue(queue, 'manual')), [1, 2, 3, 4]);
  });
  it('starring does not move the screen queue, but leads the pending lane', () => {
    const pending = [q(5, { status: 'pending', toxicity: { score: 0.1 } }), q(6, { status: 'pending', starred: true, toxicity: { score: 0.4 } })];
    const lanes = computeLanes([...queue, q(7, { starred: true }), ...pending], { sort: 'score' }, 'manual');
    assert.deepEqual(ids(lanes.approved), [1, 2, 3, 4, 7]);
    assert.deepEqual(ids(lanes.pending), [6, 5]);
  });
});

describe('pending lane sorts', () => {
  const pending = [
    q(1, { status: 'pending', toxicity: { score: 0.3 } }),
    q(2, { status: 'pending', toxicity: { score: 0.05 } }),
    q(3, { status: 'pending' }),
    q(4, { status: 'pending', toxicity: { score: 0.3 } }),
    q(5, { status: 'pending', toxicity: { score: 0.45 } }),
  ];
  it('"score": unscored first, then lowest score, equal scores oldest first', () => {
    assert.deepEqual(ids(computeLanes(pending, { sort: 'score' }).pending), [3, 2, 1, 4, 5]);
  });
  it('"risk": unscored first, then highest score, equal scores oldest first', () => {
    assert.deepEqual(ids(computeLanes(pending, { sort: 'risk' }).pending), [3, 5, 1, 4, 2]);
  });
});

describe('toast clock', () => {
  function fakeClock() {
    const clock = { time: 0, timers: new Map(), next: 1 };
    clock.now = () => clock.time;
    clock.set = (fn, ms) => {
      const handle = clock.next++;
      clock.timers.set(handle, { fn, at: clock.time + ms });
      return handle;
    };
    clock.clear = (handle) => clock.timers.delete(handle);
    clock.advance = (ms) => {
      clock.time += ms;
      for (const [handle, timer] of [...clock.timers]) {
        if (timer.at <= clock.time) {
          clock.timers.delete(handle);
          timer.fn();
        }
      }
    };
    return clock;
  }

  it('pauses while hovered or focused, then runs for the time left', () => {
    const clock = fakeClock();
    let done = 0;
    const timer = pausableTimer(10000, () => (done += 1), clock);
    clock.advance(4000);
    timer.pause();
    clock.advance(60000);
    assert.equal(done, 0);
    timer.resume();
    clock.advance(5999);
    assert.equal(done, 0);
    clock.advance(1);
    assert.equal(done, 1);
  });
});

describe('undo of a batch', () => {
  // notify() is injected: a fake keeps what the moderator would read, and
  // hands back the toast's own undo so the test can press it.
  function harness(replies) {
    const sent = [];
    const applied = [];
    const notices = [];
    let pressUndo = null;
    const notify = (message, kind = 'info', { undo = null } = {}) => {
      notices.push([kind, message]);
      if (undo) pressUndo = undo;
      return { live: true, undo: () => undo && undo(), remove() {} };
    };
    const send = async (type, fields) => {
      sent.push([type, fields.decision_id]);
      const reply = replies[fields.decision_id];
      if (reply instanceof Error) throw reply;
      return reply;
    };
    const errors = [];
    const undo = createUndo({ t: (key) => key, notify, send, apply: (r) => applied.push(r), onError: (e) => errors.push(e) });
    return { undo, sent, applied, notices, errors, press: () => pressUndo() };
  }
  const expired = Object.assign(new Error('expired'), { code: 'expired' });

  it('offers one Undo that undoes every row, and counts those changed since', async () => {
    const h = harness({ 11: { question: { id: 1 } }, 12: expired, 13: { question: { id: 3 } } });
    h.undo.offerMany([{ id: 11 }, { id: 12 }, { id: 13 }], '3 approved');
    assert.deepEqual(h.notices, [['info', '3 approved']]);
    await h.press();
    assert.deepEqual(h.sent, [['decision.undo', 11], ['decision.undo', 12], ['decision.undo', 13]]);
    assert.equal(h.applied.length, 2);
    assert.deepEqual(h.notices.slice(1), [['info', 'undone'], ['warning', 'errorExpired']]);
    assert.deepEqual(h.errors, []);
  });

  it('without decision rows, reports the batch with no Undo', () => {
    const h = harness({});
    h.undo.offerMany(undefined, '0 approved');
    assert.deepEqual(h.notices, [['info', '0 approved']]);
    assert.throws(() => h.press());
  });
});
