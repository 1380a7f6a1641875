import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExplain } from '../../../src/cli/explain';
import { compactHover } from '../../../src/explain/compact';
import { explainLayer } from '../../../src/explain/hover';
import { analyzeDocument } from '../../../src/checks';
import { renderedLines } from '../explain/renderedLines';

const ROOT = path.join(__dirname, '../../..');
const EX = (f: string) => path.join('examples', f);

async function explain(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const code = await runExplain(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, env: {} });
    return { code, stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}

describe('normlens explain', () => {
  const resnet = readFileSync(path.join(ROOT, EX('resnet_block.py')), 'utf8');
  const report = analyzeDocument(resnet);
  const bn2 = report.layers.find((l) => l.call.range.start.line === 19)!;

  it('prints the compact hover of the layer on the line (without links), within the hover box', async () => {
    const r = await explain([`${EX('resnet_block.py')}:20`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${compactHover(bn2, { decimals: 4, seed: 0, diagnostics: report.diagnostics }).markdown}\n`);
    assert.match(r.stdout, /momentum=0\.99 in PyTorch is the weight of the new batch/);
    assert.doesNotMatch(r.stdout, /command:/);
    assert.ok(renderedLines(r.stdout) <= 15);
  });

  it('--full prints the full explanation; --json the sections', async () => {
    const full = await explain([`${EX('resnet_block.py')}:20:25`, '--full']);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stdout, `${explainLayer(bn2, { decimals: 4, seed: 0, diagnostics: report.diagnostics, links: false }).markdown}\n`);
    assert.match(full.stdout, /#### In this code/);
    const json = JSON.parse((await explain([`${EX('resnet_block.py')}:20`, '--json'])).stdout);
    assert.equal(json.mode, 'compact');
    assert.equal(json.line, 20);
    assert.equal(json.column, 20);
    assert.equal(json.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.deepEqual(
      json.sections.checks.map((c: { code: string }) => c.code),
      ['momentum-convention'],
    );
    assert.match(json.sections.parameters, /2·`out_channels` learnable/);
    const fj = JSON.parse((await explain([`${EX('resnet_block.py')}:20`, '--json', '--full'])).stdout);
    assert.equal(fj.mode, 'full');
    assert.deepEqual(
      fj.sections.checks.map((c: { code: string }) => c.code),
      ['momentum-convention'],
    );
    assert.ok(fj.sections.advice.some((p: { id: string }) => p.id === 'batch-size-one'));
  });

  it('the conv with bias=False above: no "bias cancelled"; the conv with its default bias: said', async () => {
    const stem = await explain([`${EX('resnet_block.py')}:39`]);
    assert.doesNotMatch(stem.stdout, /cancelled/i);
    const bn1 = await explain([`${EX('resnet_block.py')}:18`]);
    assert.match(bn1.stdout, /The bias of this Conv2d is cancelled/);
  });

  it('says clearly what is wrong with the place', async () => {
    const none = await explain([`${EX('resnet_block.py')}:3`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no normalization layer at examples\/resnet_block\.py:3; layers are on lines 18, 20, 25, 39, 44/);
    const col = await explain([`${EX('resnet_block.py')}:20:2`]);
    assert.equal(col.code, 1);
    const past = await explain([`${EX('resnet_block.py')}:999`]);
    assert.equal(past.code, 2);
    assert.match(past.stderr, /has \d+ lines, no line 999/);
    const wide = await explain([`${EX('resnet_block.py')}:20:999`]);
    assert.equal(wide.code, 2);
    assert.equal(wide.stderr, 'normlens explain: line 20 of examples/resnet_block.py has 62 characters, no column 999\n');
    // just past the last character (an editor's cursor at the end of the line) is a place
    assert.notEqual((await explain([`${EX('resnet_block.py')}:20:63`])).code, 2);
    assert.match((await explain(['resnet.py'])).stderr, /expected PATH:LINE or PATH:LINE:COL/);
    assert.match((await explain([`${EX('resnet_block.py')}:0`])).stderr, /start at 1/);
    assert.match((await explain(['missing.py:1'])).stderr, /cannot read missing\.py/);
    assert.equal(
      (await explain([`${EX('resnet_block.py')}:2:1:5`])).stderr,
      'normlens explain: expected PATH:LINE or PATH:LINE:COL, got examples/resnet_block.py:2:1:5 (more numbers than a line and a column)\n',
    );
    assert.match((await explain([`${EX('notebook.ipynb')}:1`])).stderr, /is a notebook/);
    assert.equal((await explain([])).code, 2);
    assert.equal((await explain(['--bogus', 'a.py:1'])).code, 2);
  });

  it('a torchvision-style norm_layer in a file of its own: the origin, a formula, a stand-in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'normlens-explain-'));
    const file = path.join(dir, 'resnet.py');
    writeFileSync(
      file,
      'import torch.nn as nn\n\nclass B(nn.Module):\n    def __init__(self, planes, norm_layer=None):\n        super().__init__()\n        if norm_layer is None:\n            norm_layer = nn.BatchNorm2d\n        self.bn1 = norm_layer(planes)\n',
    );
    const r = await explain([`${file}:8`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /`norm_layer\(planes\)` builds `BatchNorm2d\(planes\)` — default of `norm_layer`, line 7/);
    assert.match(r.stdout, /2·`planes` learnable/);
    assert.match(r.stdout, /stand-in `planes` = 3/);
  });

  it('reads what the files of its folder that import it pass to its classes, as inspect on the folder does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'normlens-explain-'));
    writeFileSync(
      path.join(dir, 'blocks.py'),
      'import torch.nn as nn\n\nclass Bottleneck(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n',
    );
    writeFileSync(
      path.join(dir, 'net.py'),
      'from functools import partial\nimport torch.nn as nn\nfrom blocks import Bottleneck\n\ngn = partial(nn.GroupNorm, 32)\nlayers = [Bottleneck(64, norm_layer=gn)]\n',
    );
    // a file that does not import blocks.py passes nothing to it
    writeFileSync(path.join(dir, 'other.py'), 'import torch.nn as nn\nx = nn.LayerNorm(3)\n');
    const r = await explain([`${path.join(dir, 'blocks.py')}:6`]);
    assert.equal(r.code, 0, r.stderr);
    // PyTorch: Net's blocks are GroupNorm(32, 64), the only ones built; the default BatchNorm2d is what callers elsewhere
    // would get (shown second: every call seen passes norm_layer)
    assert.match(
      r.stdout,
      /`norm_layer\(c\)` builds `GroupNorm\(32, num_channels=c\)` \(or `BatchNorm2d`, depending on the caller\) — passed as `norm_layer` from `[^`]*net\.py:6`/,
    );
  });

  it('explains in full a BatchNorm whose momentum lies outside [0, 1] (no convention has an equal: no momentum line)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'normlens-explain-'));
    const file = path.join(dir, 'm.py');
    writeFileSync(file, 'import torch\nimport keras\na = torch.nn.BatchNorm1d(8, momentum=1.5)\nb = keras.layers.BatchNormalization(momentum=-0.1)\n');
    for (const line of [3, 4]) {
      const r = await explain([`${file}:${line}`, '--full']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /momentum-range/);
      assert.doesNotMatch(r.stdout, /Same running-average speed/);
    }
  });

  it('README shows its output as it is', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const m = /```console\n\$ node dist\/cli\.js explain (\S+)\n([\s\S]*?)```/.exec(readme);
    assert.ok(m, 'an example in README');
    const r = await explain([m[1]]);
    assert.equal(r.code, 0);
    assert.equal(m[2], r.stdout);
  });
});
