/**
 * Text from the user's files made safe to show as one line of plain text: in a terminal, a
 * diagnostic, a code span. Control characters (C0 but tab, DEL, C1), line and paragraph
 * separators, bidirectional-formatting characters (the "Trojan Source" set) and a BOM become
 * visible escapes as Python writes them (`\x1b`, `\u202e`), so that a string literal or a file
 * name can neither send terminal escape sequences, forge lines nor reorder what is displayed.
 */

/** Characters that are never written as they are (each is replaced by its escape). */
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const LINE_BREAKS = /[ \t]*(\r\n|[\n\r])[ \t]*/g;

function escapeOne(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 0x0a) return '\\n';
  if (c === 0x0d) return '\\r';
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/**
 * One line of text with every hidden character written as its escape. `breaks`: 'space' joins
 * lines with one space (source code that spans lines, e.g. a call's arguments), 'escape'
 * writes them as `\n` (file names, string values, where a newline is meaningful).
 */
export function visibleText(text: string, breaks: 'space' | 'escape' = 'escape'): string {
  let s = breaks === 'space' ? text.replace(LINE_BREAKS, ' ') : text.replace(/[\n\r]/g, escapeOne);
  s = s.replace(/\t/g, ' ');
  return s.replace(HIDDEN, escapeOne);
}

/**
 * JSON text with the characters that JSON.stringify leaves raw but a terminal may act on or
 * reorder (DEL, C1 controls, line/paragraph separators, bidi and other invisible format
 * characters) written as \u escapes: the same JSON value, safe to print.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Longest notification NormLens shows (characters). */
const MAX_NOTIFICATION = 500;

/**
 * A message for a VS Code notification, which renders `[label](target)` as a link (also
 * `command:` links): one visible line, bounded, with link syntax broken up (`] (`).
 */
export function notificationText(text: string): string {
  return truncateText(visibleText(text, 'space'), MAX_NOTIFICATION).replace(/\]\s*\(/g, '] (');
}

/** At most `max` UTF-16 units of `text`, cut on a character boundary, with "…" and the full length when cut. */
export function truncateText(text: string, max: number, total = text.length): string {
  if (text.length <= max && total <= text.length) return text;
  let end = Math.min(max, text.length);
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${total} characters)`;
}

/** `visibleText` of at most `max` characters of `text`, without escaping more of a long text than is shown. */
export function visiblePrefix(text: string, max: number, breaks: 'space' | 'escape' = 'space'): string {
  const head = text.length > 4 * max ? text.slice(0, 4 * max) : text;
  return truncateText(visibleText(head, breaks), max, head === text ? undefined : text.length);
}
