// The moderator console's held-terms panel: one term per line, saved with
// townhall.held_terms (docs/protocol.md).
import { setText } from './dom.js';

const byId = (id) => document.getElementById(id);

/**
 * Wire the panel. `save(terms)` sends the request and resolves with the ok
 * frame; `t` reads the page's strings. Returns `show(terms)` for snapshots
 * and townhall.updated events.
 */
export function bindHeldTerms({ save, t, onError }) {
  const form = byId('held-terms-form');
  const text = byId('held-terms-text');
  const count = byId('count-held-terms');
  const status = byId('held-terms-status');
  if (!form || !text) return () => {};
  let dirty = false;

  text.addEventListener('input', () => {
    dirty = true;
    setText(status, '');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const terms = text.value.split('\n').map((line) => line.trim()).filter(Boolean);
    try {
      const reply = await save(terms);
      dirty = false;
      show(reply.townhall && reply.townhall.held_terms ? reply.townhall.held_terms : terms);
      setText(status, t('heldTermsSaved'));
    } catch (error) {
      onError(error);
    }
  });

  function show(terms) {
    const list = Array.isArray(terms) ? terms : [];
    setText(count, String(list.length));
    // Never overwrite what a moderator is typing.
    if (!dirty && document.activeElement !== text) text.value = list.join('\n');
  }
  return show;
}
