// Moderator console: the header (title, town hall status, scorer, connection,
// the close button) and the banner of a town hall that is not live.
import { byId, decimal, h, setText, toggle } from './dom.js';

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
    close: byId('townhall-close'),
    closedBanner: byId('closed-banner'),
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
      setText(els.heldHint, t('heldHint', { threshold: decimal(th.hold_threshold) }));
    }
    // Closing is offered while live; once closed, a banner says why the
    // screen and decision controls are off (townhall.updated keeps it live).
    toggle(els.close, status === 'live');
    toggle(els.closedBanner, Boolean(th.status) && status !== 'live');
    document.body.classList.toggle('is-townhall-closed', Boolean(th.status) && status !== 'live');
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
