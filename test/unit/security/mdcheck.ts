/**
 * What a piece of Markdown renders, as a real Markdown parser sees it: markdown-it with raw HTML
 * and linkify on (as VS Code's Markdown preview is configured; its hovers use a CommonMark/GFM
 * parser too), so that any link, image, autolink or HTML that user text could make shows up.
 */
import MarkdownIt from 'markdown-it';
import { strict as assert } from 'node:assert';
import { LINK_COMMANDS } from '../../../src/explain/links';

const parser = new MarkdownIt({ html: true, linkify: true });
// Strictest autolinking: bare domains and e-mail addresses too.
parser.linkify.set({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: true });
interface Token {
  type: string;
  children: Token[] | null;
  attrGet(name: string): string | number | null;
}

export interface Rendered {
  links: string[];
  images: number;
  html: number;
  /** Block-level token types in order (the document's structure, independent of inline content). */
  blocks: string[];
  tokens: Token[];
}

export function render(markdown: string): Rendered {
  const tokens = parser.parse(markdown, {});
  const out: Rendered = { links: [], images: 0, html: 0, blocks: [], tokens };
  const visit = (ts: Token[]) => {
    for (const t of ts) {
      if (t.type === 'link_open') out.links.push(String(t.attrGet('href') ?? ''));
      if (t.type === 'image') out.images++;
      if (t.type === 'html_inline' || t.type === 'html_block') out.html++;
      if (t.children) visit(t.children);
    }
  };
  visit(tokens);
  out.blocks = tokens.filter((t) => t.type !== 'inline').map((t) => t.type);
  return out;
}

/** Characters that must never reach Markdown or a terminal raw (controls, DEL, C1, bidi, separators). */
export const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * Asserts that `markdown` holds no image and no HTML, and that its links are exactly `ours`
 * (NormLens command links, in order): none came from user text.
 */
export function assertOnlyOurLinks(markdown: string, ours: readonly string[], what: string): void {
  const r = render(markdown);
  assert.equal(r.images, 0, `${what}: an image was rendered`);
  assert.equal(r.html, 0, `${what}: HTML was rendered`);
  assert.deepEqual(r.links, [...ours], `${what}: links other than NormLens's own`);
  for (const href of r.links) {
    const m = /^command:([\w.]+)\?/.exec(href);
    assert.ok(m && LINK_COMMANDS.includes(m[1]), `${what}: link to ${href}`);
  }
  assert.ok(!HIDDEN.test(markdown), `${what}: a control or bidi character reached the Markdown`);
}

/** Hostile strings: links, images, HTML, autolinks, code fences, table pipes, line breaks, controls, bidi. */
export const HOSTILE: readonly string[] = [
  '[click me](https://evil.example/x)',
  '![t](https://evil.example/p.png)',
  '<img src=https://evil.example/p.png onerror=alert(1)>',
  '<a href="https://evil.example">x</a>',
  '<script>alert(1)</script>',
  '[Open in comparison panel](command:normlens.calc.simulate?%5B%7B%22batchSize%22%3A1e9%7D%5D)',
  '[x](command:normlens.openPanel)',
  '<https://evil.example>',
  'https://evil.example/a www.evil.example evil.example mail@evil.example',
  '&lt;img src=x&gt; &#91;a&#93;(https://e.x) &#33;[i](https://e.x/p.png)',
  '`code` ``` ~~~ ````',
  'a | b || c \\| d \\\\| [a](https://e.x)',
  'x\\|[a](https://evil.example)',
  'line1\n\nline2\n# heading\n| a | b |\n|---|---|\n[x]: https://evil.example\n[x]',
  'tail \r\n\r\n![i](https://evil.example/i.png)',
  '\u001b[2J\u001b]0;pwned\u0007\u001b[31mred',
  '\u009b31m C1 \u0085 next line',
  'safe\u202egnp.exe\u2066\u2069\u200f',
  '\u2028![i](https://evil.example/i.png)\u2029',
  '$(alert) *em* _em_ **b** ~~s~~ # h',
  '[a][b]\n\n[b]: https://evil.example',
];

/** A Python string literal holding `s` (escapes for quotes, backslashes and line breaks). */
export function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}
