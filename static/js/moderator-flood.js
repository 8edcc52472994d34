// Moderator console: flood control. Pause new questions, slow mode, and the
// flood alerts (a jump in questions, votes or new sessions) with the review
// of the votes a burst of new sessions holds (townhall.pause,
// townhall.slow_mode, flood.review: docs/protocol.md).
import { byId, h, placeChildren, setText, toggle } from './dom.js';

/**
 * Returns {render(townhall), fromSnapshot(snapshot), onEvent(event) -> bool}.
 * `send(type, fields)` is the page's request; `apply(reply)` stores a reply.
 */
export function bindFlood({ t, send, apply, notify, announce, onError }) {
  const els = {
    pause: byId('flood-pause'),
    slow: byId('flood-slow'),
    state: byId('flood-state'),
    alerts: byId('flood-alerts'),
  };
  const alerts = new Map(); // open alerts by id

  async function act(type, fields, message) {
    try {
      const reply = await send(type, fields);
      apply(reply);
      if (message) announce(message(reply));
      return reply;
    } catch (err) {
      onError(err);
      return null;
    }
  }

  let paused = false;
  els.pause.addEventListener('click', () =>
    act('townhall.pause', { paused: !paused }, (reply) => t(reply.townhall.questions_paused ? 'pausedOn' : 'pausedOff')),
  );
  els.slow.addEventListener('change', () => {
    const seconds = Number(els.slow.value);
    act('townhall.slow_mode', { seconds }, () => (seconds ? t('slowOn', { seconds }) : t('slowOff')));
  });

  function alertCard(alert) {
    const text = t.code('floodKind', alert.kind, 'floodKindQuestions', {
      count: alert.count,
      seconds: alert.window_seconds,
      baseline: Math.round(alert.baseline),
    });
    const children = [h('p', { class: 'flood-alert__text' }, text)];
    if (alert.kind === 'sessions') {
      children.push(h('p', { class: 'flood-alert__held' }, t('floodHeldVotes', { count: alert.held_votes })));
      const review = (accept) => async () => {
        const reply = await act('flood.review', { alert_id: alert.id, accept });
        if (reply) {
          alerts.delete(alert.id);
          notify(t(accept ? 'floodAccepted' : 'floodDropped'), 'info');
          draw();
        }
      };
      const accept = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'data-testid': 'flood-accept' }, t('floodAccept'));
      const drop = h('button', { type: 'button', class: 'btn btn--warning btn--small', 'data-testid': 'flood-drop' }, t('floodDrop'));
      accept.addEventListener('click', review(true));
      drop.addEventListener('click', review(false));
      children.push(h('p', { class: 'flood-alert__actions' }, accept, drop));
    } else {
      const dismiss = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'data-testid': 'flood-dismiss' }, t('floodDismiss'));
      dismiss.addEventListener('click', () => {
        alerts.delete(alert.id);
        draw();
      });
      children.push(h('p', { class: 'flood-alert__actions' }, dismiss));
    }
    return h('div', { class: 'flood-alert', role: 'alert', 'data-testid': `flood-alert-${alert.kind}` }, ...children);
  }

  function draw() {
    placeChildren(els.alerts, [...alerts.values()].map(alertCard));
    toggle(els.alerts, alerts.size > 0);
  }

  return {
    render(townhall) {
      paused = Boolean(townhall.questions_paused);
      els.pause.setAttribute('aria-pressed', paused ? 'true' : 'false');
      setText(els.pause, t(paused ? 'pauseResume' : 'pausePause'));
      const seconds = String(townhall.slow_mode || 0);
      if (els.slow.value !== seconds) {
        if (![...els.slow.options].some((o) => o.value === seconds)) {
          els.slow.append(h('option', { value: seconds }, t('slowSeconds', { seconds })));
        }
        els.slow.value = seconds;
      }
      const parts = [];
      if (paused) parts.push(t('pausedState'));
      if (townhall.slow_mode) parts.push(t('slowState', { seconds: townhall.slow_mode }));
      setText(els.state, parts.join(' · '));
      toggle(els.state, parts.length > 0);
    },
    fromSnapshot(snapshot) {
      alerts.clear();
      for (const alert of snapshot.flood_alerts || []) alerts.set(alert.id, alert);
      draw();
    },
    onEvent(event) {
      if (event.type !== 'flood.alert') return false;
      const alert = event.alert;
      if (alert.status === 'open') {
        if (!alerts.has(alert.id)) announce(t.code('floodKind', alert.kind, 'floodKindQuestions', {
          count: alert.count, seconds: alert.window_seconds, baseline: Math.round(alert.baseline),
        }));
        alerts.set(alert.id, alert);
      } else {
        alerts.delete(alert.id);
      }
      draw();
      return true;
    },
  };
}
