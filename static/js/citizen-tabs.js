// Citizen page: the Popular / Recent / Mine tabs over the list (the ARIA
// tabs pattern: arrow keys move between tabs), the search field and the
// "Show more" button. What each tab lists: citizen-lists.js.
import { PAGE_SIZE, TABS } from './citizen-lists.js';
import { byId, setText, toggle } from './dom.js';

/**
 * `onChange()` redraws the list. Returns {current, select, showMore, showCount}.
 */
export function createTabs({ t, onChange }) {
  const buttons = TABS.map((tab) => byId(`tab-${tab}`));
  const panel = byId('question-panel');
  const search = byId('question-search');
  const more = byId('show-more');
  const status = byId('search-status');
  const view = { tab: 'popular', query: '', limit: PAGE_SIZE };
  let said = null;

  function select(tab, { focus = false } = {}) {
    if (!TABS.includes(tab)) return;
    const changed = tab !== view.tab;
    view.tab = tab;
    if (changed) view.limit = PAGE_SIZE;
    for (const button of buttons) {
      const selected = button.dataset.tab === tab;
      button.setAttribute('aria-selected', selected ? 'true' : 'false');
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    if (changed) onChange();
  }

  function onKey(event) {
    const index = buttons.indexOf(event.currentTarget);
    const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: buttons.length - 1 - index };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (index + moves[event.key] + buttons.length) % buttons.length;
    select(buttons[next].dataset.tab, { focus: true });
  }

  for (const button of buttons) {
    button.addEventListener('click', () => select(button.dataset.tab));
    button.addEventListener('keydown', onKey);
  }
  search.addEventListener('input', () => {
    view.query = search.value;
    view.limit = PAGE_SIZE;
    onChange();
  });
  more.addEventListener('click', () => {
    view.limit += PAGE_SIZE;
    onChange();
  });

  return {
    current: () => ({ ...view }),
    select,
    /** "Show 20 more" while `remaining` questions are not shown. */
    showMore(remaining) {
      toggle(more, remaining > 0);
      if (remaining > 0) setText(more, t.plural('showMore', Math.min(remaining, PAGE_SIZE)));
    },
    /** Tell screen readers how many questions match the search (null: no search). */
    showCount(count) {
      const text = count === null ? '' : t.plural('searchCount', count);
      if (text === said) return;
      said = text;
      setText(status, text);
    },
  };
}
