import { strict as assert } from 'node:assert';
import { parseNumbers, parseShape, parseScalar } from '../../../src/calc/parse';

function fail(text: string, max?: number): string {
  const r = parseNumbers(text, max);
  assert.equal(r.ok, false, `expected an error for ${JSON.stringify(text)}`);
  return (r as { message: string }).message;
}

describe('calc/parseNumbers', () => {
  it('reads whitespace and comma separated values', () => {
    for (const text of ['2 4 6 8', '2, 4, 6, 8', ' 2,4 ,6\t8 ', '[2, 4, 6, 8]', '[2 4 6 8]']) {
      const r = parseNumbers(text);
      assert.ok(r.ok, text);
      assert.deepEqual(r.values, [2, 4, 6, 8]);
      assert.deepEqual(r.shape, [4]);
    }
  });

  it('reads rows separated by newlines or semicolons', () => {
    const a = parseNumbers('1 2 3; 4 5 6');
    const b = parseNumbers('1 2 3\n4 5 6\n');
    for (const r of [a, b]) {
      assert.ok(r.ok);
      assert.deepEqual(r.shape, [2, 3]);
      assert.deepEqual(r.values, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(r.nested, [
        [1, 2, 3],
        [4, 5, 6],
      ]);
    }
  });

  it('reads nested JSON and NumPy-style arrays of any depth', () => {
    const r = parseNumbers('[[[1, 2], [3, 4], [5, 6]], [[2, 3], [4, 5], [6, 7]]]');
    assert.ok(r.ok);
    assert.deepEqual(r.shape, [2, 3, 2]);
    assert.deepEqual(r.values, [1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 7]);
    const np = parseNumbers('[[1. 2.5]\n [-3e-2 .5]]');
    assert.ok(np.ok);
    assert.deepEqual(np.values, [1, 2.5, -0.03, 0.5]);
    assert.deepEqual(np.shape, [2, 2]);
  });

  it('names a ragged row', () => {
    assert.equal(fail('1 2 3 4\n5 6 7'), 'row 2 has 3 values, row 1 has 4');
    assert.equal(fail('1 2; 3'), 'row 2 has 1 value, row 1 has 2');
    assert.equal(fail('[[1, 2, 3, 4], [5, 6, 7]]'), 'row 2 has 3 values, row 1 has 4');
    assert.equal(fail('[[[1, 2], [3, 4]], [[5, 6], [7]]]'), 'item [2, 2] has 1 value, item [2, 1] has 2');
    assert.equal(fail('[[1, 2], 3]'), 'row 2 is a number, row 1 is a list');
  });

  it('names a value that is not a number, by position', () => {
    assert.equal(fail('1 2 abc 4'), "'abc' at position 3 is not a number");
    assert.equal(fail('[1, 2, abc]'), "'abc' at position 3 is not a number");
    assert.equal(fail('1 2\n3 x'), "'x' at position 4 (row 2) is not a number");
    assert.equal(fail('1 nan 3'), "'nan' at position 2 is not a finite number");
    assert.equal(fail('1e999'), "'1e999' at position 1 is too large");
  });

  it('reports empty input, too many values and broken brackets', () => {
    assert.equal(fail(''), 'no numbers given');
    assert.equal(fail('  \n ; '), 'no numbers given');
    assert.equal(fail('[]'), 'no numbers given');
    assert.equal(fail('1 2 3 4 5', 4), 'too many values: more than 4');
    assert.equal(fail('[1, 2, 3, 4, 5]', 4), 'too many values: more than 4');
    assert.equal(fail('[1, 2'), "a '[' is never closed");
    assert.equal(fail('[1, 2]]'), "one ']' too many");
    assert.equal(fail('[1,, 2]'), 'two commas in a row after value 1');
    assert.equal(fail('1 2 ]'), "brackets must enclose the whole array: start with '['");
  });

  it('parses shapes and scalars with specific messages', () => {
    assert.deepEqual(parseShape('(2, 3, 4)'), { ok: true, shape: [2, 3, 4] });
    assert.deepEqual(parseShape('2x3'), { ok: true, shape: [2, 3] });
    assert.deepEqual(parseShape('2, 0'), { ok: false, message: 'dimension 2 is 0; every dimension must be at least 1' });
    assert.deepEqual(parseShape('2, -1'), { ok: false, message: "dimension 2 ('-1') must be a positive integer" });
    assert.deepEqual(parseShape('300, 300', 65536), { ok: false, message: 'shape (300, 300) has 90000 elements; at most 65536' });
    assert.deepEqual(parseScalar('1e-5', 'ε'), { ok: true, value: 1e-5 });
    assert.deepEqual(parseScalar('x', 'ε'), { ok: false, message: "ε: 'x' is not a number" });
  });
});

import { validateShapeFor, parseVector } from '../../../src/calc/parse';
import { validateGroups } from '../../../src/calc/normalize';

describe('calc/validators', () => {
  it('checks a shape against the values given', () => {
    assert.equal(validateShapeFor('2, 3', 6), null);
    assert.equal(validateShapeFor('2, 2', 6), 'shape (2, 2) holds 4 values, but 6 were given');
    assert.equal(validateShapeFor('x', 6), "dimension 1 ('x') must be a positive integer");
  });
  it('reads γ/β vectors and group counts', () => {
    assert.deepEqual(parseVector('1, 2', 'γ'), { ok: true, values: [1, 2] });
    assert.deepEqual(parseVector('1 2; 3 4', 'γ'), { ok: false, message: 'γ must be one number or a flat list, not a 2-D array' });
    assert.deepEqual(parseVector('1 x', 'β'), { ok: false, message: "β: 'x' at position 2 is not a number" });
    assert.equal(validateGroups('3', 64), '64 channels are not divisible into 3 groups');
    assert.equal(validateGroups('0'), 'groups must be at least 1 (got 0)');
    assert.equal(validateGroups('8', 64), null);
  });
});
