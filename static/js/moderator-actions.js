// Moderator console: what each action sends, and how its reply and errors
// are reported. createActions() receives the page's state and helpers.
import { announce, textLength } from './dom.js';
import { screenQueue } from './moderator-queue.js';
import { movedOrder } from './moderator-screen.js';
import { REASONS } from './moderator-view.js';

/**
 * ctx: {state, cards, t, notify, send(type, fields), resync(), presence,
 * upsert(q, opts), scheduleRender(), renderNow()}. Returns the actions and
 * handleError(err, {questionId, editId}).
 */
export function createActions(ctx) {
  const { state, cards, t, notify, presence, upsert, scheduleRender, renderNow } = ctx;
  const sock = { request: (type, fields) => ctx.send(type, fields), resync: () => ctx.resync() };

  function handleError(err, { questionId = null, editId = null } = {}) {
    const code = err && err.code ? err.code : 'generic';
    if (code === 'batch') {
      notify(err.message, 'warning');
      return;
    }
    if (code === 'conflict') {
      notify(questionId === null ? t('errorConflict') : t('errorConflictQuestion', { id: questionId }), 'warning');
      // The next save of an open editor goes against the version just fetched.
      if (editId !== null && state.editing.has(editId)) state.editing.set(editId, null);
      sock.resync().catch(() => {});
      return;
    }
    const max = state.townhall.max_question_length || '';
    notify(t.code('error', code, 'errorGeneric', { max }), 'error');
  }

  async function run(id, type, fields, done, options = {}) {
    if (state.busy.has(id)) return null;
    state.busy.add(id);
    scheduleRender();
    try {
      const reply = await sock.request(type, fields);
      if (reply.question) upsert(reply.question, { fromReply: true });
      if (reply.into) upsert(reply.into, { fromReply: true });
      if (reply.screen) state.screen = reply.screen.question || null;
      if (done) announce(done);
      return reply;
    } catch (err) {
      handleError(err, { questionId: id, ...options });
      return null;
    } finally {
      state.busy.delete(id);
      scheduleRender();
    }
  }

  const approve = (q) => run(q.id, 'question.approve', { question_id: q.id, version: q.version }, t('doneApproved'));
  // The protocol lists screen.show with question_id only (no version).
  const show = (q) => run(q.id, 'screen.show', { question_id: q.id }, t('doneShown'));
  const answered = (q) => run(q.id, 'question.answered', { question_id: q.id, version: q.version }, t('doneAnswered'));

  async function reject(q) {
    const card = cards.get(q.id);
    const reason = card ? card.reasonSelect.value : '';
    if (!REASONS.includes(reason)) {
      notify(t('errorChooseReason'), 'warning');
      if (card) card.reasonSelect.focus();
      return;
    }
    const reply = await run(q.id, 'question.reject', { question_id: q.id, reason, version: q.version }, t('doneRejected'));
    if (reply && card) card.reasonSelect.value = '';
  }

  function syncPresence() {
    const open = [...state.editing.keys()];
    presence.setEditing(open.length ? open[open.length - 1] : null);
  }

  function openEditor(q) {
    const card = cards.get(q.id);
    if (!card) return;
    const other = presence.editorOf(q.id);
    if (other) {
      notify(t('beingEdited', { name: other }), 'info');
      return;
    }
    if (!state.editing.has(q.id)) {
      state.editing.set(q.id, q.version);
      card.editorText.value = q.text;
    }
    syncPresence();
    renderNow();
    card.editorText.focus();
    card.editorText.setSelectionRange(card.editorText.value.length, card.editorText.value.length);
  }

  function closeEditor(id, { focusCard = true } = {}) {
    state.editing.delete(id);
    syncPresence();
    renderNow();
    const card = cards.get(id);
    if (card && focusCard && card.root.isConnected) card.edit.focus();
  }

  async function saveEdit(q) {
    const card = cards.get(q.id);
    if (!card) return;
    const text = card.editorText.value.trim();
    const max = state.townhall.max_question_length;
    if (!text || (max && textLength(text) > max)) {
      notify(text ? t('errorToo_long', { max }) : t('errorEmptyEdit'), 'warning');
      card.editorText.focus();
      return;
    }
    if (text === q.text) {
      closeEditor(q.id);
      return;
    }
    const base = state.editing.get(q.id);
    const version = base === null || base === undefined ? q.version : base;
    const reply = await run(q.id, 'question.edit', { question_id: q.id, text, version }, t('doneEdited'), { editId: q.id });
    if (reply) closeEditor(q.id);
  }

  function openMerge(q) {
    state.merging.add(q.id);
    renderNow();
    const card = cards.get(q.id);
    if (card) card.mergeSelect.focus();
  }

  function closeMerge(id) {
    state.merging.delete(id);
    renderNow();
    const card = cards.get(id);
    if (card && card.root.isConnected) card.merge.focus();
  }

  async function merge(q) {
    const card = cards.get(q.id);
    const into = card ? Number(card.mergeSelect.value) : 0;
    if (!into) {
      notify(t('errorChooseTarget'), 'warning');
      if (card) card.mergeSelect.focus();
      return;
    }
    const fields = { question_id: q.id, into_id: into, version: q.version };
    const reply = await run(q.id, 'question.merge', fields, t('doneMerged', { id: q.id, into }));
    if (reply) state.merging.delete(q.id);
  }

  // Moves run one after another, each from the order the previous one left,
  // so pressing Alt+ArrowUp twice quickly moves the question two places.
  // Until the last one is answered, events of the earlier ones must not undo
  // the order on screen: state.positions holds the positions we asked for.
  let reorders = Promise.resolve();
  let inFlight = 0;
  function reorder(id, delta) {
    inFlight += 1;
    reorders = reorders.then(() => reorderNow(id, delta)).finally(() => {
      inFlight -= 1;
      if (!inFlight) state.positions.clear();
    });
    return reorders;
  }

  async function reorderNow(id, delta) {
    const order = movedOrder(screenQueue(state.questions.values()), id, delta);
    if (!order) return;
    // Show the new order at once; the events that follow confirm it.
    order.forEach((qid, index) => {
      const q = state.questions.get(qid);
      state.positions.set(qid, index + 1);
      if (q) state.questions.set(qid, { ...q, position: index + 1 });
    });
    renderNow();
    try {
      await sock.request('screen.reorder', { question_ids: order });
      announce(t('doneMoved', { position: order.indexOf(id) + 1, count: order.length }));
    } catch (err) {
      handleError(err);
      if (!err || err.code !== 'conflict') sock.resync().catch(() => {});
    }
  }

  return {
    handleError, approve, reject, show, answered, openEditor, closeEditor, saveEdit,
    openMerge, closeMerge, merge, reorder,
  };
}
