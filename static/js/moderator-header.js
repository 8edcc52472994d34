// Moderator console: the header (title, town hall status, scorer, connection)
// and the toasts that report what happened.
import { byId, h, setText, toggle } from './dom.js';

const TOAST_MS = { info: 6000, warning: 10000, error: 10000 };

/** Returns notify(message, kind) for the page's toast area. */
export function createNotifier(t) {
  const toasts = byId('toasts');
  return function notify(message, kind = 'info') {
    const close = h('button', { type: 'button', class: 'toast__close', 'aria-label': t('dismiss') }, '×');
    const toast = h(
      'div',
      { class: `toast toast--${kind}`, 'data-testid': `notice-${kind}` },
      h('p', { class: 'toast__text' }, message),
      close,
    );
    const remove = () => toast.remove();
    close.addEventListener('click', remove);
    setTimeout(remove, TOAST_MS[kind] || TOAST_MS.info);
    toasts.append(toast);
    while (toasts.children.length > 4) toasts.firstElementChild.remove();
  };
}

/**
 * Returns {render(state), renderConnection(state)}: the header, and its
 * connection word with the fatal alert (page.js draws those only on change).
 */
export function createHeader(t) {
  const els = {
    title: byId('townhall-title'),
    status: byId('townhall-status'),
    connection: byId('connection'),
    connectionText: byId('connection-text'),
    scorerName: byId('scorer-name'),
    scorerStatus: byId('scorer-status'),
    fatal: byId('fatal'),
    screenUrl: byId('screen-url'),
    heldHint: byId('held-hint'),
  };
  function renderFatal(fatal) {
    toggle(els.fatal, Boolean(fatal));
    if (!fatal) return;
    const parts = [h('span', {}, t.code('fatal', fatal, 'errorGeneric'))];
    if (fatal === 'unauthorized') {
      const next = encodeURIComponent(location.pathname);
      parts.push(' ', h('a', { href: `/accounts/login/?next=${next}` }, t('login')));
    }
    els.fatal.replaceChildren(...parts);
  }

  function render(state) {
    const th = state.townhall;
    if (th.title) {
      setText(els.title, th.title);
      els.title.title = th.title;
    }
    const status = th.status || 'draft';
    setText(els.status, th.status ? t.code('townhall', status) : '');
    toggle(els.status, Boolean(th.status));
    els.status.dataset.state = status;

    const scorer = th.scorer || null;
    setText(els.scorerName, scorer && scorer.name ? scorer.name : '–');
    els.scorerStatus.dataset.state = scorer && scorer.status ? scorer.status : 'unknown';
    setText(els.scorerStatus, scorer && scorer.status ? t.code('scorer', scorer.status) : '');

    if (th.screen_url && els.screenUrl.value !== th.screen_url) els.screenUrl.value = th.screen_url;
    if (typeof th.hold_threshold === 'number') {
      setText(els.heldHint, t('heldHint', { threshold: th.hold_threshold.toFixed(2) }));
    }
  }

  function renderConnection(state) {
    els.connection.dataset.state = state.connection;
    const word = {
      connecting: t('connecting'),
      connected: t('connected'),
      reconnecting: t('reconnecting'),
      fatal: t('disconnected'),
    }[state.connection] || t('reconnecting');
    setText(els.connectionText, word);
    renderFatal(state.fatal);
  }

  return { render, renderConnection };
}
