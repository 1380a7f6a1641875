import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, chmodSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from './helpers';
import { shownPath } from '../../../src/cli/inspect';

const TORCH = 'import torch.nn as nn\n';

describe('normlens inspect: arguments and files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'normlens-inspect-'));
  });
  afterEach(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage for --help and exits 0', async () => {
    const r = await inspect(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: normlens inspect PATH\.\.\. \[--json\]/);
  });

  it('exits 2 without a path or with an unknown option', async () => {
    const none = await inspect([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no path given/);
    const bad = await inspect(['--colour', dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --colour/);
  });

  it('recurses into folders, skipping hidden folders, virtual environments, site-packages and node_modules', async () => {
    const write = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    write('b.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('a/model.py', TORCH + 'ln = nn.LayerNorm(8)\n');
    write('a/notes.txt', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('.hidden/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('venv/pyvenv.cfg', 'home = /usr/bin\n');
    write('venv/lib/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('miniconda/envs/torch/conda-meta/history', '');
    write('miniconda/envs/torch/lib/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    // a package named like a virtual environment, without what one holds, is code
    write('env/step.py', TORCH + 'gn = nn.GroupNorm(2, 8)\n');
    write('.venv/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('myenv/pyvenv.cfg', 'home = /usr/bin\n');
    write('myenv/lib/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('lib/python3.11/site-packages/torch/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    write('web/node_modules/x.py', TORCH + 'bn = nn.BatchNorm2d(8)\n');
    symlinkSync(path.join(dir, 'a'), path.join(dir, 'link-to-a'));
    const r = await inspect(['--json', dir]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.files.map((f: { path: string }) => path.relative(dir, f.path)),
      [path.join('a', 'model.py'), 'b.py', path.join('env', 'step.py')],
    );
    assert.deepEqual(
      out.files.map((f: { layers: { qualifiedName: string }[] }) => f.layers.map((l) => l.qualifiedName)),
      [['torch.nn.LayerNorm'], ['torch.nn.BatchNorm2d'], ['torch.nn.GroupNorm']],
    );
  });

  it('names a missing or unreadable file, exits 2, and still reports the others', async () => {
    const good = path.join(dir, 'good.py');
    writeFileSync(good, TORCH + 'gn = nn.GroupNorm(3, 64)\n');
    const locked = path.join(dir, 'locked.py');
    writeFileSync(locked, TORCH);
    chmodSync(locked, 0o000);
    const missing = path.join(dir, 'missing.py');
    const r = await inspect(['--json', missing, good, locked]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file or directory`));
    if (process.getuid?.() !== 0) assert.match(r.stderr, /cannot read .*locked\.py: permission denied/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.files[0].path, good);
    assert.equal(out.files[0].diagnostics[0].code, 'groupnorm-divisibility');
  });

  it('inspects a file nested thousands of brackets deep (Lezer overflowed its stack and the whole run failed)', async () => {
    const good = path.join(dir, 'good2.py');
    writeFileSync(good, TORCH + 'bn = nn.BatchNorm2d(3)\n');
    const deep = path.join(dir, 'deep.py');
    // CPython refuses this file (more than 200 nested brackets); the run must still report both
    writeFileSync(deep, TORCH + 'x = ' + '('.repeat(10_000) + 'nn.BatchNorm2d(3, momentum=0.9)' + ')'.repeat(10_000) + '\nln = nn.LayerNorm(8)\n');
    const r = await inspect(['--json', good, deep]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.files.map((f: { path: string; layers: { qualifiedName: string }[] }) => [path.basename(f.path), f.layers.map((l) => l.qualifiedName)]),
      [
        ['good2.py', ['torch.nn.BatchNorm2d']],
        ['deep.py', ['torch.nn.BatchNorm2d', 'torch.nn.LayerNorm']],
      ],
    );
  });

  it('reads a file named without .py as Python (a script), and says so', async () => {
    const script = path.join(dir, 'train');
    writeFileSync(script, '#!/usr/bin/env python\n' + TORCH + 'bn = nn.BatchNorm2d(8)\n');
    const r = await inspect([script]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, `normlens inspect: ${script} is not named .py or .ipynb: read as Python\n`);
    assert.match(r.stdout, /1 file, 1 layer/);
    // a folder's files are chosen by name: no such note
    assert.equal((await inspect([dir])).stderr, '');
  });

  it('exits 1 when an error diagnostic is found, 0 for warnings and infos only', async () => {
    const err = path.join(dir, 'err.py');
    writeFileSync(err, TORCH + 'gn = nn.GroupNorm(3, 64)\n');
    const warn = path.join(dir, 'warn.py');
    writeFileSync(warn, TORCH + 'bn = nn.BatchNorm2d(64, momentum=0.9)\n');
    assert.equal((await inspect([err])).code, 1);
    assert.equal((await inspect([warn])).code, 0);
    assert.equal((await inspect(['--json', warn, err])).code, 1);
  });

  it('reports a notebook that is not JSON by name and exits 2', async () => {
    const nb = path.join(dir, 'broken.ipynb');
    writeFileSync(nb, '{"cells": [');
    const r = await inspect([nb]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot use .*broken\.ipynb: .*JSON/);
  });

  it("names a notebook's cells from 1 in text, markdown cells included, and by 0-based index in JSON", async () => {
    const nb = path.join(dir, 'nb.ipynb');
    const cell = (cell_type: string, source: string) => ({
      cell_type,
      source,
      metadata: {},
      ...(cell_type === 'code' ? { outputs: [], execution_count: null } : {}),
    });
    writeFileSync(
      nb,
      JSON.stringify({ cells: [cell('markdown', '# Model'), cell('code', TORCH + 'bn = nn.BatchNorm2d(8)\n')], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    const text = await inspect([nb]);
    assert.equal(text.code, 0, text.stderr);
    // the second cell (the first is markdown), line 2, column 6
    assert.match(text.stdout, /^ {2}cell 2 2:6 +torch\.nn\.BatchNorm2d/m);
    const json = await inspect(['--json', nb]);
    const layer = JSON.parse(json.stdout).files[0].layers[0];
    assert.deepEqual([layer.cell, layer.line, layer.column], [1, 2, 6]);
  });

  it('names files in explanations relative to the working folder only when inside it', () => {
    assert.equal(shownPath('/work/p/norm.py', '/work'), 'p/norm.py');
    // (an absolute input elsewhere stays absolute: `../../../tmp/...` was shown)
    assert.equal(shownPath('/tmp/t/norm.py', '/work/main'), '/tmp/t/norm.py');
  });

  it('colours text only on a terminal and never with NO_COLOR', async () => {
    const f = path.join(dir, 'm.py');
    writeFileSync(f, TORCH + 'gn = nn.GroupNorm(3, 64)\n');
    const plain = await inspect([f]);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const tty = await inspect([f], { isTTY: true });
    assert.match(tty.stdout, /\x1b\[31merror/);
    const noColor = await inspect([f], { isTTY: true, env: { NO_COLOR: '1' } });
    assert.doesNotMatch(noColor.stdout, /\x1b\[/);
    assert.equal(noColor.stdout, plain.stdout);
  });

  it('prints each layer with written and default arguments, its diagnostics, and a summary', async () => {
    const f = path.join(dir, 'm.py');
    writeFileSync(f, TORCH + 'bn = nn.BatchNorm2d(64, momentum=0.9)\n');
    const r = await inspect([f]);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], f);
    assert.equal(lines[1], '  2:6  torch.nn.BatchNorm2d  pytorch batch_norm');
    assert.equal(lines[2], '       written   num_features=64  momentum=0.9');
    assert.equal(lines[3], '       defaults  eps=1e-05  affine=True  track_running_stats=True  device=None  dtype=None');
    assert.equal(lines[4], '                 bias=True');
    // The diagnostic, wrapped under the layer with a hanging indent, every line within 100 columns.
    assert.ok(lines[5].startsWith('       warning 2:34  momentum=0.9 in PyTorch is the weight of the new batch'), lines[5]);
    const end = lines.indexOf('');
    assert.ok(end > 6);
    for (const l of lines.slice(6, end)) assert.match(l, /^ {15}\S/);
    for (const l of lines) assert.ok(l.length <= 100, l);
    assert.equal(
      [lines[5].slice('       warning 2:34  '.length), ...lines.slice(6, end).map((l) => l.trim())].join(' '),
      'momentum=0.9 in PyTorch is the weight of the new batch, so the running statistics average over about 1 batch. ' +
        'This looks like the old-weight convention of Keras/Flax; the same averaging here is momentum=0.1. [momentum-convention]',
    );
    assert.deepEqual(lines.slice(end), ['', '1 file, 1 layer, 0 errors, 1 warning, 0 info', '']);
  });

  it("lists what the code gives a layer from another place (a user class's default, a partial's keyword) apart from what the call writes", async () => {
    const f = path.join(dir, 'sub.py');
    writeFileSync(
      f,
      TORCH +
        'from functools import partial\n' +
        'class LN(nn.LayerNorm):\n' +
        '    def __init__(self, d, eps=1e-6):\n' +
        '        super().__init__(d, eps=eps)\n' +
        'a = LN(32)\n' +
        'b = LN(32, eps=1e-5)\n' +
        'make = partial(nn.BatchNorm2d, momentum=0.01)\n' +
        'c = make(8)\n',
    );
    const r = await inspect([f]);
    const block = (line: number) => '\n' + r.stdout.split(/\n {2}(?=\d+:)/).find((b) => b.startsWith(`${line}:`))!;
    // PyTorch 2.13: a.eps == 1e-06 (LN's default), b.eps == 1e-05, c.momentum == 0.01
    assert.match(block(6), /\n +written {3}normalized_shape=32\n +elsewhere eps=1e-06\n/);
    assert.match(block(7), /\n +written {3}normalized_shape=32 {2}eps=1e-5\n +defaults /);
    assert.match(block(9), /\n +written {3}num_features=8\n +elsewhere momentum=0\.01\n/);
  });
});

describe('normlens inspect: threads and calls between files', () => {
  const cli = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'normlens-jobs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a --jobs that is not a whole number from 1 to 64', async () => {
    for (const v of ['0', '-1', 'two', '1.5', '65']) {
      const r = await inspect(['--jobs', v, dir]);
      assert.equal(r.code, 2, v);
      assert.match(r.stderr, /--jobs takes a whole number of threads from 1 to 64/);
    }
    const missing = await inspect([dir, '--jobs']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not nothing/);
  });

  it("binds what one file passes into another file's parameters, and prints the same for 1 and 3 threads (the built CLI)", function () {
    if (!existsSync(cli)) this.skip(); // why: needs `npm run build` (worker threads run the bundle)
    mkdirSync(path.join(dir, 'pkg'));
    writeFileSync(path.join(dir, 'pkg', '__init__.py'), '');
    writeFileSync(
      path.join(dir, 'pkg', 'mlp.py'),
      'import torch.nn as nn\nclass Mlp(nn.Module):\n    def __init__(self, dim, norm_layer=None):\n        super().__init__()\n        self.norm = norm_layer(dim)\n',
    );
    for (let i = 0; i < 6; i++)
      writeFileSync(
        path.join(dir, 'pkg', `m${i}.py`),
        `from functools import partial\nimport torch.nn as nn\nfrom .mlp import Mlp\nm = Mlp(${8 + i}, norm_layer=partial(nn.LayerNorm, eps=1e-${i + 3}))\nb = nn.BatchNorm2d(${i + 1})\n`,
      );
    const run = (jobs: string, json: boolean) =>
      spawnSync(process.execPath, [cli, 'inspect', '--jobs', jobs, ...(json ? ['--json'] : []), 'pkg'], { cwd: dir, encoding: 'utf8' });
    for (const json of [false, true]) {
      const one = run('1', json);
      const three = run('3', json);
      assert.equal(one.status, 0, one.stderr);
      assert.equal(three.status, 0, three.stderr);
      assert.equal(three.stdout, one.stdout);
      assert.equal(three.stderr, one.stderr);
      if (!json) {
        // mlp.py's norm_layer(dim) builds LayerNorm, passed from each model file (eps is the partial's, given there)
        assert.match(
          one.stdout,
          /pkg\/mlp\.py\n {2}5:21 {2}torch\.nn\.LayerNorm[^\n]*\n *found +`norm_layer`: passed as `norm_layer` from `pkg\/m0\.py:4`\n *written +normalized_shape=dim\n *elsewhere +eps=0\.001\n/,
        );
        assert.match(one.stdout, /8 files, 7 layers/);
      } else {
        const doc = JSON.parse(one.stdout);
        assert.deepEqual(
          doc.files.map((f: { path: string }) => f.path),
          ['pkg/__init__.py', 'pkg/m0.py', 'pkg/m1.py', 'pkg/m2.py', 'pkg/m3.py', 'pkg/m4.py', 'pkg/m5.py', 'pkg/mlp.py'],
        );
      }
    }
  });
});

describe('normlens inspect: output into a pipe closed early', () => {
  const cli = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
  it('stops quietly when the reader goes away (`| head -1`), with no stack trace', async function () {
    if (!existsSync(cli)) this.skip(); // why: runs the built CLI
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'normlens-pipe-'));
    try {
      for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `m${i}.py`), 'import torch.nn as nn\n' + 'x = nn.BatchNorm2d(8)\n'.repeat(200));
      const child = spawn(process.execPath, [cli, 'inspect', '--jobs', '1', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // read the first chunk, then close the pipe as `head -1` does
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(stderr, '');
      assert.equal(code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('normlens inspect: files without layers of their own', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'normlens-reach-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('still reports a layer reached only through a sibling class, and a diagnostic on a norm partial alone', async () => {
    // model.py names no norm class (the sibling's subclass, renamed on import); partials.py builds
    // no layer (a partial of one); plain.py has neither: a file without layers skips the data flow
    // and the checks only when it has neither
    mkdirSync(path.join(dir, 'pkg'));
    writeFileSync(path.join(dir, 'pkg', '__init__.py'), '');
    writeFileSync(path.join(dir, 'pkg', 'blocks.py'), 'import torch.nn as nn\n\n\nclass Chan(nn.GroupNorm):\n    pass\n');
    writeFileSync(path.join(dir, 'pkg', 'model.py'), 'from .blocks import Chan as C\n\nx = C(3, 64)\n');
    writeFileSync(path.join(dir, 'pkg', 'partials.py'), 'from functools import partial\nimport torch.nn as nn\n\nmake = partial(nn.BatchNorm2d, eps=-1e-5)\n');
    writeFileSync(path.join(dir, 'pkg', 'plain.py'), 'import os\n\nx = os.path.join("a", "b")\n');
    const r = await inspect(['--json', '--jobs', '1', path.join(dir, 'pkg')]);
    assert.equal(r.code, 1, r.stderr);
    const files = JSON.parse(r.stdout).files as {
      path: string;
      layers: { line: number; qualifiedName: string; how?: string }[];
      diagnostics: { line: number; code: string }[];
    }[];
    const by = new Map(files.map((f) => [path.basename(f.path), f]));
    assert.deepEqual([...by.keys()], ['__init__.py', 'blocks.py', 'model.py', 'partials.py', 'plain.py']);
    const [layer, ...more] = by.get('model.py')!.layers;
    assert.deepEqual(more, []);
    assert.deepEqual([layer.line, layer.qualifiedName], [3, 'torch.nn.GroupNorm']);
    assert.match(layer.how!, /^subclass `Chan` of `GroupNorm`, `.*pkg\/blocks\.py:4`$/);
    assert.deepEqual(
      by.get('model.py')!.diagnostics.map((d) => [d.line, d.code]),
      [[3, 'groupnorm-divisibility']],
    );
    assert.deepEqual(by.get('partials.py')!.layers, []);
    assert.deepEqual(
      by.get('partials.py')!.diagnostics.map((d) => [d.line, d.code]),
      [[4, 'eps-negative']],
    );
    for (const f of ['__init__.py', 'blocks.py', 'plain.py']) {
      assert.deepEqual(by.get(f)!.layers, [], f);
      assert.deepEqual(by.get(f)!.diagnostics, [], f);
    }
  });
});

describe('normlens inspect: placement in residual blocks', () => {
  it("lists a hand-written module's defaults of what it computes with only, not the framework class's other fields", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'normlens-custom-')), 'maxtext.py');
    writeFileSync(
      file,
      [
        'import jax',
        'import jax.numpy as jnp',
        'import flax.linen as nn',
        'class RMS(nn.Module):',
        '    epsilon: float = 1e-6',
        '    @nn.compact',
        '    def __call__(self, x):',
        '        scale = self.param("scale", nn.initializers.ones, (x.shape[-1],))',
        '        return x * jax.lax.rsqrt(jnp.mean(jax.lax.square(x), axis=-1, keepdims=True) + self.epsilon) * scale',
        'class Block(nn.Module):',
        '    @nn.compact',
        '    def __call__(self, x):',
        '        return RMS(epsilon=1e-5)(x)',
        '',
      ].join('\n'),
    );
    const r = await inspect(['--jobs', '1', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /written {3}epsilon=1e-5\n\s+defaults {2}use_scale=True {2}reduction_axes=-1\n/);
    assert.doesNotMatch(r.stdout, /parent=|use_fast_variance|force_float32/);
  });

  it('reports "placement" per layer in --json and a "placed" line in text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'normlens-inspect-'));
    try {
      const file = path.join(dir, 'block.py');
      writeFileSync(
        file,
        TORCH +
          'class Block(nn.Module):\n' +
          '    def __init__(self, d):\n' +
          '        super().__init__()\n' +
          '        self.norm = nn.LayerNorm(d)\n' +
          '        self.post = nn.LayerNorm(d)\n' +
          '        self.mlp = nn.Linear(d, d)\n' +
          '\n' +
          '    def forward(self, x):\n' +
          '        residual = x\n' +
          '        x = self.norm(x)\n' +
          '        x = residual + self.mlp(x)\n' +
          '        return self.post(x + self.mlp(x))\n',
      );
      const r = await inspect(['--json', file]);
      assert.equal(r.code, 0, r.stderr);
      const layers = JSON.parse(r.stdout).files[0].layers as { line: number; placement?: string; residualAddLine?: number }[];
      assert.deepEqual(
        layers.map((l) => [l.line, l.placement, l.residualAddLine]),
        [
          [5, 'pre-norm', 12],
          [6, 'post-norm', 13],
        ],
      );
      const text = await inspect([file]);
      assert.match(text.stdout, /placed +pre-norm: normalizes the input of a branch added back to it, line 12/);
      assert.match(text.stdout, /placed +post-norm: normalizes the sum of the residual add, line 13/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
