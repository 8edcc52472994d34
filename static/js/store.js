// The page's model of a town hall, fed by the snapshot and the events of
// docs/protocol.md. Shared by the citizen, moderator and screen pages.

const isQuestion = (q) => Boolean(q) && typeof q.id === 'number';

/**
 * May this page send request `type` (e.g. 'question.approve') for question
 * `q` now? The server says so in `q.actions`, derived from its transition
 * table; the pages never re-encode which status allows what. A question
 * without `actions` (the screen's, or an older server's) allows nothing.
 */
export function can(q, type) {
  return Boolean(q) && Array.isArray(q.actions) && q.actions.includes(type);
}

/** Replace the model's content with a snapshot frame. */
export function applySnapshot(state, snapshot) {
  state.townhall = { ...state.townhall, ...(snapshot.townhall || {}) };
  state.questions = new Map();
  for (const q of snapshot.questions || []) {
    if (isQuestion(q)) state.questions.set(q.id, q);
  }
  state.screen = snapshot.screen && snapshot.screen.question ? snapshot.screen.question : null;
}

/**
 * Apply one event. `upsert(question)` stores a question (pages may refuse
 * stale versions). Returns false for an event type the protocol does not know.
 */
export function applyEvent(state, event, upsert = (q) => state.questions.set(q.id, q)) {
  switch (event.type) {
    case 'question.created':
    case 'question.scored':
    case 'question.updated':
      if (isQuestion(event.question)) upsert(event.question);
      return true;
    case 'question.removed':
      state.questions.delete(event.question_id);
      return true;
    case 'screen.changed':
      state.screen = event.question || null;
      return true;
    case 'townhall.updated':
      state.townhall = { ...state.townhall, ...(event.townhall || {}) };
      return true;
    case 'question.votes':
      // Coalesced counts (latest wins); ids this page does not hold are ignored.
      for (const item of Array.isArray(event.votes) ? event.votes : []) {
        if (!item || typeof item.id !== 'number' || typeof item.votes !== 'number') continue;
        const held = state.questions.get(item.id);
        if (held) state.questions.set(item.id, { ...held, votes: item.votes });
        if (state.screen && state.screen.id === item.id) state.screen = { ...state.screen, votes: item.votes };
      }
      return true;
    default:
      return false;
  }
}
