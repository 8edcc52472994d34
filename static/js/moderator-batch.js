// Moderator console: batch approval of the low-score pending questions,
// behind an inline confirmation that states how many will be approved.
import { setText } from './dom.js';
import { laneOf, scoreOf } from './moderator-queue.js';
import { can } from './store.js';

const byId = (id) => document.getElementById(id);

/**
 * In the pending lane (not held), approvable, scored under `threshold`, and
 * not already being acted on.
 */
export function batchCandidates(questions, threshold, isBusy = () => false) {
  return [...questions].filter((q) => {
    const score = scoreOf(q);
    return laneOf(q) === 'pending' && can(q, 'question.approve') && score !== null && score < threshold && !isBusy(q.id);
  });
}

/**
 * Wire the batch form. `questions()` gives every question; `approveMany(items)`
 * sends question.approve_many and resolves with the ok frame; `store(q)` keeps
 * an approved question; `resync()` asks for a snapshot after refusals.
 */
export function bindBatch({ t, questions, isBusy, approveMany, store, notify, resync, onError, rerender }) {
  const candidates = (threshold) => batchCandidates(questions(), threshold, isBusy);
  const done = (reply) => {
    if (reply.none) {
      notify(t('batchNone', { threshold: reply.threshold }), 'info');
      return;
    }
    const approved = reply.approved || [];
    approved.forEach(store);
    notify(t.plural('batchDone', approved.length), 'info');
    const refused = reply.refused || [];
    if (refused.length) {
      // Usually conflicts: another moderator decided first. Name them, then catch up.
      notify(t('batchRefused', { ids: refused.map((r) => `#${r.question_id}`).join(', ') }), 'warning');
      resync().catch(() => {});
    }
    rerender();
  };
  const form = byId('batch-form');
  const threshold = byId('batch-threshold');
  const open = byId('batch-open');
  const panel = byId('batch-confirm');
  const text = byId('batch-confirm-text');
  const yes = byId('batch-confirm-yes');
  const no = byId('batch-confirm-no');
  let items = [];
  let sending = false;

  function close({ focus = true } = {}) {
    panel.hidden = true;
    items = [];
    if (focus) open.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = Number.parseFloat(String(threshold.value).replace(',', '.'));
    if (!Number.isFinite(value) || value <= 0 || value > 1) {
      threshold.setAttribute('aria-invalid', 'true');
      onError({ code: 'batch', message: t('batchBadThreshold') });
      threshold.focus();
      return;
    }
    threshold.removeAttribute('aria-invalid');
    const shown = value.toFixed(2);
    const chosen = candidates(value);
    if (!chosen.length) {
      done({ none: true, threshold: shown });
      return;
    }
    // Exactly what the confirmation states is what is sent, with these versions.
    items = chosen.map((q) => ({ question_id: q.id, version: q.version }));
    setText(text, t.plural('batchConfirm', items.length, { threshold: shown }));
    setText(yes, t.plural('batchYes', items.length));
    panel.hidden = false;
    yes.focus();
  });

  yes.addEventListener('click', async () => {
    if (sending || !items.length) return;
    sending = true;
    yes.disabled = true;
    const sent = items;
    close({ focus: false });
    try {
      done(await approveMany(sent));
    } catch (err) {
      onError(err);
    } finally {
      sending = false;
      yes.disabled = false;
      open.focus();
    }
  });
  no.addEventListener('click', () => close());
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
}
