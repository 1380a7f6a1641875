import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkedMask, LineIndex } from '../../../src/checks/text';
import { buildContext, maskedMatches, type RuleContext } from '../../../src/checks/context';
import { frameworkInfo } from '../../../src/frameworks';
import { DocumentIndex } from '../../../src/python/document';
import { maskPython } from '../../../src/python/mask';
import { chunkStarts, cleanStarts } from '../../../src/python/semantic/syntax';

describe('rules: text helpers', () => {
  it('maskPython blanks comments and every string form, keeping length and line breaks', () => {
    const sp = (n: number) => ' '.repeat(n);
    const cases: [string, string][] = [
      ['x = 1  # nn.BatchNorm2d(3)\ny', 'x = 1' + sp(21) + '\ny'],
      ['a(\'s\', "t")', 'a(' + sp(3) + ', ' + sp(3) + ')'],
      ["f'{x.weight}' + b", sp(13) + ' + b'],
      ["rb'\\'' c", sp(6) + ' c'],
      ['"""a\n\'b\'\n""" d', sp(4) + '\n' + sp(3) + '\n' + sp(3) + ' d'],
      ["'unterminated\nnext", sp(13) + '\nnext'],
      ["bar'x'", 'bar' + sp(3)],
      ['s = "a\\"b" + t', 's = ' + sp(6) + ' + t'],
    ];
    for (const [src, want] of cases) {
      const got = maskPython(src);
      assert.equal(got.length, src.length);
      assert.equal(got, want, JSON.stringify(src));
    }
  });

  it('maskPython is total on adversarial input (its time is in the bench)', () => {
    const big = '"'.repeat(50_000) + "'''" + '#'.repeat(50_000) + '\\';
    assert.equal(maskPython(big).length, big.length);
  });

  it('ChunkedMask equals maskPython on real files and on half-typed text, reusing chunks across edits', () => {
    const masker = new ChunkedMask();
    const same = (text: string, what: string) => assert.equal(masker.mask(text, chunkStarts(text, cleanStarts(text))), maskPython(text), what);
    const dirs = [join(__dirname, '../../fixtures/python'), join(__dirname, '../../../examples'), join(__dirname, '../../../examples/indirect')];
    let files = 0;
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.py'))) {
        same(readFileSync(join(dir, f), 'utf8'), f);
        files++;
      }
    }
    assert.ok(files >= 10, `files: ${files}`);
    const PARTS = [
      'def f(x):\n',
      'class A:\n',
      '    y = "a # b"\n',
      "    z = '''doc\n",
      "'''\n",
      'x = foo(\n',
      ')\n',
      '# c\n',
      's = f\'{a["k"]}\'\n',
      'r = 1 \\\n',
      '@dec\n',
      'else:\n',
      '"',
      "'",
      '#',
      '\r\n',
      '\n',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PARTS), { maxLength: 40 }), (parts) => same(parts.join(''), JSON.stringify(parts.join('')))),
      { numRuns: 400 },
    );
  });

  it('maskedMatches and the assignment target read chunk by chunk equal the whole masked text, across edits', () => {
    // chunks named by their text (as the parser's ids), one memo and one mask across every text: what an editor keeps
    const masker = new ChunkedMask();
    const memo = new Map<string, unknown>();
    const idOf = new Map<string, number>();
    const PATTERNS: [string, RegExp][] = [
      ['t1', /(?<![\p{L}\p{N}_.])self\s*\.\s*conv\s*\.\s*bias\b/u],
      ['t2', /(?<![\p{L}\p{N}_.])conv\s*\.\s*bias\b/u],
      ['init', /\binit\s*\.\s*\w+\s*\(\s*[\p{L}_][\p{L}\p{N}_]*\s*\.\s*bias\b|\b[\p{L}_][\p{L}\p{N}_]*\s*\.\s*bias\s*\.\s*data\b/u],
    ];
    const PARTS = [
      'x = self.conv\n',
      'self.conv.\n',
      '.bias\n',
      'bias\n',
      '(m.bias)\n',
      'nn.init.zeros_\n',
      'init.zeros_(m.bias)\n',
      'y = conv.bias.data\n',
      'class A:\n',
      '    self.bn = nn.BatchNorm2d(3)\n',
      '    z = \\\n',
      'q = nn.BatchNorm2d(4)\n',
      '  # self.conv.bias\n',
      '"self.conv.bias"\n',
      "'''\n",
      'f(\n',
      ')\n',
      '\n',
    ];
    let joined = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PARTS), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const starts = chunkStarts(text, cleanStarts(text));
        const ids = starts.map((s, i) => {
          const chunk = text.slice(s, i + 1 < starts.length ? starts[i + 1] : text.length);
          if (!idOf.has(chunk)) idOf.set(chunk, idOf.size);
          return idOf.get(chunk)!;
        });
        const whole = maskPython(text);
        const chunks = { starts, ids, memo, masked: (i: number) => masker.chunk(text, starts, ids, i) };
        const ctx = { chunks, masked: whole } as unknown as RuleContext;
        for (const [key, re] of PATTERNS) {
          const want = re.test(whole);
          assert.equal(maskedMatches(ctx, key, re), want, `${key} ${JSON.stringify(text)}`);
          if (want && !starts.some((_, i) => re.test(chunks.masked(i)))) joined++;
        }
        // the target of an assignment a call ends, read near the call as from the whole masked text
        const index = new DocumentIndex(text);
        const scan = { text, rows: index.callRows(), imports: [...index.imports] };
        const near = buildContext({ ...scan, chunks }, [], frameworkInfo);
        const far = buildContext(scan, [], frameworkInfo);
        for (const call of far.calls) assert.equal(near.assignmentTarget(call), far.assignmentTarget(call), JSON.stringify(text));
      }),
      { numRuns: 600 },
    );
    // (the property met matches that only the chunks tested joined find)
    assert.ok(joined > 0, `matches across chunks: ${joined}`);
  });

  it('maskedMatches keeps a bounded number of answers per chunk (every name typed is a key of its own)', () => {
    const text = 'class A:\n    x = self.conv7.bias\n\ny = 1\n';
    const starts = chunkStarts(text, cleanStarts(text));
    const masker = new ChunkedMask();
    const memo = new Map<string, unknown>();
    const chunks = { starts, ids: starts.map((_, i) => i), memo, masked: (i: number) => masker.chunk(text, starts, chunks.ids, i) };
    const ctx = { chunks, masked: maskPython(text) } as unknown as RuleContext;
    for (let k = 0; k < 200; k++) {
      const re = new RegExp(String.raw`(?<![\p{L}\p{N}_.])self\s*\.\s*conv${k}\s*\.\s*bias\b`, 'u');
      assert.equal(maskedMatches(ctx, `bias-read:self.conv${k}`, re), k === 7, `conv${k}`);
    }
    const sizes = [...memo.values()].map((f) => (f as { hits: Map<string, boolean> }).hits.size);
    assert.equal(sizes.length, starts.length);
    assert.ok(
      sizes.every((n) => n > 0 && n <= 64),
      `answers kept per chunk: ${sizes.join(', ')}`,
    );
  });

  it('LineIndex maps offsets to lines and UTF-16 columns, with \\n, \\r\\n and \\r', () => {
    const text = 'ab\r\ncd\ref\n𝒳g';
    const li = new LineIndex(text);
    assert.deepEqual(li.position(0), { line: 0, character: 0 });
    assert.deepEqual(li.position(4), { line: 1, character: 0 });
    assert.deepEqual(li.position(7), { line: 2, character: 0 });
    assert.deepEqual(li.position(text.indexOf('g')), { line: 3, character: 2 });
    assert.deepEqual(li.range(1, 5), { start: { line: 0, character: 1 }, end: { line: 1, character: 1 }, startOffset: 1, endOffset: 5 });
  });
});
