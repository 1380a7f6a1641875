/**
 * The one way text enters NormLens's Markdown (hovers, calculator results, rule pages).
 *
 * `Md` is a string branded as "Markdown we built": only the functions here make one. Anything
 * that ends up in a hover or a result is typed `Md`, so concatenating raw text into it does not
 * compile (`md + userText` and untagged template literals are plain `string`). User text, that
 * is anything read from the user's code or typed in (argument texts, string literals, callee
 * names, file names, device/dtype strings, expressions, error messages quoting them), goes in
 * through `md\`...\`` interpolations, `Md.text` or `Md.code`, which escape it so that it can
 * only ever render as text: never a link, an image, HTML, a heading, a list, a table cell
 * boundary or a line break. `Md.raw` is for NormLens's own constant Markdown only.
 *
 * Escaping rules (CommonMark + GFM, as VS Code's hover renderer and Markdown preview parse them):
 * - in text, every character that can start Markdown syntax gets a backslash, and so do `.`
 *   before a letter and `:` before `/` (this stops GFM and linkify autolinks such as `www.x.com`,
 *   `x.com`, `a@b.co`, `https://…`, since their punctuation is no longer literal);
 * - in code spans, the fence is longer than any run of backticks inside and line breaks become
 *   spaces; in tables (`Md.table`) every `|` of a cell gets an odd run of backslashes, since GFM
 *   splits cells before it parses code spans;
 * - fenced blocks (`Md.fence`) are longer than any fence inside;
 * - user text is cut at MAX_USER_TEXT characters, saying how long it was;
 * - everywhere, control, bidirectional-formatting and line-separator characters are written as
 *   visible escapes (src/core/visible.ts), and line breaks never survive, so user text cannot
 *   end a table row or a paragraph.
 */
import { visiblePrefix, visibleText } from '../core/visible';

/** Most characters of one piece of user text shown (longer text is cut, saying how long it was). */
export const MAX_USER_TEXT = 500;

declare const MD_BRAND: unique symbol;
/** Markdown built by this module (see the module comment). A subtype of string: it can be used as text anywhere. */
export type Md = string & { readonly [MD_BRAND]: true };

const brand = (s: string): Md => s as Md;

/**
 * Characters escaped in user text: everything that can start a link, an image, an autolink, raw
 * HTML, an entity, emphasis, strike-through, a code span, a heading or a table cell, plus `.`
 * before a letter and `:` before `/`, so that GFM and linkify autolinks (`www.x.com`, `x.com`,
 * `https://x`, `a@b.co`) never see a literal domain or scheme. Other punctuation is left as it is
 * for readability (it cannot start anything once the above are escaped and line breaks are gone).
 */
const SPECIAL = /[\\`*_{}[\]<>|#!~@&$^]|\.(?=[A-Za-z])|:(?=\/)/g;

/** User text as Markdown text: renders as exactly these characters, on one line (at most `max` of them). */
function text(s: string, max = MAX_USER_TEXT): Md {
  return brand(visiblePrefix(s, max).replace(SPECIAL, '\\$&'));
}

/** User text as an inline code span (safe inside table cells too). */
function code(s: string, max = MAX_USER_TEXT): Md {
  const t = visiblePrefix(s, max);
  let longest = 0;
  for (const m of t.match(/`+/g) ?? []) longest = Math.max(longest, m.length);
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || (t.startsWith(' ') && t.endsWith(' ') && t.trim() !== '') ? ' ' : '';
  // In a GFM table a `|` ends the cell even inside a code span unless it is escaped as `\|`
  // (read there as the pipe itself); Md.table does that for every cell.
  return brand(`${fence}${pad}${t}${pad}${fence}`);
}

/** NormLens's own constant Markdown (never text from the user's code or input). */
function raw(s: string): Md {
  return brand(s);
}

/** Parts joined with a separator; both are Markdown already. */
function join(parts: readonly Md[], separator: Md | '' | ' ' | ', ' | '\n' | '\n\n' | ' · ' | '  \n' = ''): Md {
  return brand(parts.join(separator));
}

/**
 * A GFM table. Cells are Markdown already (text and code spans from this module never hold an
 * unescaped `|` or a line break); our own cells' pipes and line breaks are escaped here too.
 */
function table(header: readonly (Md | number)[], rows: readonly (readonly (Md | number)[])[]): Md {
  // Every `|` gets an odd number of backslashes before it: markdown-it (the Markdown preview)
  // looks at the one character before a pipe, marked (hovers) and cmark-gfm count the run.
  const cell = (c: Md | number) =>
    String(c)
      .replace(/(\\*)\|/g, (m, bs: string) => (bs.length % 2 === 0 ? `${bs}\\|` : m))
      .replace(/\n/g, ' ');
  const line = (cells: readonly (Md | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
  return brand([line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n'));
}

/**
 * A link that runs one of NormLens's commands with one JSON argument. Every character of the
 * argument that means something in a Markdown link destination is percent-encoded, so the
 * destination cannot end early whatever the argument holds. The argument itself must come from
 * the link's validator (src/explain/links.ts), never straight from the user's code.
 */
function commandLink(title: Md, command: string, encodedArg: string): Md {
  if (!/^[a-z][\w.]*$/i.test(command)) throw new Error(`not a command id: ${command}`);
  if (!/^[\w%.~-]*$/.test(encodedArg)) throw new Error('command argument is not fully percent-encoded');
  return brand(`[${title}](command:${command}?${encodedArg})`);
}

/**
 * Markdown from a template: the literal parts are ours (Markdown as written); every interpolated
 * value must already be `Md` (wrap user text in `Md.text` or `Md.code`) or a number, written as
 * JavaScript prints it (digits, `.`, `-`, `e`, `+`, Infinity, NaN: nothing Markdown reads). A plain
 * string interpolation does not compile.
 */
export function md(strings: TemplateStringsArray, ...values: readonly (Md | number)[]): Md {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += String(values[i]) + strings[i + 1];
  return brand(out);
}

/**
 * A fenced plain-text block (` ```text `): nothing inside is Markdown. Each line is made visible
 * (control and bidi characters escaped); the fence is longer than any backtick or tilde run inside.
 */
function fence(body: string): Md {
  const lines = body.split(/\r\n|[\n\r]/).map((l) => visibleText(l, 'escape'));
  let longest = 2;
  for (const l of lines) for (const m of l.match(/`{3,}|~{3,}/g) ?? []) longest = Math.max(longest, m.length);
  const f = '`'.repeat(longest + 1);
  return brand(`${f}text\n${lines.join('\n')}\n${f}`);
}

export const Md = { text, code, raw, join, table, commandLink, fence };
