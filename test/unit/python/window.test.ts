/**
 * Typing in a large file: the index rescans an edit from a window of its text, widened until the
 * scan meets the previous one, and keeps the edited span apart from the rest of the text. After
 * edits clustered around a moving place (as typing is), with no full text asked for in between,
 * every result must still equal a full scan.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DocumentIndex, recognizeDirect as recognize, scanPython } from '../../../src/python/index';

const BLOCK =
  'import torch.nn as nn\n' +
  'class B(nn.Module):\n' +
  '    """Doc with nn.BatchNorm2d(3) inside."""\n' +
  '    def __init__(self):\n' +
  '        self.conv = nn.Conv2d(64, 64, 3)  # nn.LayerNorm(\n' +
  '        self.bn = nn.BatchNorm2d(64, eps=1e-3)\r\n' +
  '        self.seq = nn.Sequential(\n            nn.Linear(8, 16),\n            nn.GroupNorm(4, 16),\n        )\n' +
  '    def forward(self, x):\n        return f"{self.bn(x)!r:>{w}}"\n\n';

// broken states too: a half-typed call or string above, a `def`/`class` line typed into or out of
// an open bracket (such a line ends the brackets left open), a word typed before `def`
const INSERTS = [
  'x',
  '(',
  ')',
  '[',
  ']',
  '"""',
  "'",
  '"',
  "f'{",
  '}',
  '\n',
  '\r',
  '\r\n',
  '\\',
  '#',
  ' ',
  'nn.LayerNorm(8',
  'nn = 1\n',
  '',
  'x = foo(\n',
  'def ',
  'class ',
  '    def g(self',
  '\nclass C(nn.Module):\n',
  'async def ',
  'async ',
  'd',
  'c',
  '\t',
];

describe('recognizer: edits in a large file', () => {
  it('clustered edits without reading the text in between equal a full scan', () => {
    const base = BLOCK.repeat(120); // ~40,000 characters: far larger than a rescan window
    fc.assert(
      fc.property(
        fc.nat({ max: base.length }),
        fc.array(
          fc.record({
            jump: fc.nat({ max: 9 }),
            to: fc.nat(),
            near: fc.integer({ min: -30, max: 30 }),
            del: fc.nat({ max: 20 }),
            insert: fc.constantFrom(...INSERTS),
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        (start, edits) => {
          let text = base;
          const doc = new DocumentIndex(text);
          let focus = start;
          for (const e of edits) {
            if (e.jump === 0) focus = e.to % (text.length + 1);
            const s = Math.max(0, Math.min(text.length, focus + e.near));
            const end = Math.min(text.length, s + (e.del > 14 ? e.del : 0));
            doc.applyEdit(s, end, e.insert);
            text = text.slice(0, s) + e.insert + text.slice(end);
            focus = s + e.insert.length;
          }
          const full = scanPython(text);
          assert.deepEqual(doc.calls, full.calls);
          assert.deepEqual(doc.imports, full.imports);
          assert.deepEqual(doc.errors, full.errors);
          assert.deepEqual(doc.rebinds, full.rebinds);
          assert.deepEqual(doc.layers, recognize(text));
          assert.equal(doc.text, text);
        },
      ),
      { numRuns: 40 },
    );
  });
});
