// Moderator console: the score line of a card (bar, value, top label, model,
// per-label details), in the page language: "0,50" and "insulte" in French.
import { decimal, h, setText, showText, toggle } from './dom.js';
import { scoreOf } from './moderator-queue.js';

const DEFAULT_HOLD_THRESHOLD = 0.7;

/** A scorer label in the page language (data-label-<name>), or the name itself. */
export function labelName(t, name) {
  return t.code('label', name, null).replace(/_/g, ' ');
}

function topLabel(labels) {
  if (!labels || typeof labels !== 'object') return '';
  let best = '';
  let bestScore = -1;
  for (const [name, value] of Object.entries(labels)) {
    if (typeof value === 'number' && value > bestScore) {
      best = name;
      bestScore = value;
    }
  }
  return best;
}

/** Build the score line into card `c`; returns its root. */
export function buildScore(c, t) {
  c.scoreState = h('span', { class: 'tag', hidden: true, 'data-testid': 'score-state' });
  c.scoreFill = h('span', { class: 'score__fill' });
  c.scoreBar = h('span', { class: 'score__bar', 'aria-hidden': 'true' }, c.scoreFill);
  c.scoreValue = h('span', { class: 'score__value', 'data-testid': 'score-value' });
  c.scoreLabel = h('span', { class: 'score__label', 'data-testid': 'score-label' });
  c.scoreModel = h('span', { class: 'score__model', 'data-testid': 'score-model' });
  c.scoreNote = h('span', { class: 'score__note', hidden: true });
  c.labelList = h('dl', { class: 'score__labels', 'data-testid': 'score-labels' });
  c.labels = h(
    'details',
    { class: 'score__details', hidden: true },
    h('summary', { class: 'score__summary', title: t('labelsTitle') }, t('labelsToggle')),
    c.labelList,
  );
  c.score = h(
    'div',
    { class: 'score', 'data-testid': 'score' },
    h('span', { class: 'visually-hidden' }, t('scoreLabel')),
    c.scoreState,
    c.scoreBar,
    c.scoreValue,
    c.scoreLabel,
    c.scoreModel,
    c.labels,
    c.scoreNote,
  );
  return c.score;
}

/**
 * Bring the score line up to date. `pending` is the analysing state; a
 * `failed` question says plainly that nobody scored it, never a spinner.
 */
export function updateScore(c, q, holdThreshold, t) {
  const tox = q.toxicity || {};
  const score = scoreOf(q);
  const hasScore = score !== null;
  const failed = !hasScore && tox.status === 'failed';
  c.root.dataset.scored = hasScore ? 'scored' : failed ? 'failed' : 'pending';
  toggle(c.scoreBar, hasScore);
  toggle(c.scoreValue, hasScore);
  toggle(c.scoreLabel, hasScore);
  c.scoreState.className = `tag ${failed ? 'tag--failed' : 'tag--scoring'}`;
  showText(c.scoreState, hasScore ? '' : t(failed ? 'unscoredReadIt' : 'scoring'));
  const terms = Array.isArray(q.held_terms) ? q.held_terms : [];
  let note = '';
  if (failed) note = t('scoreFailedNote');
  else if (terms.length) note = t('heldTermsNote', { terms: terms.join(', ') });
  showText(c.scoreNote, note);
  showText(c.scoreModel, tox.model || '');
  c.scoreModel.title = tox.model || '';
  if (!hasScore) {
    toggle(c.labels, false);
    return;
  }
  const threshold = typeof holdThreshold === 'number' ? holdThreshold : DEFAULT_HOLD_THRESHOLD;
  let band = 'low';
  if (score >= threshold) band = 'high';
  else if (score >= Math.min(0.3, threshold / 2)) band = 'mid';
  c.score.dataset.band = band;
  // CSSOM, not a style attribute: allowed by the page's CSP.
  c.scoreFill.style.setProperty('--score', String(Math.max(0, Math.min(1, score))));
  setText(c.scoreValue, decimal(score));
  const top = topLabel(tox.labels);
  setText(c.scoreLabel, top ? labelName(t, top) : '');
  renderLabels(c, tox.labels, t);
}

function renderLabels(c, labels, t) {
  const entries = labels && typeof labels === 'object'
    ? Object.entries(labels).filter(([, v]) => typeof v === 'number').sort((a, b) => b[1] - a[1])
    : [];
  toggle(c.labels, entries.length > 0);
  const key = entries.map(([k, v]) => `${k}=${v}`).join('|');
  if (c.labelList.dataset.key === key) return;
  c.labelList.dataset.key = key;
  c.labelList.replaceChildren(
    ...entries.map(([name, value]) =>
      h('div', { class: 'score__labels-row' }, h('dt', {}, labelName(t, name)), h('dd', {}, decimal(value))),
    ),
  );
}
