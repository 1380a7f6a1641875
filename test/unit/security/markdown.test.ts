/**
 * User text cannot make NormLens's Markdown render a link, an image or HTML, break a table or a
 * paragraph, or carry control and bidi characters: the escaping builder itself, every hover built
 * from hostile source code, calculator results, notifications, and a property test over arbitrary
 * strings. Markdown is parsed with markdown-it (html and linkify on), never by our own code.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Md, md } from '../../../src/explain/markdown';
import { explainLayer } from '../../../src/explain/hover';
import { compactHover } from '../../../src/explain/compact';
import { explainLinkArg } from '../../../src/explain/links';
import { decodeCommandUri, encodeArg, linkArgs, parseCalcStart, MAX_LINK_STRING } from '../../../src/explain/links';
import { analyzeDocument } from '../../../src/checks';
import { countTyped } from '../../../src/calc/count';
import { notificationText, visibleText } from '../../../src/core/visible';
import type { ResolvedLayer } from '../../../src/python/types';
import { assertOnlyOurLinks, HIDDEN, HOSTILE, pyString, render } from './mdcheck';

const opts = { decimals: 4, seed: 0 };

/** The text markdown-it renders for `markdown` (inline content only, HTML tags stripped). */
function renderedText(markdown: string): string {
  const r = render(markdown);
  const parts: string[] = [];
  const visit = (ts: typeof r.tokens) => {
    for (const t of ts) {
      if (t.type === 'text' || t.type === 'code_inline') parts.push((t as unknown as { content: string }).content);
      if (t.children) visit(t.children);
    }
  };
  visit(r.tokens);
  return parts.join('');
}

/** Placements of a hostile string in source code that NormLens reads. */
function sources(s: string): string[] {
  const lit = pyString(s);
  return [
    `nn.BatchNorm2d(64, momentum=${lit})`,
    `nn.BatchNorm2d(64, momentum=m or ${lit})`,
    `nn.BatchNorm2d(64, device=${lit}, dtype=${lit})`,
    `nn.BatchNorm2d(f(${lit}), eps=${lit})`,
    `nn.LayerNorm(${lit})`,
    `nn.GroupNorm(2, 4, eps=${lit})`,
    `nn.BatchNorm2d(64, ${lit}, x=${lit})`,
    `F.batch_norm(x, rm, rv, training=${lit})`,
    `nn.BatchNorm2d(64, momentum="""${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}""")`,
  ].map((call) => `import torch.nn as nn\nimport torch.nn.functional as F\n${call}\n`);
}

function layersOf(source: string): ResolvedLayer[] {
  return analyzeDocument(source).layers;
}

/** Our links, as the hover's own link line alone renders them. */
function ourLinks(linksSection: string): string[] {
  return render(linksSection).links;
}

function checkHover(layer: ResolvedLayer, what: string) {
  const hover = explainLayer(layer, opts);
  const links = ourLinks(hover.sections.links);
  assert.ok(links.length >= 2, `${what}: the hover keeps its own links`);
  assertOnlyOurLinks(hover.markdown, links, what);
  // Every link carries only what the links' validator accepts.
  for (const href of links) {
    const decoded = decodeCommandUri(href);
    assert.ok(decoded, `${what}: ${href} decodes`);
    const args = (decoded!.arg as { args?: unknown }).args;
    assert.deepEqual({ ...linkArgs(args) }, args, `${what}: link arguments are validated`);
  }
  return hover;
}

