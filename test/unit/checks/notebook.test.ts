import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeNotebook } from '../../../src/checks';
import { ProjectGraph } from '../../../src/python/index';
import { positionOf } from './helpers';

const json = readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'notebook.ipynb'), 'utf8');
const cellSource = (i: number): string => {
  const src = JSON.parse(json).cells[i].source;
  return Array.isArray(src) ? src.join('') : src;
};

describe('rules on notebooks', () => {
  it('resolves names imported in an earlier cell and reports positions per cell', () => {
    const r = analyzeNotebook(json);
    assert.ok(!('error' in r));
    assert.deepEqual(
      r.layers.map((l) => ({ cell: l.cell, name: l.qualifiedName, start: l.call.range.start })),
      [
        { cell: 2, name: 'torch.nn.BatchNorm1d', start: positionOf(cellSource(2), cellSource(2).indexOf('nn.BatchNorm1d(256)')) },
        { cell: 2, name: 'torch.nn.BatchNorm1d', start: positionOf(cellSource(2), cellSource(2).indexOf('nn.BatchNorm1d(128')) },
        { cell: 4, name: 'torch.nn.InstanceNorm2d', start: { line: 0, character: cellSource(4).indexOf('nn.InstanceNorm2d') } },
      ],
    );
    const under = (cell: number, d: { range: { startOffset: number; endOffset: number } }) => cellSource(cell).slice(d.range.startOffset, d.range.endOffset);
    assert.deepEqual(
      r.diagnostics.map((d) => ({ cell: d.cell, code: d.code, start: d.range.start, text: under(d.cell!, d) })),
      [
        { cell: 2, code: 'conv-bias-before-bn', start: positionOf(cellSource(2), cellSource(2).indexOf('Linear(784')), text: 'Linear' },
        { cell: 2, code: 'eps-zero', start: positionOf(cellSource(2), cellSource(2).indexOf('eps=0') + 4), text: '0' },
        { cell: 4, code: 'instancenorm-affine-default', start: { line: 0, character: cellSource(4).indexOf('InstanceNorm2d') }, text: 'InstanceNorm2d' },
      ],
    );
    // Quick-fix edits are cell-relative too.
    const bias = r.diagnostics[0].fixes[0].edits[0];
    assert.equal(cellSource(2).slice(0, bias.range.startOffset).endsWith('nn.Linear(784, 256'), true);
    assert.equal(r.cellTexts.length, 6);
    assert.equal(r.cellTexts[0], '');
  });

  it('a class an earlier cell replaces is one layer, without the class binding errors; a later cell sets values as in a file', () => {
    const cells = [
      'from functools import partial\nimport torch.nn as nn\nnn.GroupNorm = partial(nn.GroupNorm, 4)\n',
      'gn = nn.GroupNorm(num_channels=8)\n',
      'bn = nn.BatchNorm2d(8)\n',
      'bn.momentum = 0.01\n',
    ];
    const nb = JSON.stringify({
      cells: cells.map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [] })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const r = analyzeNotebook(nb);
    assert.ok(!('error' in r));
    // PyTorch 2.13, the cells run in order: gn is GroupNorm(4, 8); bn.momentum == 0.01
    assert.deepEqual(
      r.layers.map((l) => [l.cell, l.qualifiedName]),
      [
        [1, 'torch.nn.GroupNorm'],
        [2, 'torch.nn.BatchNorm2d'],
      ],
    );
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.layers[1].effective.momentum.value, 0.01);
    // a subclass an earlier cell defines with `self.bias = None` (PyTorch: only `weight` in named_parameters)
    const sub = [
      'import torch.nn as nn\nclass NoBias(nn.LayerNorm):\n    def __init__(self, c):\n        super().__init__(c)\n        self.bias = None\n',
      'ln = NoBias(8)\n',
    ];
    const r2 = analyzeNotebook(
      JSON.stringify({ cells: sub.map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [] })), metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    assert.ok(!('error' in r2));
    assert.equal(r2.layers[0].effective.bias.value, false);
  });

  it('explains why a text is not a notebook', () => {
    assert.match((analyzeNotebook('{') as { error: string }).error, /JSON/);
    assert.match((analyzeNotebook('{"cells": 3}') as { error: string }).error, /cells/);
  });

  it('notes InstanceNorm affine once per notebook', () => {
    const cell = (source: string) => ({ cell_type: 'code', source });
    const nb = JSON.stringify({
      cells: [cell('import torch.nn as nn'), cell('a = nn.InstanceNorm2d(3)\nprint(a.weight)'), cell('b = nn.InstanceNorm2d(3)\nprint(b.weight)')],
    });
    const r = analyzeNotebook(nb);
    assert.ok(!('error' in r));
    assert.deepEqual(
      r.diagnostics.map((d) => [d.cell, d.code]),
      [[1, 'instancenorm-affine-default']],
    );
  });

  it('blanks IPython magics and shell escapes so they do not break the scan', () => {
    const nb = JSON.stringify({
      cells: [
        { cell_type: 'code', source: ['!pip install torch\n', 'import torch.nn as nn\n', '%matplotlib inline'] },
        { cell_type: 'code', source: 'gn = nn.GroupNorm(3, 64)' },
      ],
    });
    const r = analyzeNotebook(nb);
    assert.ok(!('error' in r));
    assert.deepEqual(
      r.diagnostics.map((d) => [d.cell, d.code, d.range.start]),
      [[1, 'groupnorm-divisibility', { line: 0, character: 18 }]],
    );
  });
  it('a cell that imports a patch module beside the notebook: the patched class, no false binding error; cells counted from 1', () => {
    // PyTorch 2.13 (trial 5, U38): running the cells in order builds GroupNorm(4, 16)
    const cells = ['import torch.nn as nn\nfrom functools import partial\n', 'import patch_nb\n', 'gn = nn.GroupNorm(16)\n'];
    const json = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: cells.map((source) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null })),
    });
    const files: Record<string, string> = {
      '/nb/patch_nb.py': 'from functools import partial\nimport torch.nn as nn\nnn.GroupNorm = partial(nn.GroupNorm, 4)\n',
    };
    const graph = new ProjectGraph({ read: (p) => files[p] });
    const report = analyzeNotebook(json, { semantic: { host: graph.hostFor('/nb/nb1.ipynb'), path: 'nb1.ipynb' } });
    assert.ok(!('error' in report));
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(
      report.layers.map((l) => [l.cell, l.effective.num_groups?.value, l.origin?.how]),
      [[2, 4, 'replaced by module `patch_nb`, imported cell 2, line 1']],
    );
  });
});
