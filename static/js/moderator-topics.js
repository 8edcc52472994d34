// Moderator console: topic labels. A chip on each card names the question's
// topic (suggested from its text on arrival, or set by a moderator); a digit
// key sets the selected question's topic: 1-9 the town hall's topics in
// order (docs/protocol.md, townhall.topics), 0 none.
import { h, setText } from './dom.js';

/** The words for topic `key` ('' is none). */
export function topicLabel(t, key) {
  return key ? t.code('topic', key) : t('topicNone');
}

/** The chip of card `c` (in its head). */
export function buildTopic(c) {
  c.topic = h('span', { class: 'tag tag--topic', 'data-testid': 'question-topic' });
  return c.topic;
}

/** Bring the chip of card `c` up to date with question `q`. */
export function updateTopic(c, q, t) {
  const key = q.topic || '';
  const label = topicLabel(t, key);
  setText(c.topic, label);
  c.topic.dataset.topic = key;
  c.topic.dataset.source = q.topic_source || '';
  c.topic.classList.toggle('is-none', !key);
  c.topic.classList.toggle('is-auto', q.topic_source !== 'moderator');
  c.topic.title = q.topic_source === 'moderator' ? t('topicModerator') : t('topicAuto');
  c.topic.setAttribute('aria-label', t('topicLabel', { topic: label }));
}

/** The help panel's list of topics with their keys. */
export function renderTopicLegend(list, topics, t) {
  const key = topics.join('|');
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(
    ...topics.map((topic, index) =>
      h('li', { class: 'topic-legend__item' }, h('kbd', { class: 'kbd' }, String(index + 1)), ' ', topicLabel(t, topic)),
    ),
    h('li', { class: 'topic-legend__item' }, h('kbd', { class: 'kbd' }, '0'), ' ', t('topicNone')),
  );
}

/**
 * The digit key's topic: `digit` 1-9 the n-th of `topics`, 0 none; `null`
 * when the town hall has no n-th topic.
 */
export function topicForDigit(topics, digit) {
  if (digit === 0) return '';
  return digit <= topics.length ? topics[digit - 1] : null;
}
