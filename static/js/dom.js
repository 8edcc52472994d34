// Small DOM helpers shared by the three pages.
//
// Citizen text is hostile: everything here builds nodes with createElement and
// textContent. There is deliberately no helper that accepts HTML.

/**
 * Create an element. `attrs` values: strings/numbers become attributes,
 * `true` sets a boolean attribute, `false`/null/undefined are skipped.
 * `class` and `dataset` are handled specially. Children are nodes or strings
 * (strings become text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'style' || name.toLowerCase().startsWith('on')) {
      throw new Error(`h(): refusing attribute ${name}`);
    }
    if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'class') {
      el.className = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The element with this id (null when missing). */
export function byId(id) {
  return document.getElementById(id);
}

/** Replace the content of `el` with plain text. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Show `text` in `el`, or hide it and empty it when `text` is falsy, so that
 * hidden badges leave no stray words behind (for text search and tests).
 */
export function showText(el, text) {
  setText(el, text || '');
  toggle(el, Boolean(text));
}

/** Show or hide an element with the `hidden` attribute. */
export function toggle(el, visible) {
  if (el.hidden === visible) el.hidden = !visible;
}

/**
 * Strings rendered by the template into data attributes of a hidden element
 * (`<div id="i18n" hidden data-status-pending="In review">`). Returns
 * `t(key, vars)`: key in camelCase (dataset form), `{name}` placeholders
 * replaced by vars. A missing key returns the key itself, so a forgotten
 * string is visible rather than silently empty.
 */
export function strings(id = 'i18n') {
  const source = document.getElementById(id);
  const table = source ? { ...source.dataset } : {};
  const lang = document.documentElement.lang || 'en';
  let rules;
  try {
    rules = new Intl.PluralRules(lang);
  } catch {
    rules = new Intl.PluralRules('en');
  }
  function t(key, vars = {}) {
    const template = table[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
  }
  /** Plural: looks up `${key}One` / `${key}Other` (CLDR category, capitalised). */
  t.plural = (key, count, vars = {}) => {
    const category = rules.select(count);
    const suffix = category.charAt(0).toUpperCase() + category.slice(1);
    const chosen = `${key}${suffix}` in table ? `${key}${suffix}` : `${key}Other`;
    return t(chosen, { count, ...vars });
  };
  t.has = (key) => key in table;
  /**
   * Word for a protocol code: t.code('status', 'pending') reads
   * data-status-pending, t.code('reason', 'off_topic') reads
   * data-reason-off_topic. Falls back to `fallbackKey` for unknown codes.
   */
  t.code = (prefix, code, fallbackKey, vars = {}) => {
    const key = prefix + String(code).charAt(0).toUpperCase() + String(code).slice(1);
    if (key in table) return t(key, vars);
    return fallbackKey ? t(fallbackKey, vars) : String(code);
  };
  return t;
}

let announceTimer = null;

/**
 * Say something through the page's polite live region (#live-region).
 * The region is emptied first so that the same message is announced again.
 */
export function announce(text) {
  const region = document.getElementById('live-region');
  if (!region) return;
  region.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = text;
  }, 60);
}

/**
 * Put `elements` into `list` in this order, moving existing nodes instead of
 * recreating them (keeps focus, open editors and chosen <select> values), and
 * removing children that are not wanted.
 */
export function placeChildren(list, elements) {
  const wanted = new Set(elements);
  for (const child of Array.from(list.children)) {
    if (!wanted.has(child)) child.remove();
  }
  let cursor = list.firstElementChild;
  for (const el of elements) {
    if (el === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      list.insertBefore(el, cursor);
    }
  }
}

/**
 * Run `render()` and give focus back to the element that had it, if that
 * element was moved around in the DOM (moving a node drops its focus).
 */
export function keepFocus(render) {
  const active = document.activeElement;
  let range = null;
  if (active && typeof active.selectionStart === 'number') {
    range = [active.selectionStart, active.selectionEnd, active.selectionDirection];
  }
  render();
  if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
    active.focus({ preventScroll: true });
    if (range) {
      try {
        active.setSelectionRange(range[0], range[1], range[2] || 'none');
      } catch {
        // Some input types do not support selection; nothing to restore.
      }
    }
  }
}

/** Length as the server counts it (Python len: code points), on trimmed text. */
export function textLength(text) {
  let n = 0;
  // eslint-disable-next-line no-unused-vars
  for (const _ of text) n += 1;
  return n;
}

/**
 * A random client key. crypto.randomUUID exists only in secure contexts
 * (https or localhost); a town hall served over plain http on a LAN still
 * has crypto.getRandomValues.
 */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // Not a secure context: fall through.
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "09:42" in the page language, or "" for a missing/invalid timestamp. */
export function clockTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      hour: '2-digit',
      minute: '2-digit',
    }).format(date);
  } catch {
    return '';
  }
}

/** Order for lists of approved questions: votes desc, then oldest first. */
export function byVotesThenId(a, b) {
  return (b.votes || 0) - (a.votes || 0) || a.id - b.id;
}

/** True when a keyboard event comes from a place where the user types. */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

/** A score or threshold in the page language: "0.50", "0,50" in French. */
export function decimal(value, digits = 2) {
  const lang = document.documentElement.lang || 'en';
  try {
    return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  } catch {
    return Number(value).toFixed(digits);
  }
}
