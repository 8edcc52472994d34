// One websocket per page, speaking docs/protocol.md (version 1).
//
// - The first frame on every socket is a snapshot; it resets `lastSeq`.
// - Events carry `seq`; an event whose seq is not greater than the last one
//   applied is ignored (duplicates and replays after a snapshot).
// - Replies (`ok` / `error`) come one per request, in order, echoing our `id`.
// - On close the socket reconnects with exponential back-off and jitter,
//   except for the close codes that mean "this will never work" (4401, 4403,
//   4404), which are reported through onStatus instead.

const FATAL_CLOSE_CODES = new Map([
  [4401, 'unauthorized'],
  [4403, 'forbidden'],
  [4404, 'not_found'],
]);
const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;
const RESYNC_AFTER_HIDDEN_MS = 30000;
const OPEN = 1; // WebSocket.OPEN

/** An error frame made on the client side (the server never sends these codes). */
function localError(code) {
  return { type: 'error', id: null, code, message: code, local: true };
}

/** What the socket needs from the browser; tests pass fakes (tests/js/). */
function browserEnv() {
  return {
    WebSocket: globalThis.WebSocket,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer) => clearTimeout(timer),
    random: () => Math.random(),
    now: () => Date.now(),
    url: (path) => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path,
  };
}

/**
 * Open the page's socket, and reopen it when the phone wakes up or comes back
 * online (see createSocket for the options and the returned object).
 */
export function connect(options) {
  const sock = createSocket(options);
  window.addEventListener('online', () => sock.wake());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') sock.pageHidden();
    else sock.pageVisible();
  });
  return sock;
}

/**
 * The socket and its reconnect/resync logic, without any page wiring.
 *
 * @param {object} options
 * @param {string} options.path   socket path, e.g. "/ws/t/demo/" (may carry ?key=)
 * @param {(snapshot: object) => void} options.onSnapshot  every snapshot (first frame, resync replies)
 * @param {(event: object) => void} options.onEvent        every new event (seq already checked)
 * @param {(status: {state: string, code?: number, reason?: string, delay?: number}) => void} [options.onStatus]
 *        state is 'connecting', 'connected', 'reconnecting' (with delay in ms) or
 *        'fatal' (with the close code and reason 'unauthorized' | 'forbidden' | 'not_found').
 * @param {number} [options.requestTimeout]  ms before a request without reply fails (and the socket is dropped)
 * @param {object} [options.env]  {WebSocket, setTimeout, clearTimeout, random, now, url(path)}; the browser's by default
 * @returns {{request: Function, resync: Function, close: Function, wake: Function,
 *            pageHidden: Function, pageVisible: Function,
 *            readonly lastSeq: number|null, readonly connected: boolean}}
 */
