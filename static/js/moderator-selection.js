// Moderator console: the selected card, walked with j/k and h/l.
//
// Until the moderator picks a card (j/k, a click, focus), the selection is
// the TOP card of the pending lanes, whatever arrives or gets scored: the
// first `j` starts there. Once picked, the selection follows its question
// while it stays in its group of lanes; when the question leaves (approved,
// rejected, removed), the selection stays at the same position, so
// approving with "a" moves on to the next question.
import { announce } from './dom.js';
import { groupOf, laneOf } from './moderator-queue.js';

/**
 * ctx: {state, cards, t}; state.lanes holds the lanes as drawn and
 * state.selection {id, group, index, picked}. Returns {groupItems,
 * reconcile() -> moved, select(id, {focus}), move(delta), switchGroup(group), focusCard(id)}.
 */
export function createSelection({ state, cards, t }) {
  /** The questions j/k walk through for a group: both pending lanes count as one. */
  function groupItems(group) {
    if (group === 'pending') return [...state.lanes.pending, ...state.lanes.held];
    return state.lanes[group] || [];
  }

  function reconcile() {
    const sel = state.selection;
    const items = groupItems(sel.group);
    const q = sel.id !== null ? state.questions.get(sel.id) : null;
    let moved = false;
    const index = q ? items.findIndex((x) => x.id === q.id) : -1;
    if (sel.picked && q && groupOf(laneOf(q)) === sel.group && index !== -1) {
      sel.index = index;
    } else if (items.length) {
      sel.index = sel.picked ? Math.min(Math.max(sel.index, 0), items.length - 1) : 0;
      moved = sel.id !== items[sel.index].id;
      sel.id = items[sel.index].id;
    } else {
      moved = sel.id !== null;
      sel.id = null;
      sel.index = 0;
    }
    for (const c of cards.values()) {
      const selected = c.id === sel.id;
      c.root.classList.toggle('is-selected', selected);
      c.root.setAttribute('tabindex', selected ? '0' : '-1');
      if (selected) c.root.setAttribute('aria-current', 'true');
      else c.root.removeAttribute('aria-current');
    }
    return moved;
  }

  function focusCard(id) {
    const c = cards.get(id);
    if (!c) return;
    c.root.focus({ preventScroll: true });
    c.root.scrollIntoView({ block: 'nearest' });
  }

  function select(id, { focus = false } = {}) {
    const q = state.questions.get(id);
    if (!q) return;
    const group = groupOf(laneOf(q));
    state.selection = { id, group, index: groupItems(group).findIndex((x) => x.id === id), picked: true };
    reconcile();
    if (focus) focusCard(id);
  }

  function move(delta) {
    const items = groupItems(state.selection.group);
    if (!items.length) {
      announce(t('nothingSelected'));
      return;
    }
    let index = items.findIndex((x) => x.id === state.selection.id);
    const current = index === -1 ? null : cards.get(items[index].id);
    // The first j/k after working elsewhere takes you to the highlighted card
    // (the top one, until a card was picked); from a card, it moves on.
    const onCard = current && current.root.contains(document.activeElement);
    if (index === -1) index = 0;
    else if (onCard) index = Math.min(items.length - 1, Math.max(0, index + delta));
    select(items[index].id, { focus: true });
  }

  function switchGroup(group) {
    const items = groupItems(group);
    if (!items.length) {
      state.selection = { id: null, group, index: 0, picked: true };
      reconcile();
      announce(t('nothingSelected'));
      return;
    }
    const index = Math.min(state.selection.group === group ? state.selection.index : 0, items.length - 1);
    select(items[Math.max(0, index)].id, { focus: true });
  }

  return { groupItems, reconcile, select, move, switchGroup, focusCard };
}
