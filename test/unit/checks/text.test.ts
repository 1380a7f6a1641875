import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkedMask, LineIndex } from '../../../src/checks/text';
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
