// Moderator console: one confirmation dialog (a modal <dialog>) for the
// decisions that deserve a second look: closing the town hall, marking
// answered a question that is not on screen.
import { byId, setText } from './dom.js';

/**
 * Returns confirm({title, text, yes, danger}) -> Promise<boolean>: true when
 * the moderator confirmed. Escape, Cancel and closing the dialog say no.
 * Focus goes back where it was.
 */
export function createConfirm() {
  const dialog = byId('confirm-dialog');
  const title = byId('confirm-title');
  const text = byId('confirm-text');
  const yes = byId('confirm-yes');
  const no = byId('confirm-no');
  let settle = null;

  const finish = (answer) => {
    if (!settle) return;
    const done = settle;
    settle = null;
    if (dialog.open) dialog.close();
    done(answer);
  };
  yes.addEventListener('click', () => finish(true));
  no.addEventListener('click', () => finish(false));
  dialog.addEventListener('close', () => finish(false));
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    finish(false);
  });

  return function confirm({ title: heading, text: body, yes: label, danger = false }) {
    finish(false);
    const back = document.activeElement;
    setText(title, heading);
    setText(text, body);
    setText(yes, label);
    yes.className = `btn btn--small ${danger ? 'btn--danger' : 'btn--primary'}`;
    dialog.showModal();
    no.focus();
    return new Promise((resolve) => {
      settle = (answer) => {
        if (back && back.isConnected && typeof back.focus === 'function') back.focus({ preventScroll: true });
        resolve(answer);
      };
    });
  };
}