export function createSocket({
  path,
  onSnapshot,
  onEvent,
  onStatus = () => {},
  requestTimeout = REQUEST_TIMEOUT_MS,
  env = browserEnv(),
}) {
  const url = env.url(path);
  const pending = new Map(); // id -> {resolve, reject, timer}
  const waiting = new Set(); // requests made while not connected: {send, reject, timer}
  let socket = null;
  let lastSeq = null;
  let connected = false;
  let attempt = 0;
  let retryTimer = null;
  let stopped = false;
  let counter = 0;
  let hiddenSince = null;

  function report(status) {
    try {
      onStatus(status);
    } catch (err) {
      console.error('onStatus failed', err);
    }
  }

  function open() {
    env.clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped) return;
    report({ state: attempt === 0 ? 'connecting' : 'reconnecting' });
    let ws;
    try {
      ws = new env.WebSocket(url);
    } catch (err) {
      console.error('websocket could not be created', err);
      scheduleRetry();
      return;
    }
    socket = ws;
    lastSeq = null; // events before this socket's snapshot are ignored
    ws.addEventListener('message', (event) => {
      if (ws === socket) receive(event.data);
    });
    ws.addEventListener('close', (event) => {
      if (ws === socket) onClosed(event.code);
    });
  }

  function receive(data) {
    if (typeof data !== 'string') return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn('ignoring a frame that is not JSON');
      return;
    }
    if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return;

    if (frame.type === 'snapshot') {
      lastSeq = typeof frame.seq === 'number' ? frame.seq : 0;
      attempt = 0;
      deliver(onSnapshot, frame);
      if (!connected) {
        connected = true;
        report({ state: 'connected' });
        sendWaiting();
      }
      if (typeof frame.id === 'string') settle(frame, true);
      return;
    }
    if (frame.type === 'ok') {
      settle(frame, true);
      return;
    }
    if (frame.type === 'error') {
      settle(frame, false);
      return;
    }
    if (typeof frame.seq !== 'number' || lastSeq === null || frame.seq <= lastSeq) return;
    lastSeq = frame.seq;
    deliver(onEvent, frame);
  }

  function deliver(handler, frame) {
    try {
      handler(frame);
    } catch (err) {
      // A rendering bug must not kill the socket; it is surfaced in the console.
      console.error(`handling ${frame.type} failed`, err);
    }
  }

  /** Resolve or reject the request this reply answers. */
  function settle(frame, ok) {
    let id = frame.id;
    if (typeof id !== 'string' || !pending.has(id)) {
      // The server echoes ids it can read; replies come in order, so a reply
      // with a null id belongs to the oldest request still waiting.
      if (id !== null && id !== undefined) return;
      const oldest = pending.keys().next();
      if (oldest.done) {
        if (!ok) console.warn('unmatched error frame', frame.code, frame.message);
        return;
      }
      id = oldest.value;
    }
    const entry = pending.get(id);
    pending.delete(id);
    env.clearTimeout(entry.timer);
    if (ok) entry.resolve(frame);
    else entry.reject(frame);
  }

  function failPending(code) {
    for (const [id, entry] of pending) {
      env.clearTimeout(entry.timer);
      pending.delete(id);
      entry.reject(localError(code));
    }
  }

  function onClosed(code) {
    socket = null;
    lastSeq = null;
    connected = false;
    failPending('network');
    if (stopped) return;
    const reason = FATAL_CLOSE_CODES.get(code);
    if (reason) {
      stopped = true;
      failWaiting('network');
      report({ state: 'fatal', code, reason });
      return;
    }
    scheduleRetry();
  }

  function scheduleRetry() {
    if (stopped || retryTimer) return;
    // Exponential back-off with "equal jitter": between half and all of the cap,
    // never under 1 s, never over 15 s, so a restarted server is not stampeded.
    const cap = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
    const delay = Math.max(MIN_DELAY_MS, Math.round(cap / 2 + (env.random() * cap) / 2));
    attempt += 1;
    report({ state: 'reconnecting', delay });
    retryTimer = env.setTimeout(open, delay);
  }

  /** Forget a socket that looks dead (no reply) and start again. */
  function drop() {
    const ws = socket;
    if (!ws) return;
    onClosed(1006);
    try {
      ws.close();
    } catch {
      // Already closing.
    }
  }

  /**
   * Send a request; resolves with the `ok` frame (or the snapshot for a
   * resync), rejects with the `error` frame. A request made before the socket
   * is connected waits for the connection (at most `requestTimeout`).
   * Client-side failures reject with `{code: 'network'}` (no connection in
   * time, a fatal close, or the socket closed before the reply) or
   * `{code: 'timeout'}`.
   */
  function request(type, fields = {}) {
    if (connected && socket && socket.readyState === OPEN) return send(type, fields);
    if (stopped) return Promise.reject(localError('network'));
    // Not connected yet (the page is still opening its socket, or it is
    // reconnecting): wait for the connection, up to requestTimeout, rather
    // than fail a citizen who pressed Send in the first second.
    return new Promise((resolve, reject) => {
      const entry = {
        send: () => send(type, fields).then(resolve, reject),
        reject,
        timer: env.setTimeout(() => {
          waiting.delete(entry);
          reject(localError('network'));
        }, requestTimeout),
      };
      waiting.add(entry);
    });
  }

  function sendWaiting() {
    for (const entry of waiting) {
      env.clearTimeout(entry.timer);
      entry.send();
    }
    waiting.clear();
  }

  function failWaiting(code) {
    for (const entry of waiting) {
      env.clearTimeout(entry.timer);
      entry.reject(localError(code));
    }
    waiting.clear();
  }

  function send(type, fields) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== OPEN) {
        reject(localError('network'));
        return;
      }
      counter += 1;
      const id = `r${counter}`;
      const timer = env.setTimeout(() => {
        if (!pending.has(id)) return;
        pending.delete(id);
        reject(localError('timeout'));
        // No reply at all usually means a half-open connection (a phone that
        // slept): start a fresh one, which begins with a fresh snapshot.
        drop();
      }, requestTimeout);
      pending.set(id, { resolve, reject, timer });
      try {
        socket.send(JSON.stringify({ ...fields, type, id }));
      } catch (err) {
        console.error('send failed', err);
        env.clearTimeout(timer);
        pending.delete(id);
        reject(localError('network'));
      }
    });
  }


  /** Ask for a fresh snapshot (delivered through onSnapshot as well). */
  function resync() {
    return request('resync');
  }

  function close() {
    stopped = true;
    failWaiting('network');
    env.clearTimeout(retryTimer);
    const ws = socket;
    socket = null;
    failPending('network');
    if (ws) ws.close(1000);
  }

  // Phones drop sockets while asleep: when the page comes back, do not wait
  // for the back-off timer. A socket that looks open may be half-dead, so
  // after a long absence ask for a snapshot (which also catches up).
  function wake() {
    if (stopped || socket) return;
    attempt = Math.min(attempt, 1);
    open();
  }

  function pageHidden() {
    hiddenSince = env.now();
  }

  function pageVisible() {
    const away = hiddenSince === null ? 0 : env.now() - hiddenSince;
    hiddenSince = null;
    if (!socket) wake();
    else if (away > RESYNC_AFTER_HIDDEN_MS && connected) resync().catch(() => {});
  }

  open();

  return {
    request,
    resync,
    close,
    wake,
    pageHidden,
    pageVisible,
    get lastSeq() {
      return lastSeq;
    },
    get connected() {
      return connected;
    },
  };
}
