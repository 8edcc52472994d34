// static/js/socket.js: snapshot and seq filtering, requests and replies,
// reconnecting with back-off, resync after a long absence. No browser: the
// WebSocket and the timers are fakes (fakes.js).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createSocket } from '../../static/js/socket.js';
import { fakeEnv } from './fakes.js';

function connected({ seq = 10, random } = {}) {
  const f = fakeEnv({ random });
  const sock = createSocket({ path: '/ws/t/demo/', ...f.callbacks, requestTimeout: 5000, env: f.env });
  f.current.open();
  f.current.receive({ type: 'snapshot', seq, townhall: {}, questions: [], screen: { question: null } });
  return { f, sock };
}

const states = (f) => f.statuses.map((s) => s.state);

describe('connecting', () => {
  it('opens the page socket and reports connected after the first snapshot', () => {
    // given
    const f = fakeEnv();
    const sock = createSocket({ path: '/ws/t/demo/', ...f.callbacks, env: f.env });
    assert.equal(f.current.url, 'ws://town.example/ws/t/demo/');
    assert.deepEqual(states(f), ['connecting']);
    assert.equal(sock.connected, false);

    // when
    f.current.open();
    f.current.receive({ type: 'snapshot', seq: 42, questions: [] });

    // then
    assert.deepEqual(states(f), ['connecting', 'connected']);
    assert.equal(f.snapshots.length, 1);
    assert.equal(sock.lastSeq, 42);
    assert.equal(sock.connected, true);
  });

  it('ignores events that arrive before the snapshot', () => {
    const f = fakeEnv();
    createSocket({ path: '/ws/t/demo/', ...f.callbacks, env: f.env });
    f.current.open();
    f.current.receive({ type: 'question.updated', seq: 5, question: { id: 1 } });
    assert.equal(f.events.length, 0);
  });
});

describe('sequence numbers', () => {
  it('applies newer events, with gaps, and drops repeated and older ones', () => {
    // given a snapshot at seq 10
    const { f, sock } = connected({ seq: 10 });

    // when events arrive out of the ideal order (a socket does not see every seq)
    for (const seq of [11, 11, 9, 14, 12, 15]) f.current.receive({ type: 'question.updated', seq, question: { id: seq } });

    // then
    assert.deepEqual(f.events.map((e) => e.seq), [11, 14, 15]);
    assert.equal(sock.lastSeq, 15);
  });

  it('ignores frames that are not JSON objects, and events without a seq', () => {
    const { f } = connected();
    f.current.receive('not json');
    f.current.receive('[1, 2]');
    f.current.receive('null');
    f.current.receive({ type: 'question.updated', question: { id: 1 } });
    assert.equal(f.events.length, 0);
  });

  it('a handler that throws does not stop the socket', (t) => {
    t.mock.method(console, 'error', () => {});
    const f = fakeEnv();
    let calls = 0;
    createSocket({
      path: '/ws/',
      ...f.callbacks,
      onEvent: () => {
        calls += 1;
        throw new Error('render bug');
      },
      env: f.env,
    });
    f.current.open();
    f.current.receive({ type: 'snapshot', seq: 1 });
    f.current.receive({ type: 'question.updated', seq: 2 });
    f.current.receive({ type: 'question.updated', seq: 3 });
    assert.equal(calls, 2);
  });
});

describe('requests', () => {
  it('matches replies to requests by id, and rejects with the error frame', async () => {
    // given
    const { f, sock } = connected();

    // when
    const first = sock.request('question.approve', { question_id: 7, version: 1 });
    const second = sock.request('question.reject', { question_id: 8, reason: 'other' });
    const [a, b] = f.current.sent;
    f.current.receive({ type: 'ok', id: a.id, question: { id: 7 } });
    f.current.receive({ type: 'error', id: b.id, code: 'conflict', message: 'stale' });

    // then
    assert.deepEqual(a, { type: 'question.approve', id: a.id, question_id: 7, version: 1 });
    assert.notEqual(a.id, b.id);
    assert.deepEqual((await first).question, { id: 7 });
    await assert.rejects(second, { code: 'conflict' });
  });

  it('gives a reply without a readable id to the oldest request waiting', async () => {
    const { f, sock } = connected();
    const first = sock.request('question.vote', { question_id: 1, up: true });
    const second = sock.request('question.vote', { question_id: 2, up: true });
    f.current.receive({ type: 'error', id: null, code: 'bad_request', message: 'bad' });
    f.current.receive({ type: 'ok', id: f.current.sent[1].id });
    await assert.rejects(first, { code: 'bad_request' });
    await second;
  });

  it('holds a request made before the connection and sends it once connected', async () => {
    // given a page whose socket is still opening
    const f = fakeEnv();
    const sock = createSocket({ path: '/ws/', ...f.callbacks, requestTimeout: 5000, env: f.env });

    // when the citizen presses Send at once, then the socket connects
    const reply = sock.request('question.submit', { text: 'x' });
    assert.deepEqual(f.current.sent, []);
    f.current.open();
    f.current.receive({ type: 'snapshot', seq: 1, questions: [] });

    // then the request goes out after the snapshot, and its reply settles it
    const sent = f.current.lastSent('question.submit');
    assert.equal(sent.text, 'x');
    f.current.receive({ type: 'ok', id: sent.id, duplicate: false });
    assert.equal((await reply).duplicate, false);
  });

  it('fails a request that finds no connection within the timeout', async () => {
    const f = fakeEnv();
    const sock = createSocket({ path: '/ws/', ...f.callbacks, requestTimeout: 5000, env: f.env });
    const reply = sock.request('question.submit', { text: 'x' });
    f.clock.advance(5000);
    await assert.rejects(reply, { code: 'network', local: true });
  });

  it('fails a waiting request at once when the server refuses the socket for good', async () => {
    const f = fakeEnv();
    const sock = createSocket({ path: '/ws/', ...f.callbacks, requestTimeout: 5000, env: f.env });
    const reply = sock.request('question.vote', { question_id: 1, up: true });
    f.current.serverClose(4403);
    await assert.rejects(reply, { code: 'network' });
  });

  it('fails the requests still waiting when the socket closes', async () => {
    const { f, sock } = connected();
    const waiting = sock.request('question.withdraw', { question_id: 3 });
    f.current.serverClose(1006);
    await assert.rejects(waiting, { code: 'network' });
  });

  it('times out a request without reply and starts a fresh socket', async () => {
    // given a half-open connection: requests go out, nothing comes back
    const { f, sock } = connected();
    const dead = f.current;
    const waiting = sock.request('question.preview', { text: 'hello' });

    // when
    f.clock.advance(5000);

    // then the request fails, the socket is dropped, and a new one opens after the back-off
    await assert.rejects(waiting, { code: 'timeout' });
    assert.equal(dead.closedWith, 1005);
    assert.equal(sock.connected, false);
    f.clock.advance(1000);
    assert.equal(f.sockets.length, 2);
  });
});

