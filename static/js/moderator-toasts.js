// Moderator console: the toasts that report what happened, and the undo
// they offer (decision.undo, docs/protocol.md). A toast with an Undo button
// stays 10 s, and the clock stops while the pointer or focus is on it.
import { byId, h } from './dom.js';

export const TOAST_MS = { info: 6000, undo: 10000, warning: 10000, error: 10000 };
const MAX_TOASTS = 3;

/**
 * A timer that can pause: `pause()` stops the clock, `resume()` restarts it
 * with the time left. Calls `done()` once when the time is up.
 */
const realClock = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle),
};

export function pausableTimer(ms, done, clock = realClock) {
  let left = ms;
  let started = clock.now();
  let handle = clock.set(done, left);
  return {
    pause() {
      if (handle === null) return;
      clock.clear(handle);
      handle = null;
      left = Math.max(0, left - (clock.now() - started));
    },
    resume() {
      if (handle !== null) return;
      started = clock.now();
      handle = clock.set(done, left);
    },
    stop() {
      if (handle !== null) clock.clear(handle);
      handle = null;
    },
  };
}

/**
 * Returns notify(message, kind, {undo}) for the page's toast area (a polite
 * live region, so each toast is read out). `undo()`, when given, is offered
 * as an "Undo" button; notify returns {remove(), undo()} for the toast.
 */
export function createNotifier(t) {
  const toasts = byId('toasts');
  return function notify(message, kind = 'info', { undo = null } = {}) {
    const close = h('button', { type: 'button', class: 'toast__close', 'aria-label': t('dismiss') }, '×');
    const undoButton = undo
      ? h('button', { type: 'button', class: 'btn btn--secondary btn--small toast__undo', 'data-testid': 'undo-button' }, t('undo'))
      : null;
    const toast = h(
      'div',
      { class: `toast toast--${kind}`, 'data-testid': `notice-${kind}` },
      h('p', { class: 'toast__text' }, message),
      undoButton,
      close,
    );
    let timer = null;
    const remove = () => {
      if (timer) timer.stop();
      const hadFocus = toast.contains(document.activeElement);
      toast.remove();
      if (hadFocus) byId('app').focus({ preventScroll: true });
    };
    const runUndo = () => {
      remove();
      if (undo) undo();
    };
    close.addEventListener('click', remove);
    if (undoButton) undoButton.addEventListener('click', runUndo);
    timer = pausableTimer(undo ? TOAST_MS.undo : TOAST_MS[kind] || TOAST_MS.info, remove);
    // Reading or reaching for the button stops the clock.
    toast.addEventListener('mouseenter', () => timer.pause());
    toast.addEventListener('mouseleave', () => {
      if (!toast.contains(document.activeElement)) timer.resume();
    });
    toast.addEventListener('focusin', () => timer.pause());
    toast.addEventListener('focusout', (event) => {
      if (!toast.contains(event.relatedTarget) && !toast.matches(':hover')) timer.resume();
    });
    toasts.append(toast);
    while (toasts.children.length > MAX_TOASTS) toasts.firstElementChild.remove();
    return { remove, undo: runUndo, get live() { return toast.isConnected; } };
  };
}

/**
 * Undo for the console. `offer(decision, message)` shows `message` with an
 * Undo button when the server sent the decision's row; `offerMany(decisions,
 * message)` does the same for a batch (one decision.undo per row);
 * `last()` undoes the newest decision still offered (the `u` key).
 * ctx: {t, notify, send, apply(reply), onError}.
 */
export function createUndo({ t, notify, send, apply, onError }) {
  let latest = null; // {id, toast}

  async function undo(id) {
    if (latest && latest.id === id) latest = null;
    try {
      const reply = await send('decision.undo', { decision_id: id });
      apply(reply);
      notify(t('undone'), 'info');
    } catch (err) {
      if (err && err.code === 'expired') notify(t('errorExpired'), 'warning');
      else onError(err);
    }
  }

  function offer(decision, message) {
    const id = decision && typeof decision.id === 'number' ? decision.id : null;
    // The server says which decisions can never be undone (a redaction).
    if (id === null || decision.undoable === false) {
      notify(message, 'info');
      return;
    }
    const toast = notify(message, 'info', { undo: () => undo(id) });
    latest = { id, toast };
  }

  // A batch is undone row by row: each undo is its own decision, and a row
  // that another moderator changed since is left as it is (and counted).
  async function undoMany(ids) {
    let expired = 0;
    for (const id of ids) {
      try {
        apply(await send('decision.undo', { decision_id: id }));
      } catch (err) {
        if (err && err.code === 'expired') expired += 1;
        else {
          onError(err);
          return;
        }
      }
    }
    notify(t('undone'), 'info');
    if (expired) notify(t('errorExpired'), 'warning');
  }

  function offerMany(decisions, message) {
    const ids = (decisions || []).filter((d) => d && typeof d.id === 'number').map((d) => d.id);
    if (!ids.length) {
      notify(message, 'info');
      return;
    }
    const toast = notify(message, 'info', { undo: () => undoMany(ids) });
    latest = { id: null, toast };
  }

  function last() {
    if (!latest || !latest.toast.live) {
      notify(t('nothingToUndo'), 'info');
      return;
    }
    latest.toast.undo();
  }

  return { offer, offerMany, last, undo };
}
