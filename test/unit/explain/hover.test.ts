import { strict as assert } from 'node:assert';
import { explainLayer } from '../../../src/explain/hover';
import { decodeCommandUri } from '../../../src/explain/links';
import { fixed } from '../../../src/explain/format';
import { runLayer, seededSample } from '../../../src/core/index';
import type { BatchNormSpec, LayerNormSpec } from '../../../src/core/spec';
import { parseOpenRequest } from '../../../src/protocol';
import { makeLayer } from './layers';
import { analyzeDocument } from '../../../src/checks';

const opts = { decimals: 4, seed: 0 };

/** Rows of the first Markdown table after `heading`. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  let i = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(i >= 0, `no ${heading}`);
  while (!lines[i].startsWith('|')) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].slice(2, -2).split(' | '));
  return rows;
}

describe('explain/explainLayer', () => {
  const bn = makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [64], { momentum: 0.99 });
  const hover = explainLayer(bn, opts);

  it('titles the layer and states its axes for the expected input', () => {
    assert.equal(hover.sections.title, 'BatchNorm2d · PyTorch');
    assert.ok(hover.markdown.startsWith('### BatchNorm2d · PyTorch\n`nn.BatchNorm2d(64, momentum=0.99)` — batch normalization'));
    assert.match(hover.sections.axes, /Input `\(N, 64, H, W\)`/);
    assert.match(hover.sections.axes, /over N·H·W/);
  });

  it("writes the formula with the user's ε and the momentum update with the user's value", () => {
    assert.match(hover.sections.formula, /y = \(x − mean\) \/ √\(var \+ ε\) · γ \+ β\nε = 1e-05/);
    assert.match(hover.sections.formula, /γ = σ, β = μ gives back the input/);
    assert.match(hover.sections.modes, /running_mean ← 0\.01·running_mean \+ 0\.99·batch_mean/);
    assert.match(hover.sections.modes, /running_var ← 0\.01·running_var \+ 0\.99·unbiased batch_var/);
    assert.match(hover.sections.modes, /model\.eval\(\)/);
  });

  it('marks written arguments and defaults, with the default value', () => {
    const rows = tableAfter(hover.markdown, '#### Arguments');
    const byName = Object.fromEntries(rows.map((r) => [r[0], r.slice(1)]));
    assert.deepEqual(byName['`num_features`'], ['`64`', 'written']);
    assert.deepEqual(byName['`momentum`'], ['`0.99`', 'written · default `0.1`']);
    assert.deepEqual(byName['`eps`'], ['`1e-05`', 'default']);
    assert.deepEqual(byName['`affine`'], ['`True`', 'default']);
    assert.deepEqual(byName['`track_running_stats`'], ['`True`', 'default']);
  });

  it('says which values the call does not write and who gives them (its class, its partial, a statement once built)', () => {
    const src = [
      'import torch.nn as nn',
      'from functools import partial',
      'class LayerNorm2d(nn.LayerNorm):',
      '    def __init__(self, c, eps=1e-6):',
      '        super().__init__(c, eps=eps)',
      'GN4 = partial(nn.GroupNorm, 4)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        self.a = LayerNorm2d(8)',
      '        self.b = GN4(8, eps=1e-2)',
      '        self.c = nn.BatchNorm2d(8)',
      '        self.c.momentum = None',
    ].join('\n');
    const rows = (line: number) => {
      const l = recognize(src).find((x) => x.call.range.start.line === line)!;
      return Object.fromEntries(tableAfter(explainLayer(l, opts).markdown, '#### Arguments').map((r) => [r[0], r.slice(1)]));
    };
    // PyTorch 2.13: a.eps == 1e-06, b.num_groups == 4 and b.eps == 0.01, c.momentum is None
    assert.deepEqual(rows(8)['`eps`'], ['`1e-06`', 'not at this call: `LayerNorm2d` gives it · default `1e-05`']);
    assert.deepEqual(rows(8)['`normalized_shape`'], ['`8`', 'written']);
    assert.deepEqual(rows(9)['`num_groups`'], ['`4`', 'not at this call: its partial gives it']);
    assert.deepEqual(rows(9)['`eps`'], ['`0.01`', 'written · default `1e-05`']);
    assert.deepEqual(rows(10)['`momentum`'], ['`None`', 'not at this call · `self.c.momentum = None`: `None`']);
  });

  it('counts parameters, buffers and bytes', () => {
    // 64 γ + 64 β; running_mean 64 + running_var 64 + num_batches_tracked 1; 256 floats · 4 + 8 bytes
    assert.match(hover.sections.parameters, /128 learnable parameters/);
    assert.match(hover.sections.parameters, /129 buffer values/);
    assert.match(hover.sections.parameters, /1,032 B/);
  });

  it('converts the momentum for other frameworks', () => {
    assert.match(hover.sections.frameworks, /Same running-average speed as `momentum=0\.99`: Keras 3, Flax linen, Haiku, Paddle `0\.01` · MLX `0\.99`\./);
  });

  it('shows exactly the checks the code makes true, and general advice apart', () => {
    // Without the document's diagnostics nothing is claimed about the code.
    assert.deepEqual(hover.sections.checks, []);
    assert.deepEqual(
      hover.sections.advice.map((p) => p.id),
      ['train-eval-mismatch', 'batch-size-one', 'freeze-when-finetuning'],
    );
    const src = 'import torch.nn as nn\nnet = nn.Sequential(\n    nn.Conv2d(3, 64, 3),\n    nn.BatchNorm2d(64, momentum=0.99),\n)\n';
    const { layers, diagnostics } = analyzeDocument(src);
    const h = explainLayer(layers[0], { ...opts, diagnostics });
    assert.deepEqual(
      h.sections.checks.map((c) => c.code),
      ['conv-bias-before-bn', 'momentum-convention'],
    );
    assert.match(
      h.markdown,
      /#### In this code\n- \*\*info\*\* The bias of this Conv2d is cancelled by the BatchNorm2d that follows .*\n- \*\*warning\*\* momentum=0\.99 in PyTorch is the weight of the new batch/,
    );
    assert.match(h.markdown, /the same averaging here is momentum=0\.01\. \(`momentum-convention`\)/);
    // bias=False above: no bias line; the default momentum: no convention line.
    const clean = analyzeDocument('import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64))\n');
    const c = explainLayer(clean.layers[0], { ...opts, diagnostics: clean.diagnostics });
    assert.deepEqual(c.sections.checks, []);
    assert.doesNotMatch(c.markdown, /In this code|[Bb]ias before|cancelled|other convention/);
  });

  it('shows a worked example equal to the core on the same seeded sample', () => {
    const ex = hover.sections.exampleData!;
    assert.deepEqual(ex.shape, [2, 3, 2, 2]);
    const spec: BatchNormSpec = {
      kind: 'batch_norm',
      numFeatures: 3,
      eps: 1e-5,
      momentum: 0.99,
      hasWeight: true,
      hasBias: true,
      trackRunningStats: true,
      storedVariance: 'unbiased',
      channelAxis: 1,
      allowedRanks: [4],
      layerName: 'BatchNorm2d',
    };
    const x = seededSample([2, 3, 2, 2], 0);
    const ref = runLayer({ spec, mode: 'train', input: x });
    assert.deepEqual(Array.from(ex.input), Array.from(x.data));
    assert.deepEqual(Array.from(ex.output), Array.from(ref.output.data));
    // and the printed numbers are those values, and match a float64 computation of channel 0
    const ch0 = [0, 1, 2, 3, 12, 13, 14, 15].map((i) => x.data[i]);
    const mean = ch0.reduce((a, b) => a + b, 0) / 8;
    const variance = ch0.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
    const rows = tableAfter(hover.markdown, '#### Worked example');
    assert.equal(rows.length, 3);
    assert.equal(rows[0][0], '0');
    assert.equal(rows[0][1], fixed(mean, 4));
    assert.equal(rows[0][2], fixed(variance, 4));
    assert.equal(rows[0][3], [0, 1, 2, 3].map((i) => fixed(x.data[i], 4)).join(', ') + ', …');
    assert.equal(rows[0][4], [0, 1, 2, 3].map((i) => fixed((x.data[i] - mean) / Math.sqrt(variance + 1e-5), 4)).join(', ') + ', …');
    assert.equal(rows[0][4], [0, 1, 2, 3].map((i) => fixed(ref.output.data[i], 4)).join(', ') + ', …');
    assert.match(hover.sections.example, /3 of the 64 channels/);
  });

  it('honours decimals and seed', () => {
    const h = explainLayer(bn, { decimals: 2, seed: 5 });
    const x = seededSample([2, 3, 2, 2], 5);
    const rows = tableAfter(h.markdown, '#### Worked example');
    assert.equal(rows[0][3], [0, 1, 2, 3].map((i) => fixed(x.data[i], 2)).join(', ') + ', …');
    assert.match(h.sections.example, /seed 5/);
  });

  it('links to the panel and calculators with the layer prefilled', () => {
    const uris = [...hover.sections.links.matchAll(/\]\((command:[^)]+)\)/g)].map((m) => m[1]);
    const commands = uris.map((u) => decodeCommandUri(u)!.command);
    assert.deepEqual(commands, [
      COMMANDS.openPanel.id,
      COMMANDS.normalize.id,
      COMMANDS.count.id,
      COMMANDS.momentum.id,
      COMMANDS.simulate.id,
      COMMANDS.fold.id,
      COMMANDS.choose.id,
    ]);
    const open = parseOpenRequest(decodeCommandUri(uris[0])!.arg);
    assert.ok(open.ok);
    assert.equal(open.value.framework, 'pytorch');
    assert.equal(open.value.kind, 'batch_norm');
    assert.equal(open.value.args!.num_features, 64);
    assert.equal(open.value.args!.momentum, 0.99);
    assert.equal(open.value.args!.eps, 1e-5);
    // calculators get the written arguments; their defaults come from the class
    const calc = decodeCommandUri(uris[1])!.arg as { qualifiedName: string; args: Record<string, unknown> };
    assert.equal(calc.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.deepEqual(calc.args, { num_features: 64, momentum: 0.99 });
  });

  it('LayerNorm: across features, no running-statistics pitfalls, pre-norm noted, example from the core', () => {
    const ln = explainLayer(makeLayer('torch.nn.LayerNorm', 'nn.LayerNorm', [768]), opts);
    assert.deepEqual(
      ln.sections.advice.map((p) => p.id),
      ['layernorm-nchw'],
    );
    assert.deepEqual(ln.sections.checks, []);
    assert.match(ln.sections.axes, /\(\*, 768\)/);
    assert.match(ln.sections.modes, /pre-norm/);
    assert.match(ln.sections.modes, /variable sequence lengths/);
    assert.match(ln.sections.parameters, /1,536 learnable parameters/);
    const ex = ln.sections.exampleData!;
    assert.deepEqual(ex.shape, [2, 4]);
    const spec: LayerNormSpec = { kind: 'layer_norm', normalizedShape: [4], eps: 1e-5, hasWeight: true, hasBias: true };
    const ref = runLayer({ spec, mode: 'train', input: seededSample([2, 4], 0) });
    assert.deepEqual(Array.from(ex.output), Array.from(ref.output.data));
  });

  it("GroupNorm with indivisible channels: the divisibility check with the quick fixes' alternatives, and no example", () => {
    const src = 'import torch.nn as nn\ngn = nn.GroupNorm(32, 80)\n';
    const { layers, diagnostics } = analyzeDocument(src);
    const gn = explainLayer(layers[0], { ...opts, diagnostics });
    assert.deepEqual(
      gn.sections.checks.map((c) => c.message),
      ['num_channels=80 cannot be split into num_groups=32 equal groups; group counts that divide 80 nearby: 40, 20.'],
    );
    // The same alternatives, in the same order, as the quick fixes.
    assert.deepEqual(
      diagnostics[0].fixes.map((f) => f.title),
      ['Use num_groups=40', 'Use num_groups=20'],
    );
    assert.match(gn.sections.example, /^No worked example/);
    const ok = explainLayer(makeLayer('torch.nn.GroupNorm', 'nn.GroupNorm', [8, 64]), opts);
    assert.deepEqual(ok.sections.checks, []);
    assert.deepEqual(ok.sections.exampleData!.shape, [2, 4, 2, 2]);
    assert.match(ok.sections.axes, /64 channels form 8 groups of 8/);
  });

  it('InstanceNorm: affine=False by default is said in the formula; RMSNorm eps None is a note', () => {
    const inn = explainLayer(makeLayer('torch.nn.InstanceNorm2d', 'nn.InstanceNorm2d', [16]), opts);
    assert.deepEqual(inn.sections.checks, []);
    const rms = explainLayer(makeLayer('torch.nn.RMSNorm', 'nn.RMSNorm', [16]), opts);
    assert.deepEqual(
      rms.sections.checks.map((c) => c.code),
      ['rmsnorm-eps-none'],
    );
    assert.match(rms.markdown, /- \*\*ε = None is machine epsilon\*\* float32 inputs get `?1\.1920928955078125e-07/);
    assert.match(inn.sections.formula, /No learnable γ and β/);
  });

  it('a size that is an expression: the count as a formula in it, the example on a stand-in size, as the compact card', () => {
    const e = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [{ expr: 'channels' }]), opts);
    assert.match(e.sections.example, /seeded sample `\(2, 3, 2, 2\)` \(seed 0\) \(stand-in `channels` = 3: the real size is known only when the code runs\):/);
    assert.equal(e.sections.exampleData?.shape.join(','), '2,3,2,2');
    assert.match(e.sections.parameters, /^2·`channels` learnable \(weight, bias\) · 2·`channels` \+ 1 in buffers \(`num_features` is an expression/);
    // a non-size expression (eps) has no stand-in: said briefly
    const eps = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [8], { eps: { expr: 'cfg.eps' } }), opts);
    assert.match(eps.sections.example, /No worked example: `eps` is an expression/);
    assert.match(e.sections.arguments, /`channels` \(expression\)/);
  });
});

import { recognize } from '../../../src/python/index';
import { COMMANDS } from '../../../src/explain/commands';

describe('explain/explainLayer on recognized source', () => {
  it('explains a layer found by the recognizer exactly as one bound by hand', () => {
    const [layer] = recognize('import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0.99)\n');
    const byHand = makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [64], { momentum: 0.99 });
    assert.equal(explainLayer(layer, opts).markdown, explainLayer(byHand, opts).markdown);
  });

  it('functional batch_norm: switched by its training argument, example only when training', () => {
    const layers = recognize('import torch.nn.functional as F\na = F.batch_norm(x, rm, rv, training=True)\nb = F.batch_norm(x, rm, rv)\n');
    const a = explainLayer(layers[0], opts);
    assert.match(a.sections.modes, /this call has `training=True`/);
    assert.ok(a.sections.exampleData);
    assert.deepEqual(a.sections.checks, []);
    const b = explainLayer(layers[1], opts);
    assert.equal(b.sections.exampleData, null);
    assert.match(b.sections.example, /with `training=False` it normalizes with stored running statistics/);
    assert.deepEqual(
      b.sections.checks.map((c) => c.code),
      ['functional-batch-norm-training'],
    );
    assert.match(b.markdown, /without `training=True` it uses the running statistics passed in/);
  });

  it('says what needs a newer PyTorch: RMSNorm from 2.4, bias= of BatchNorm in 2.13 but not 1.13', () => {
    const [rms, bn, plain] = recognize('import torch.nn as nn\na = nn.RMSNorm(8)\nb = nn.BatchNorm2d(8, bias=False)\nc = nn.BatchNorm2d(8)\n');
    assert.match(explainLayer(rms, opts).sections.arguments, /Versions: `RMSNorm` exists from PyTorch 2\.4\./);
    assert.match(explainLayer(bn, opts).sections.arguments, /`bias=` is taken by torch 2\.13 but not by torch 1\.13/);
    assert.doesNotMatch(explainLayer(plain, opts).sections.arguments, /Versions/);
  });

  it('functional forms: γ only when passed, and no channel count the code does not give (issue 12)', () => {
    const [ln, lnw, gn] = recognize('import torch.nn.functional as F\na = F.layer_norm(x, (8,))\nb = F.layer_norm(x, (8,), w, b)\nc = F.group_norm(x, 32)\n');
    const a = explainLayer(ln, opts).sections.formula;
    assert.doesNotMatch(a, /learnable/);
    assert.match(a, /No γ or β is passed/);
    assert.match(explainLayer(lnw, opts).sections.formula, /γ \(weight\) and β \(bias\): passed in by the call/);
    const axes = explainLayer(gn, opts).sections.axes;
    assert.match(axes, /the input's C channels form 32 groups of C\/32 \(C comes from the input\)/);
    assert.doesNotMatch(axes, /64 channels/);
  });

  it('Keras LayerNormalization sized from the input: example on a sample shape, no made-up sizes', () => {
    const [layer] = recognize('from tensorflow.keras import layers\nq = layers.LayerNormalization(axis=[1, 2, 3])\n');
    const h = explainLayer(layer, opts);
    assert.ok(h.sections.exampleData);
    assert.deepEqual(h.sections.exampleData.shape, [2, 2, 2, 2]);
    assert.match(h.sections.example, /sizes as if the input had this shape/);
    assert.match(h.sections.parameters, /^Sizes come from the input/);
    assert.match(h.sections.formula, /ε = 0\.001/);
  });
});

describe('explain/explainLayer preferred framework', () => {
  it('puts the preferred framework first among the equivalents', () => {
    const layer = makeLayer('torch.nn.LayerNorm', 'nn.LayerNorm', [768]);
    const rows = (h: ReturnType<typeof explainLayer>) => h.sections.frameworks.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| framework'));
    const plain = rows(explainLayer(layer, { decimals: 4, seed: 0 }));
    const flax = rows(explainLayer(layer, { decimals: 4, seed: 0, preferredFramework: 'flax_linen' }));
    assert.match(plain[0], /^\| Keras 3 \| `keras\.layers\.LayerNormalization\(epsilon=1e-05\)`/);
    assert.match(flax[0], /^\| Flax linen \| `flax\.linen\.LayerNorm\(epsilon=1e-05, use_fast_variance=False\)` \| .*default epsilon is 1e-06/);
  });
});
