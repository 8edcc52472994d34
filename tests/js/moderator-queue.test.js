// static/js/moderator-queue.js and moderator-toasts.js: the screen queue in
// the server's queue_order, starred first in the lanes, and the toast clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { computeLanes, screenQueue } from '../../static/js/moderator-queue.js';
import { pausableTimer } from '../../static/js/moderator-toasts.js';

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
