import * as assert from 'node:assert/strict';
import { LineIndex, maskPython } from '../../../src/checks/text';

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
