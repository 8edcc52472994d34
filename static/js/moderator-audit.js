// Moderator console: live counters and the audit panel (latest decisions).
import { clockTime, h, setText, toggle } from './dom.js';
import { topicLabel } from './moderator-topics.js';

const MAX_ROWS = 50;
const COUNTED = ['pending', 'approved', 'rejected', 'answered'];

/** Median of a list of numbers, or null when empty. */
export function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "42 s", "3 min 05 s", "1 h 12 min" from milliseconds. */
export function duration(ms, t) {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours) return t('durationHours', { h: hours, m: minutes });
  if (minutes) return t('durationMinutes', { m: minutes, s: String(seconds).padStart(2, '0') });
  return t('durationSeconds', { s: seconds });
}

/** Update the counters from all questions (not the filtered lanes). */
export function renderStats(questions, t) {
  const counts = Object.fromEntries(COUNTED.map((status) => [status, 0]));
  const waits = [];
  for (const q of questions) {
    if (q.status in counts) counts[q.status] += 1;
    const created = Date.parse(q.created_at || '');
    const decided = Date.parse(q.decided_at || '');
    if (!Number.isNaN(created) && !Number.isNaN(decided) && decided >= created) waits.push(decided - created);
  }
  for (const status of COUNTED) setText(document.getElementById(`stat-${status}`), String(counts[status]));
  const mid = median(waits);
  setText(document.getElementById('stat-median'), mid === null ? '–' : duration(mid, t));
}

/**
 * The audit panel. `questionText(id)` gives a question's current text (or '').
 * Returns {reset(decisions), add(decision), render()}.
 */
export function createAudit({ t, questionText }) {
  const list = document.getElementById('audit-list');
  const empty = document.getElementById('empty-audit');
  let rows = [];
  let renderedKey = null;

  const valid = (d) => d && typeof d === 'object' && typeof d.id === 'number';

  function reset(decisions) {
    rows = (Array.isArray(decisions) ? decisions : []).filter(valid).slice(0, MAX_ROWS);
  }

  function add(decision) {
    if (!valid(decision) || rows.some((d) => d.id === decision.id)) return;
    rows = [decision, ...rows].sort((a, b) => b.id - a.id).slice(0, MAX_ROWS);
  }

  function row(d) {
    const who = d.moderator && (d.moderator.name || d.moderator.username) ? d.moderator.name || d.moderator.username : '–';
    const parts = [h('span', { class: 'audit__who', 'data-testid': 'audit-who' }, who), ' ', t.code('action', d.action)];
    if (typeof d.question_id === 'number') {
      parts.push(' ', h('span', { class: 'audit__question', title: questionText(d.question_id) }, t('auditQuestion', { id: d.question_id })));
    }
    const meta = [h('time', { class: 'audit__time', datetime: d.created_at || '' }, clockTime(d.created_at))];
    // A slow_mode decision's reason is its seconds (0: off); a flood review's, accept or drop.
    if (d.action === 'slow_mode') meta.push(' · ', Number(d.reason) ? t('slowState', { seconds: d.reason }) : t('slowOff'));
    else if (d.action === 'topic') meta.push(' · ', topicLabel(t, d.reason));
    else if (d.reason) meta.push(' · ', t.code('reason', d.reason, 'reasonOther'));
    const text = typeof d.question_id === 'number' ? questionText(d.question_id) : '';
    return h(
      'li',
      { class: 'audit__row', dataset: { action: d.action || '' }, 'data-testid': 'audit-row' },
      h('p', { class: 'audit__line' }, ...parts),
      text ? h('p', { class: 'audit__text user-text', dir: 'auto' }, text) : null,
      h('p', { class: 'audit__meta' }, ...meta),
    );
  }

  function render() {
    const key = rows.map((d) => `${d.id}:${questionText(d.question_id)}`).join('|');
    if (key === renderedKey) return;
    renderedKey = key;
    list.replaceChildren(...rows.map(row));
    toggle(empty, rows.length === 0);
  }

  return { reset, add, render };
}
