// Moderator console: batch approval of the low-score pending questions,
// behind an inline confirmation that states how many will be approved.
import { decimal, setText } from './dom.js';
import { laneOf, scoreOf } from './moderator-queue.js';
import { can } from './store.js';

const byId = (id) => document.getElementById(id);

const hasPersonalData = (q) => Array.isArray(q.personal_data) && q.personal_data.length > 0;

/**
 * In the pending lane (not held), approvable, scored under `threshold`, and
 * not already being acted on. Returns {chosen, flagged}: `flagged` would
 * qualify but looks like it holds personal data, so it is left out (the
 * server refuses it too): a moderator reads and edits it first.
 */
export function batchCandidates(questions, threshold, isBusy = () => false) {
  const chosen = [];
  const flagged = [];
  for (const q of questions) {
    const score = scoreOf(q);
    if (laneOf(q) !== 'pending' || !can(q, 'question.approve') || score === null || score >= threshold || isBusy(q.id)) {
      continue;
    }
    (hasPersonalData(q) ? flagged : chosen).push(q);
  }
  return { chosen, flagged };
}

const ids = (list) => list.map((x) => `#${x.question_id ?? x.id}`).join(', ');

/**
 * Wire the batch form. `questions()` gives every question; `approveMany(items)`
 * sends question.approve_many and resolves with the ok frame; `store(q)` keeps
 * an approved question; `offerMany(decisions, message)` reports the batch with
 * an Undo; `resync()` asks for a snapshot after refusals.
 */
export function bindBatch({ t, questions, isBusy, approveMany, store, notify, offerMany, resync, onError, rerender }) {
  const candidates = (threshold) => batchCandidates(questions(), threshold, isBusy);
  const done = (reply) => {
    if (reply.none) {
      notify(t('batchNone', { threshold: reply.threshold }), 'info');
      if (reply.flagged.length) notify(t('batchLeftOut', { ids: ids(reply.flagged) }), 'warning');
      return;
    }
    const approved = reply.approved || [];
    approved.forEach(store);
    offerMany(reply.decisions, t.plural('batchDone', approved.length));
    const refused = reply.refused || [];
    const personal = refused.filter((r) => r.code === 'personal_data');
    const others = refused.filter((r) => r.code !== 'personal_data');
    if (personal.length) notify(t('batchLeftOut', { ids: ids(personal) }), 'warning');
    if (others.length) {
      // Usually conflicts: another moderator decided first. Name them, then catch up.
      notify(t('batchRefused', { ids: ids(others) }), 'warning');
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
    const shown = decimal(value);
    const { chosen, flagged } = candidates(value);
    if (!chosen.length) {
      done({ none: true, threshold: shown, flagged });
      return;
    }
    // Exactly what the confirmation states is what is sent, with these versions.
    items = chosen.map((q) => ({ question_id: q.id, version: q.version }));
    const leftOut = flagged.length ? ` ${t('batchLeftOut', { ids: ids(flagged) })}` : '';
    setText(text, t.plural('batchConfirm', items.length, { threshold: shown }) + leftOut);
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
  // The `b` key: the same as pressing "Approve…" with the threshold shown.
  return { open: () => form.requestSubmit() };
}
