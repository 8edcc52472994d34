// Moderator console: the "On screen now" box, its buttons (Next, Mark
// answered, Clear) and the order of the screen queue.
import { setText, toggle } from './dom.js';
import { can } from './store.js';

const byId = (id) => document.getElementById(id);

/**
 * The new order of `queue` (questions, in screen order) after moving question
 * `id` by `delta` (-1 up, +1 down), as ids; null when it cannot move.
 */
export function movedOrder(queue, id, delta) {
  const ids = queue.map((q) => q.id);
  const from = ids.indexOf(id);
  const to = from + delta;
  if (from === -1 || to < 0 || to >= ids.length) return null;
  ids.splice(from, 1);
  ids.splice(to, 0, id);
  return ids;
}

/** What a Next or Clear did, in words, from the question shown before and after. */
function screenMessage(t, type, before, after) {
  if (type === 'screen.clear') return t('doneCleared');
  if (before && after) return t('toastNext', { id: after.id, previous: before.id });
  if (before) return t('toastNextEmpty', { previous: before.id });
  return after ? t('toastShown', { id: after.id }) : t('doneCleared');
}

/**
 * Wire the screen box. `request(type, fields)` sends (resolves with the ok
 * frame), `onScreen(question|null)` stores a screen reply, `answered(q)` marks a
 * question answered, `onError(err)`, `offer(decision, message)` reports a
 * decision with its undo.
 * Returns render(shown, queued, closed) where `shown` is the on-screen question or null.
 */
export function bindScreen({ t, request, onScreen, answered, onError, offer }) {
  const els = {
    text: byId('now-text'),
    authorLine: byId('now-author-line'),
    author: byId('now-author'),
    empty: byId('now-empty'),
    next: byId('screen-next'),
    answered: byId('screen-answered'),
    clear: byId('screen-clear'),
  };
  let busy = false;
  let current = null;
  let waiting = 0;
  let closed = false;

  async function screenAction(type) {
    if (busy || closed) return;
    busy = true;
    paint();
    const before = current;
    try {
      const reply = await request(type, {});
      const after = reply.screen ? reply.screen.question || null : null;
      if (reply.screen) onScreen(after);
      offer(reply.decision, screenMessage(t, type, before, after));
    } catch (err) {
      onError(err);
    } finally {
      busy = false;
      paint();
    }
  }

  els.next.addEventListener('click', () => screenAction('screen.next'));
  els.clear.addEventListener('click', () => screenAction('screen.clear'));
  els.answered.addEventListener('click', async () => {
    if (!current || busy) return;
    busy = true;
    paint();
    try {
      await answered(current);
    } finally {
      busy = false;
      paint();
    }
  });

  function paint() {
    const shown = current;
    toggle(els.text, Boolean(shown));
    toggle(els.authorLine, Boolean(shown));
    toggle(els.empty, !shown);
    els.clear.disabled = !shown || busy || closed;
    els.answered.disabled = !shown || busy || closed || !can(shown, 'question.answered');
    // "Next" has something to do when a question is shown or one is waiting.
    els.next.disabled = busy || closed || (!shown && waiting === 0);
    if (!shown) return;
    setText(els.text, shown.text);
    // Exactly what the projector shows under the question: name and place.
    setText(els.author, [shown.author || t('anonymous'), shown.place].filter(Boolean).join(' · '));
    els.author.classList.toggle('is-anonymous', !shown.author);
  }

  /**
   * `shown`: the on-screen question or null; `queued`: approved questions
   * waiting; `isClosed`: the town hall is not live (the controls are off).
   */
  function render(shown, queued, isClosed = false) {
    current = shown;
    waiting = queued;
    closed = isClosed;
    paint();
  }
  return {
    render,
    next: () => (els.next.disabled ? false : (screenAction('screen.next'), true)),
    clear: () => (els.clear.disabled ? false : (screenAction('screen.clear'), true)),
  };
}

/** The screen link's "Copy link" button, with a fallback for plain http. */
export function bindCopyLink({ t, notify }) {
  const input = byId('screen-url');
  byId('copy-screen-url').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      notify(t('copied'), 'info');
    } catch {
      // Clipboard API missing (plain http) or refused: fall back to a selection.
      input.focus();
      input.select();
      let copied;
      try {
        copied = document.execCommand('copy');
      } catch {
        copied = false;
      }
      notify(copied ? t('copied') : t('copyFailed'), copied ? 'info' : 'warning');
    }
  });
  input.addEventListener('focus', () => input.select());
}
