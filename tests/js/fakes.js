// Fakes for static/js/socket.js's env: a WebSocket the test drives by hand
// and a clock whose timers run only when the test advances it.

export class FakeClock {
  constructor() {
    this.time = 0;
    this.timers = new Map();
    this.nextId = 1;
  }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  /** Run every timer due within `ms`, in time order, then move the clock to the end. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (next === null || timer.at < next[1].at)) next = [id, timer];
      }
      if (next === null) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}

export class FakeWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0; // CONNECTING
    this.sent = [];
    this.closedWith = null;
    this.listeners = { message: [], close: [] };
  }

  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  send(data) {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }

  /** The client closes (the browser would report it later; the socket has let go already). */
  close(code = 1005) {
    this.closedWith = code;
    this.readyState = 3;
  }

  // What the server does.
  open() {
    this.readyState = 1;
  }

  receive(frame) {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    for (const fn of this.listeners.message) fn({ data });
  }

  serverClose(code) {
    this.readyState = 3;
    for (const fn of this.listeners.close) fn({ code });
  }

  /** The last request sent, by type. */
  lastSent(type) {
    return [...this.sent].reverse().find((frame) => frame.type === type);
  }
}

/**
 * An env for createSocket() and the record of what it did: `sockets` (every
 * FakeWebSocket opened, last one current), `statuses`, `snapshots`, `events`.
 */
export function fakeEnv({ random = () => 0.5 } = {}) {
  const clock = new FakeClock();
  const sockets = [];
  const env = {
    WebSocket: class extends FakeWebSocket {
      constructor(url) {
        super(url);
        sockets.push(this);
      }
    },
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    random,
    now: () => clock.time,
    url: (path) => `ws://town.example${path}`,
  };
  const record = { statuses: [], snapshots: [], events: [] };
  const callbacks = {
    onSnapshot: (frame) => record.snapshots.push(frame),
    onEvent: (frame) => record.events.push(frame),
    onStatus: (status) => record.statuses.push(status),
  };
  return {
    env,
    clock,
    sockets,
    ...record,
    callbacks,
    get current() {
      return sockets[sockets.length - 1];
    },
  };
}
