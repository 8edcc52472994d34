// Moderator console: what each action sends, and how its reply and errors
// are reported. createActions() receives the page's state and helpers.
import { announce, textLength } from './dom.js';
import { changedFields, editorValues, fillEditor } from './moderator-editor.js';
import { screenQueue } from './moderator-queue.js';
import { movedOrder } from './moderator-screen.js';
import { REASONS } from './moderator-view.js';
import { can } from './store.js';

/**
 * ctx: {state, cards, t, notify, offer(decision, message), send(type, fields),
 * resync(), presence, upsert(q, opts), scheduleRender(), renderNow()}.
 * Returns the actions and handleError(err, {questionId, editId}).
 * Each decision's ok reply carries its audit row: offer() shows what
 * happened in a toast with an Undo button.
 */
export function createActions(ctx) {
  const { state, cards, t, notify, offer, presence, upsert, scheduleRender, renderNow } = ctx;
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

  /** Store what a reply carries: questions, the screen, the town hall. */
  function apply(reply) {
    if (reply.question) upsert(reply.question, { fromReply: true });
    if (reply.into) upsert(reply.into, { fromReply: true });
    if (reply.screen) state.screen = reply.screen.question || null;
    if (reply.townhall) state.townhall = { ...state.townhall, ...reply.townhall };
    scheduleRender();
  }

  async function run(id, type, fields, done, options = {}) {
    if (state.busy.has(id)) return null;
    state.busy.add(id);
    scheduleRender();
    try {
      const reply = await sock.request(type, fields);
      apply(reply);
      if (done) offer(reply.decision, typeof done === 'function' ? done(reply) : done);
      return reply;
    } catch (err) {
      handleError(err, { questionId: id, ...options });
      return null;
    } finally {
      state.busy.delete(id);
      scheduleRender();
    }
  }

  const fields = (q) => ({ question_id: q.id, version: q.version });
  const approve = (q) => run(q.id, 'question.approve', fields(q), t('toastApproved', { id: q.id }));
  const answered = (q) => run(q.id, 'question.answered', fields(q), t('toastAnswered', { id: q.id }));

  /** Rejected: approve after all; answered or merged: question.restore. */
  function restore(q) {
    if (can(q, 'question.restore')) return run(q.id, 'question.restore', fields(q), t('toastRestored', { id: q.id }));
    return run(q.id, 'question.approve', fields(q), t('toastRestored', { id: q.id }));
  }

  // The protocol lists screen.show with question_id only (no version).
  function show(q) {
    const previous = state.screen && state.screen.id !== q.id ? state.screen.id : null;
    // The question on screen goes back to the queue, not answered: say so.
    const message = previous === null
      ? t('toastShown', { id: q.id })
      : t('toastShownBack', { id: q.id, previous });
    return run(q.id, 'screen.show', { question_id: q.id }, message);
  }

  /** Pin or unpin: not a decision (no audit row, nothing to undo). */
  async function star(q) {
    const reply = await run(q.id, 'question.star', { question_id: q.id, starred: !q.starred });
    if (reply) announce(t(q.starred ? 'doneUnstarred' : 'doneStarred', { id: q.id }));
  }

  /** Set the topic of `q` ('' for none); `label` names it in the notice. */
  async function setTopic(q, topic, label) {
    if (q.topic === topic && q.topic_source === 'moderator') return;
    await run(q.id, 'question.topic', { question_id: q.id, topic }, t('doneTopic', { id: q.id, topic: label }));
  }

  async function reject(q) {
    const card = cards.get(q.id);
    const reason = card ? card.reasonSelect.value : '';
    if (!REASONS.includes(reason)) {
      notify(t('errorChooseReason'), 'warning');
      if (card) card.reasonSelect.focus();
      return;
    }
    const message = t('toastRejected', { id: q.id, reason: t.code('reason', reason, 'reasonOther') });
    const reply = await run(q.id, 'question.reject', { question_id: q.id, reason, version: q.version }, message);
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
      fillEditor(card, q);
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
    const values = editorValues(card);
    const text = values.text;
    const max = state.townhall.max_question_length;
    if (!text || (max && textLength(text) > max)) {
      notify(text ? t('errorToo_long', { max }) : t('errorEmptyEdit'), 'warning');
      card.editorText.focus();
      return;
    }
    // Only what changed is sent: name and place may be emptied ("").
    const changed = changedFields(q, values);
    if (!Object.keys(changed).length) {
      closeEditor(q.id);
      return;
    }
    const base = state.editing.get(q.id);
    const version = base === null || base === undefined ? q.version : base;
    const request = { question_id: q.id, ...changed, version };
    if (card.editorRedaction.checked) request.redaction = true;
    const reply = await run(q.id, 'question.edit', request, t('toastEdited', { id: q.id }), { editId: q.id });
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
    // A cancelled choice is forgotten: the next merge starts from no target.
    const card = cards.get(id);
    if (card) card.mergeSelect.value = '';
    renderNow();
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
    await mergeInto(q, into);
  }

  /** Merge `q` into question `into` (the picker, or `g` and its duplicate suggestion). */
  async function mergeInto(q, into) {
    const request = { question_id: q.id, into_id: into, version: q.version };
    const reply = await run(q.id, 'question.merge', request, t('doneMerged', { id: q.id, into }));
    if (reply) {
      state.merging.delete(q.id);
      const card = cards.get(q.id);
      if (card) card.mergeSelect.value = '';
    }
    return reply;
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
    const order = movedOrder(screenQueue(state.questions.values(), state.townhall.queue_order), id, delta);
    if (!order) return;
    // Moving by hand makes the queue manual (the server says so too).
    state.townhall = { ...state.townhall, queue_order: 'manual' };
    // Show the new order at once; the events that follow confirm it.
    order.forEach((qid, index) => {
      const q = state.questions.get(qid);
      state.positions.set(qid, index + 1);
      if (q) state.questions.set(qid, { ...q, position: index + 1 });
    });
    renderNow();
    try {
      const reply = await sock.request('screen.reorder', { question_ids: order });
      offer(reply.decision, t('toastMoved', { id, position: order.indexOf(id) + 1, count: order.length }));
    } catch (err) {
      handleError(err);
      if (!err || err.code !== 'conflict') sock.resync().catch(() => {});
    }
  }

  /** Back to "most votes first" after moves by hand. */
  async function sortByVotes() {
    try {
      const reply = await sock.request('screen.sort_by_votes', {});
      state.townhall = { ...state.townhall, queue_order: 'votes' };
      scheduleRender();
      offer(reply.decision, t('toastSorted'));
    } catch (err) {
      handleError(err);
    }
  }

  async function closeTownhall() {
    try {
      apply(await sock.request('townhall.close', {}));
      notify(t('toastClosed'), 'info');
    } catch (err) {
      handleError(err);
    }
  }

  return {
    handleError, apply, approve, restore, star, reject, show, answered, openEditor, closeEditor, saveEdit,
    openMerge, closeMerge, merge, mergeInto, reorder, sortByVotes, closeTownhall, setTopic,
  };
}
