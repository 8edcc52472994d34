// Keyboard shortcuts of the moderator console: which key means what.
// The page decides whether an action applies to the selected question.
import { isTypingTarget } from './dom.js';

const QUESTION_KEYS = { a: 'approve', r: 'reject', e: 'edit', s: 'show', x: 'answered', m: 'merge', p: 'star', g: 'mergeTop' };
const PAGE_KEYS = { n: 'next', c: 'clear', b: 'batch', u: 'undo', d: 'dense' };

/**
 * Listen for shortcuts on `target` (normally document). Keys typed into an
 * input, textarea or select are left alone, and so are keys with Ctrl/Meta
 * except Ctrl+Z (undo); Alt only combines with the arrows (reordering the
 * screen queue).
 *
 * handlers: onHelp(), onEscape() -> bool (true when it closed something),
 * onMove(+1 | -1), onGroup('pending' | 'approved'), onSearch(),
 * onReorder(-1 | +1), onQuestionKey(name) with name one of approve, reject,
 * edit, show, answered, merge, star, mergeTop (g: into the top duplicate
 * suggestion); onPageKey(name) with name one of next, clear, batch, undo,
 * dense; onTopicKey(digit) with digit 0-9 (the topic).
 */
export function bindShortcuts(target, handlers) {
  const { onHelp, onEscape, onMove, onGroup, onSearch, onReorder, onQuestionKey, onPageKey, onTopicKey } = handlers;
  target.addEventListener('keydown', (event) => {
    if (event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey) {
      if (event.key.toLowerCase() === 'z' && !event.altKey && !event.shiftKey && !isTypingTarget(event.target)) {
        event.preventDefault();
        onPageKey('undo');
      }
      return;
    }
    if (event.altKey) {
      if ((event.key === 'ArrowUp' || event.key === 'ArrowDown') && !isTypingTarget(event.target)) {
        event.preventDefault();
        onReorder(event.key === 'ArrowUp' ? -1 : 1);
      }
      return;
    }
    if (event.key === 'Escape') {
      if (onEscape()) event.preventDefault();
      return;
    }
    if (isTypingTarget(event.target)) return;
    // A key pressed on a button of a dialog or a toast is that button's.
    if (event.target instanceof Element && event.target.closest('dialog')) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    if (key === '?') onHelp();
    else if (key === '/') onSearch();
    else if (key === 'j' || key === 'k') onMove(key === 'j' ? 1 : -1);
    else if (key === 'h' || key === 'l') onGroup(key === 'h' ? 'pending' : 'approved');
    else if (key in QUESTION_KEYS) onQuestionKey(QUESTION_KEYS[key]);
    else if (key in PAGE_KEYS) onPageKey(PAGE_KEYS[key]);
    else if (/^[0-9]$/.test(key) && onTopicKey) onTopicKey(Number(key));
    else handled = false;
    if (handled) event.preventDefault();
  });
}