describe('security: the Markdown builder', () => {
  it('escapes every hostile string as text: same characters rendered, no link, image or HTML', () => {
    for (const s of HOSTILE) {
      const m = md`before ${Md.text(s)} after`;
      assertOnlyOurLinks(m, [], JSON.stringify(s));
      assert.equal(renderedText(m), `before ${visibleText(s, 'space')} after`, JSON.stringify(s));
      assert.deepEqual(render(m).blocks, ['paragraph_open', 'paragraph_close'], `${JSON.stringify(s)} stays one paragraph`);
    }
  });

  it('keeps code spans closed and renders their text exactly', () => {
    for (const s of HOSTILE) {
      const m = md`x ${Md.code(s)} y`;
      assertOnlyOurLinks(m, [], JSON.stringify(s));
      const shown = visibleText(s, 'space');
      assert.equal(renderedText(m).replace(/^x | y$/g, ''), shown.trim() === '' ? shown : shown, JSON.stringify(s));
    }
  });

  it('keeps tables whole whatever the cells hold', () => {
    for (const s of HOSTILE) {
      const table = Md.table(
        [Md.raw('a'), Md.raw('b'), Md.raw('c')],
        [
          [Md.code(s), Md.text(s), Md.raw('ok')],
          [Md.text(s), Md.code(s), Md.raw('ok')],
        ],
      );
      assertOnlyOurLinks(table, [], JSON.stringify(s));
      const blocks = render(table).blocks;
      assert.equal(blocks.filter((b) => b === 'tr_open').length, 3, `${JSON.stringify(s)}: 3 rows`);
      assert.equal(blocks.filter((b) => b === 'td_open' || b === 'th_open').length, 9, `${JSON.stringify(s)}: 3 cells a row`);
      assert.equal(blocks.filter((b) => b === 'table_open').length, 1);
    }
  });

  it('makes fenced blocks that user text cannot close', () => {
    for (const s of HOSTILE) {
      const m = md`${Md.fence(`a\n${s}\nb`)}\n\nafter`;
      assertOnlyOurLinks(m, [], JSON.stringify(s));
      assert.deepEqual(render(m).blocks, ['fence', 'paragraph_open', 'paragraph_close'], JSON.stringify(s));
    }
  });

  it('does not compile raw text into Markdown (checked by `npm run typecheck`)', () => {
    const user: string = '[x](https://evil.example)';
    // @ts-expect-error: a plain string cannot be interpolated into Markdown
    const interpolated = md`a ${user}`;
    // @ts-expect-error: concatenation gives a plain string, not Md
    const concatenated: Md = Md.text('a') + user;
    // @ts-expect-error: an untagged template is a plain string, not Md
    const untagged: Md = `${Md.text('a')} ${user}`;
    // @ts-expect-error: a table takes Markdown cells only
    Md.table([Md.raw('h')], [[user]]);
    // At run time these would carry the link: the compiler is what keeps them out.
    assert.equal(render(String(interpolated)).links.length + render(concatenated).links.length + render(untagged).links.length, 3);
  });

  it('refuses command links whose argument is not fully percent-encoded or whose id is odd', () => {
    assert.throws(() => Md.commandLink(Md.raw('x'), 'normlens.openPanel', '%5B)'), /percent-encoded/);
    assert.throws(() => Md.commandLink(Md.raw('x'), 'normlens.openPanel) [y](https://e.x', ''), /not a command id/);
    assert.doesNotMatch(encodeArg({ a: "()!'*" }), /[()!'*]/);
  });
});

describe('security: hovers built from hostile code', () => {
  it("never renders a link, image or HTML from the code, nor breaks the hover's structure", function () {
    this.timeout(60_000);
    for (const s of HOSTILE) {
      const benign = sources('safe');
      sources(s).forEach((src, i) => {
        const layers = layersOf(src);
        const reference = layersOf(benign[i]);
        assert.equal(layers.length, reference.length, `${JSON.stringify(s)} #${i}: recognized like a plain string`);
        layers.forEach((layer, j) => {
          const hover = checkHover(layer, `${JSON.stringify(s)} in ${src.split('\n')[2].slice(0, 60)}`);
          // Same blocks (headings, tables and rows, lists, fences) as with a harmless string in its place.
          const ref = explainLayer(reference[j], opts);
          assert.deepEqual(render(hover.markdown).blocks, render(ref.markdown).blocks, `${JSON.stringify(s)} #${i}: structure`);
        });
      });
    }
  });

  it('the compact hover too: only its own three links, same structure as with a harmless string, checks quoting the code as text', function () {
    this.timeout(60_000);
    const explainArg = explainLinkArg({ ref: 3, line: 2, character: 0 });
    for (const s of HOSTILE) {
      const benign = sources('safe');
      sources(s).forEach((src, i) => {
        const report = analyzeDocument(src);
        const reference = analyzeDocument(benign[i]);
        report.layers.forEach((layer, j) => {
          const what = `${JSON.stringify(s)} in ${src.split('\n')[2].slice(0, 60)} (compact)`;
          const hover = compactHover(layer, { ...opts, diagnostics: report.diagnostics, explainArg });
          const links = ourLinks(hover.sections.links);
          assert.equal(links.length, 3, `${what}: three links`);
          assertOnlyOurLinks(hover.markdown, links, what);
          for (const href of links) {
            const args = (decodeCommandUri(href)!.arg as { args?: unknown }).args;
            if (args !== undefined) assert.deepEqual({ ...linkArgs(args) }, args, `${what}: link arguments are validated`);
          }
          const ref = compactHover(reference.layers[j], { ...opts, diagnostics: reference.diagnostics, explainArg });
          assert.deepEqual(render(hover.markdown).blocks, render(ref.markdown).blocks, `${what}: structure`);
        });
      });
    }
  });

  it('shows a hostile momentum string as text, and a forged "Open in comparison panel" link as text', () => {
    const layer = layersOf(
      'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=m or "[Open in comparison panel](command:normlens.calc.simulate?%5B%7B%22batchSize%22%3A1e9%7D%5D)")\n',
    )[0];
    const hover = checkHover(layer, 'forged link');
    assert.match(renderedText(hover.markdown), /\[Open in comparison panel\]\(command:normlens\.calc\.simulate/);
    // Our own panel link comes first among the links, and the forged one is not among them.
    assert.ok(render(hover.markdown).links.every((h) => !h.includes('1e9')));
  });

  it("keeps a hover bounded whatever the size of the code's text (1 MB and 10 MB string literals)", () => {
    for (const size of [1 << 20, 10 << 20]) {
      const big = 'x'.repeat(size);
      const layer = layersOf(`import torch.nn as nn\nnn.BatchNorm2d(64, momentum=${pyString(big)}, eps=${pyString(big)}, device=f(${pyString(big)}))\n`)[0];
      const hover = checkHover(layer, `${size} characters`);
      assert.ok(hover.markdown.length < 20_000, `hover of ${hover.markdown.length} characters`);
      assert.match(hover.markdown, new RegExp(`… \\(${size + 2} characters\\)`));
    }
  });

  it('carries no expression, long string or odd key in a link', () => {
    const src = `import torch.nn as nn\nnn.BatchNorm2d(64, momentum=m or 0.1, device=${pyString('x'.repeat(MAX_LINK_STRING + 1))}, dtype=${pyString('float16')})\n`;
    const hover = checkHover(layersOf(src)[0], 'link arguments');
    const calc = decodeCommandUri(render(hover.sections.links).links[1])!.arg as { args: Record<string, unknown> };
    assert.deepEqual(calc.args, { num_features: 64, dtype: 'float16' });
    assert.deepEqual({ ...linkArgs({ __proto__: 1, ok: 1, 'no key': 2, nested: [[1]], big: Array(20).fill(1), inf: Infinity }) }, { ok: 1 });
    assert.equal(parseCalcStart({ framework: 'pytorch', qualifiedName: 'a)](https://e.x', kind: 'batch_norm', args: {} }), null);
  });
});

describe('security: calculator results and notifications', () => {
  it('Count Parameters shows a hostile device/dtype call as text', () => {
    for (const s of HOSTILE) {
      const call = `BatchNorm2d(8, device=${pyString(s)}, dtype=${pyString(s)})`;
      const r = countTyped(call, 'pytorch', { dtypeBytes: 4 });
      assert.ok(r.ok, `${JSON.stringify(s)}: ${r.ok ? '' : r.message}`);
      if (!r.ok) continue;
      assertOnlyOurLinks(r.markdown, [], JSON.stringify(s));
      assert.ok(!HIDDEN.test(r.text), `${JSON.stringify(s)}: plain text has no control characters`);
    }
  });

  it('notifications break link syntax and hidden characters', () => {
    for (const s of HOSTILE) {
      const n = notificationText(`NormLens: ${s}`);
      assert.doesNotMatch(n, /\]\(/);
      assert.ok(!HIDDEN.test(n) && !/[\n\r]/.test(n), JSON.stringify(s));
    }
    assert.ok(notificationText('x'.repeat(100_000)).length < 600);
  });
});

/** Strings built from Markdown, HTML, URL and control pieces, and arbitrary Unicode. */
const hostileString = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        '[',
        ']',
        '(',
        ')',
        '!',
        '<',
        '>',
        '`',
        '```',
        '~~~',
        '|',
        '\\',
        '\n',
        '\n\n',
        '\r',
        '\u001b',
        '\u0007',
        '\u009b',
        '\u202e',
        '\u2066',
        '\u2028',
        'http://',
        'https://e.x/',
        'www.',
        'e.com',
        '@',
        ':',
        '/',
        '*',
        '_',
        '#',
        '&',
        ';',
        '&#91;',
        'a',
        ' ',
        '    ',
        'img src=x',
        'script',
        'command:normlens.openPanel',
        'command:normlens.calc.simulate?',
        '%5B',
        '"',
        "'",
        '~',
        '$(',
        '-',
        '1.',
        '=',
        '---',
      ),
      { maxLength: 24 },
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('security: property — no user string makes a link, image or HTML', () => {
  it('in any hover', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(hostileString, fc.integer({ min: 0, max: 8 }), (s, placement) => {
        const src = sources(s)[placement];
        for (const layer of layersOf(src)) checkHover(layer, `${JSON.stringify(s)} at placement ${placement}`);
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('in text, code spans and table cells built with the builder', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const m = Md.join(
          [
            md`**${Md.text(a)}** ${Md.code(b)}`,
            Md.table(
              [Md.raw('x'), Md.raw('y')],
              [
                [Md.text(a), Md.code(b)],
                [Md.code(a), Md.text(b)],
              ],
            ),
          ],
          '\n\n',
        );
        assertOnlyOurLinks(m, [], JSON.stringify([a, b]));
        assert.equal(render(m).blocks.filter((t) => t === 'tr_open').length, 3);
      }),
      { numRuns: 1000, seed: 9 },
    );
  });

  it('in calculator results (Count Parameters from a typed call)', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const r = countTyped(`BatchNorm2d(8, device=${pyString(s)})`, 'pytorch', { dtypeBytes: 4 });
        if (r.ok) assertOnlyOurLinks(r.markdown, [], JSON.stringify(s));
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('in notifications and diagnostics (plain text: one visible line, no link syntax)', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const n = notificationText(s);
        assert.ok(!/\]\(/.test(n) && !HIDDEN.test(n) && !/[\n\r]/.test(n));
        for (const d of analyzeDocument(`import torch.nn as nn\nnn.BatchNorm2d(64, momentum=0.9, eps=${pyString(s)})\nnn.GroupNorm(3, 4)\n`).diagnostics) {
          const shown = visibleText(d.message, 'space');
          assert.ok(!HIDDEN.test(shown) && !/[\n\r]/.test(shown));
        }
      }),
      { numRuns: 200, seed: 9 },
    );
  });
});
