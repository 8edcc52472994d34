// Moderator console: who else is in the console, and which question each one
// is editing. Degrades to nothing when the server sends no "presence" (a
// backend without the feature): the list stays hidden and nothing is sent.
import { setText, toggle } from './dom.js';

const PING_MS = 60000;

const firstName = (person) => String(person.name || person.username || '').trim().split(/\s+/)[0] || person.username;

/**
 * `send(type, fields)` sends a request (a promise); `me` is the signed-in
 * username, `you` the word that stands for it in the list. Returns {fromSnapshot, onEvent, editorOf, setEditing, render}.
 */
export function createPresence({ send, me, you }) {
  const box = document.getElementById('presence');
  const names = document.getElementById('presence-names');
  let people = null; // null: the server does not support presence
  let editing = null; // the question id this console last announced
  let timer = null;

  const quietly = (type, fields) =>
    send(type, fields).catch((err) => console.warn(`${type} failed`, err && err.code));

  function fromSnapshot(snapshot) {
    people = Array.isArray(snapshot.presence) ? snapshot.presence : null;
    if (people === null) {
      clearInterval(timer);
      timer = null;
      return;
    }
    if (!timer) timer = setInterval(() => quietly('presence.ping', {}), PING_MS);
    // A fresh socket has forgotten what this console was editing.
    if (editing !== null) quietly('question.editing', { question_id: editing });
  }

  /** Returns true when the event was a presence event. */
  function onEvent(event) {
    if (event.type !== 'presence.changed') return false;
    if (Array.isArray(event.presence)) people = event.presence;
    return true;
  }

  /** The first name of another moderator editing question `id`, or ''. */
  function editorOf(id) {
    if (!people) return '';
    const other = people.find((p) => p && p.editing === id && p.username !== me);
    return other ? firstName(other) : '';
  }

  function setEditing(id) {
    const value = typeof id === 'number' ? id : null;
    if (value === editing) return;
    editing = value;
    if (people !== null) quietly('question.editing', { question_id: value });
  }

  function render() {
    toggle(box, people !== null);
    if (people === null) return;
    const seen = new Set();
    const list = [];
    for (const p of people) {
      if (!p || seen.has(p.username)) continue;
      seen.add(p.username);
      list.push(p);
    }
    // Yourself first, as "you", so the list reads as who else is here.
    list.sort((a, b) => (b.username === me) - (a.username === me));
    setText(names, list.map((p) => (p.username === me ? you : firstName(p))).join(', '));
    names.title = list.map((p) => p.name || p.username).join(', ');
  }

  return { fromSnapshot, onEvent, editorOf, setEditing, render };
}
