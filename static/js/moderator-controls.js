// Moderator console: the page-wide controls around the lanes: dense mode
// (remembered in this browser), the screen queue's "Sort by votes", and
// closing the town hall (behind a confirmation).
import { byId, setText, toggle } from './dom.js';

const DENSE_KEY = 'townhall.console.dense';

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the default applies
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage disabled or full: the choice lasts until the page is reloaded.
  }
}

/** The dense-mode button. Returns {toggle()} (the `d` key). */
export function bindDense({ t, announce, onChange }) {
  const button = byId('dense-toggle');
  const apply = (on) => {
    document.body.classList.toggle('is-dense', on);
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  apply(stored(DENSE_KEY) === '1');
  const flip = () => {
    const on = !document.body.classList.contains('is-dense');
    apply(on);
    store(DENSE_KEY, on ? '1' : '0');
    announce(t(on ? 'denseOn' : 'denseOff'));
    onChange();
  };
  button.addEventListener('click', flip);
  return { toggle: flip };
}

/**
 * The screen queue's order line: "most votes first", or "moved by hand"
 * with a "Sort by votes" button. Returns render(queueOrder).
 */
export function bindQueueOrder({ t, sortByVotes }) {
  const hint = byId('approved-hint');
  const button = byId('queue-sort-votes');
  button.addEventListener('click', () => sortByVotes());
  return function render(order) {
    const manual = order === 'manual';
    setText(hint, t(manual ? 'queueManual' : 'queueVotes'));
    toggle(button, manual);
  };
}

/** The header's close button: asks, then closes (townhall.close). */
export function bindClose({ t, confirm, close, title }) {
  byId('townhall-close').addEventListener('click', async () => {
    const yes = await confirm({
      title: t('closeTitle'),
      text: t('closeText', { title: title() }),
      yes: t('closeYes'),
      danger: true,
    });
    if (yes) await close();
  });
}
