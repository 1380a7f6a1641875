import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkDocument, checkNotebook } from '../../../src/checks';
import { applyEdits, assertConsistent } from './helpers';

const FRAGMENTS = [
  'import torch.nn as nn\n',
  'from keras import layers\n',
  'import flax.linen as fnn\n',
  'from functools import partial\n',
  'nn.Sequential(',
  'nn.Conv2d(3, 64, 3)',
  'nn.Linear(8, 16, bias=True)',
  'nn.BatchNorm2d(',
  'nn.GroupNorm(3, 64)',
  'nn.LayerNorm(',
  'nn.InstanceNorm2d(3)',
  'layers.Conv2D(48, 3)',
  'layers.GroupNormalization()',
  'fnn.GroupNorm(num_groups=32)',
  'partial(nn.BatchNorm2d, ',
  'momentum=0.9',
  'eps=0',
  'eps=-1',
  'groups=0',
  '32',
  '64',
  ')',
  '(',
  '[',
  ']',
  ',',
  ', ',
  '\n',
  '\n    ',
  'self.a = ',
  'x = ',
  '(x)',
  '#',
  '"',
  "'''",
  '\\\n',
  'a.weight',
  '.bias',
  ' ',
  'é',
  '𝒳',
  '\r\n',
  '\0',
];

describe('rules: robustness', () => {
  it('never throw on arbitrary text, and every range and fix stays inside it and agrees with its offsets', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const ds = checkDocument(text);
        for (const d of ds) {
          assert.ok(d.range.startOffset >= 0 && d.range.startOffset <= d.range.endOffset && d.range.endOffset <= text.length);
          const lf = text.replace(/\r\n?/g, '\n');
          if (lf === text) assertConsistent(text, d);
          for (const f of d.fixes) {
            for (const e of f.edits) assert.ok(e.range.startOffset >= 0 && e.range.endOffset <= text.length);
            checkDocument(applyEdits(text, f.edits));
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never throw on notebooks with arbitrary cells', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 20 }), { maxLength: 5 }), (cells) => {
        const json = JSON.stringify({ cells: cells.map((c, i) => ({ cell_type: i % 3 === 2 ? 'markdown' : 'code', source: c.join('') })) });
        for (const d of checkNotebook(json)) assert.ok(typeof d.cell === 'number');
      }),
      { numRuns: 150 },
    );
  });

  it('find every bias finding in a large model file (timed in the bench)', () => {
    const block =
      'class B(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(64, 64, 3)\n        self.bn = nn.BatchNorm2d(64)\n' +
      '        self.seq = nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16), nn.GroupNorm(4, 16))\n        self.n = nn.InstanceNorm2d(8)\n\n' +
      '    def forward(self, x):\n        return self.bn(self.conv(x))\n\n';
    const text = 'import torch.nn as nn\n' + block.repeat(2000); // 18,000 lines
    const ds = checkDocument(text);
    assert.equal(ds.filter((d) => d.code === 'conv-bias-before-bn').length, 2000);
  });
});
