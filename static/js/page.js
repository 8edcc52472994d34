// What the three pages (citizen, moderator, screen) set up the same way:
// their strings, the town hall model, the socket with its snapshots, events
// and resyncs, the connection state, and a render loop that draws at most
// once per animation frame. Each page keeps only what is its own.
import { strings } from './dom.js';
import { connect } from './socket.js';
import { applyEvent, applySnapshot } from './store.js';

/**
 * Keep `q` unless it is older than the copy already held: a reply can cross
 * an event that already carried a newer version. Returns the kept question.
 */
export function newer(previous, q) {
  return previous && (previous.version ?? 0) > (q.version ?? 0) ? previous : q;
}

/**
 * Set up the page whose root is `#app` (it carries `data-ws-path`).
 *
 * @param {object} options
 * @param {object} options.state  the page's state; gets townhall, questions,
 *        screen, connection ('connecting' | 'connected' | 'reconnecting' |
 *        'fatal') and fatal (null or the reason of a final refusal)
 * @param {() => void} options.render  draws the page from the state
 * @param {(q: object, previous: object|undefined, how: {fromReply: boolean}) => object} [options.keep]
 *        the question to store for `q` (the moderator keeps a reorder not answered yet)
 * @param {(snapshot: object, before: Map) => void} [options.onSnapshot]  after a snapshot is applied
 *        (`before`: the questions held until then)
 * @param {(event: object) => boolean} [options.onOwnEvent]  events the store does not know
 *        (presence); return true to redraw
 * @param {(event: object, before: {screenId: number|null}) => void} [options.onEvent]  after the store applied an event
 * @param {(status: object, before: string) => void} [options.onStatus]  after the connection state
 *        changed (`before`: the previous state)
 * @param {(state: object) => void} [options.renderConnection]  draws the connection indicator;
 *        called from render only when the connection state or the refusal changed, since it is
 *        a live region and rewriting the same words would make screen readers repeat them
 */
export function createPage({ state, render, keep, onSnapshot, onOwnEvent, onEvent, onStatus, renderConnection }) {
  const app = document.getElementById('app');
  const t = strings();
  Object.assign(state, {
    townhall: state.townhall || {},
    questions: new Map(),
    screen: null,
    connection: 'connecting',
    fatal: null,
  });
  let sock = null;

  /** Store a question from an event or a reply (`fromReply`: never over a newer version). */
  function upsert(q, { fromReply = false } = {}) {
    if (!q || typeof q.id !== 'number') return;
    const previous = state.questions.get(q.id);
    if (fromReply && newer(previous, q) !== q) return;
    state.questions.set(q.id, keep ? keep(q, previous, { fromReply }) : q);
  }

  let drawnConnection = null;
  function renderNow() {
    renderQueued = false;
    const key = `${state.connection}:${state.fatal}`;
    if (renderConnection && key !== drawnConnection) {
      drawnConnection = key;
      renderConnection(state);
    }
    render();
  }

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      if (renderQueued) renderNow();
    });
  }

  function snapshotReceived(snapshot) {
    const before = state.questions;
    applySnapshot(state, snapshot);
    if (onSnapshot) onSnapshot(snapshot, before);
    scheduleRender();
  }

  function eventReceived(event) {
    if (onOwnEvent && onOwnEvent(event)) {
      scheduleRender();
      return;
    }
    const before = { screenId: state.screen ? state.screen.id : null };
    if (!applyEvent(state, event, upsert)) return;
    if (onEvent) onEvent(event, before);
    scheduleRender();
  }

  function statusReceived(status) {
    const before = state.connection;
    if (status.state === 'fatal') {
      state.fatal = status.reason;
      state.connection = 'fatal';
    } else {
      state.connection = status.state;
    }
    if (onStatus) onStatus(status, before);
    scheduleRender();
  }

  /** Send a request (see socket.js); before start() it fails like a lost connection. */
  function request(type, fields) {
    if (!sock) return Promise.reject({ type: 'error', id: null, code: 'network', message: 'network', local: true });
    return sock.request(type, fields);
  }

  return {
    t,
    app,
    state,
    upsert,
    request,
    resync: () => request('resync'),
    scheduleRender,
    renderNow,
    /** True while the socket is open and has had its snapshot. */
    get connected() {
      return Boolean(sock && sock.connected);
    },
    /** Draw once and open the socket: call it last, once the page is wired. */
    start() {
      renderNow();
      sock = connect({
        path: app.dataset.wsPath,
        onSnapshot: snapshotReceived,
        onEvent: eventReceived,
        onStatus: statusReceived,
      });
    },
  };
}