describe('reconnecting', () => {
  it('reopens with a growing, capped back-off, and starts again from a new snapshot', () => {
    // given the longest jitter every time
    const { f, sock } = connected({ seq: 10, random: () => 1 });
    f.current.receive({ type: 'question.updated', seq: 11 });

    // when the connection keeps failing
    const delays = [];
    for (let i = 0; i < 6; i += 1) {
      f.current.serverClose(1006);
      const status = f.statuses[f.statuses.length - 1];
      assert.equal(status.state, 'reconnecting');
      delays.push(status.delay);
      f.clock.advance(status.delay);
    }

    // then the delays double from 1 s and stop at 15 s
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 15000, 15000]);
    assert.equal(f.sockets.length, 7);
    assert.equal(sock.lastSeq, null);

    // when the server is back: the new snapshot resets the model and the back-off
    f.current.open();
    f.current.receive({ type: 'question.updated', seq: 12 }); // before the snapshot: ignored
    f.current.receive({ type: 'snapshot', seq: 20, questions: [] });
    f.current.receive({ type: 'question.updated', seq: 20 }); // already in the snapshot
    f.current.receive({ type: 'question.updated', seq: 21 });
    assert.equal(f.snapshots.length, 2);
    assert.deepEqual(f.events.map((e) => e.seq), [11, 21]);
    assert.equal(f.statuses[f.statuses.length - 1].state, 'connected');
    f.current.serverClose(1006);
    assert.equal(f.statuses[f.statuses.length - 1].delay, 1000);
  });

  it('keeps every delay between half the cap and the cap, never under 1 s', () => {
    const { f } = connected({ random: () => 0 });
    const delays = [];
    for (let i = 0; i < 5; i += 1) {
      f.current.serverClose(1006);
      const { delay } = f.statuses[f.statuses.length - 1];
      delays.push(delay);
      f.clock.advance(delay);
    }
    assert.deepEqual(delays, [1000, 1000, 2000, 4000, 7500]);
  });

  it('ignores frames and closes from a socket it has replaced', () => {
    const { f } = connected({ seq: 10 });
    const old = f.current;
    old.serverClose(1006);
    f.clock.advance(1000);
    f.current.open();
    f.current.receive({ type: 'snapshot', seq: 30 });
    old.receive({ type: 'question.updated', seq: 31 });
    old.serverClose(1006);
    assert.equal(f.events.length, 0);
    assert.equal(f.statuses[f.statuses.length - 1].state, 'connected');
  });

  for (const [code, reason] of [[4401, 'unauthorized'], [4403, 'forbidden'], [4404, 'not_found']]) {
    it(`stops for good on close code ${code} and says why`, () => {
      const { f } = connected();
      f.current.serverClose(code);
      f.clock.advance(60000);
      assert.deepEqual(f.statuses[f.statuses.length - 1], { state: 'fatal', code, reason });
      assert.equal(f.sockets.length, 1);
    });
  }

  it('does not reconnect after close()', () => {
    const { f, sock } = connected();
    sock.close();
    assert.equal(f.current.closedWith, 1000);
    f.current.serverClose(1000);
    f.clock.advance(60000);
    assert.equal(f.sockets.length, 1);
  });
});

describe('resync', () => {
  it('asks for a snapshot and resolves with it', async () => {
    const { f, sock } = connected({ seq: 10 });
    const reply = sock.resync();
    const { id } = f.current.lastSent('resync');
    f.current.receive({ type: 'snapshot', id, seq: 25, questions: [{ id: 1 }] });
    assert.equal((await reply).seq, 25);
    assert.equal(f.snapshots.length, 2);
    assert.equal(sock.lastSeq, 25);
  });

  it('resyncs when the page comes back after more than 30 s away', () => {
    const { f, sock } = connected();
    sock.pageHidden();
    f.clock.advance(10000);
    sock.pageVisible();
    assert.equal(f.current.lastSent('resync'), undefined);

    sock.pageHidden();
    f.clock.advance(31000);
    sock.pageVisible();
    assert.ok(f.current.lastSent('resync'));
  });

  it('reconnects at once when the page comes back or goes online during the back-off', () => {
    const { f, sock } = connected();
    f.current.serverClose(1006);
    f.current.serverClose(1006); // nothing: that socket is already forgotten
    assert.equal(f.sockets.length, 1);
    sock.pageHidden();
    sock.pageVisible();
    assert.equal(f.sockets.length, 2);
    sock.wake(); // a socket is opening: nothing more
    assert.equal(f.sockets.length, 2);
  });
});
