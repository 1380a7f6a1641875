import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { foldIntoConv, foldSnippet } from '../../../src/calc/fold';

describe('calc/foldIntoConv', () => {
  it('folds BatchNorm into a Conv2d and the check agrees to < 1e-5', () => {
    const r = foldIntoConv({ weightShape: [4, 3, 3, 3], bias: [0.1, -0.2, 0.3, 0], eps: 1e-5, seed: 7 });
    assert.ok(r.ok, (r as { message?: string }).message);
    const v = r.value;
    assert.equal(v.layer, 'Conv2d');
    assert.deepEqual(v.check.inputShape, [2, 3, 4, 4]);
    assert.deepEqual(v.check.outputShape, [2, 4, 2, 2]);
    assert.deepEqual(v.weightShape, [4, 3, 3, 3]);
    assert.ok(v.check.maxAbsDiff < 1e-5, `diff ${v.check.maxAbsDiff}`);
    assert.deepEqual(v.sampled, ['weight', 'γ', 'β', 'running mean', 'running variance']);
    // Independent check of the folded bias formula: b' = (b − mean)·γ/√(var+ε) + β.
    const b = [0.1, -0.2, 0.3, 0];
    v.foldedBias.forEach((fb, o) => {
      const s = v.bn.gamma[o] / Math.sqrt(v.bn.runningVar[o] + 1e-5);
      assert.ok(Math.abs(fb - ((b[o] - v.bn.runningMean[o]) * s + v.bn.beta[o])) < 1e-5);
    });
    assert.match(r.text, /max \|difference\| = \d\.\d\de-\d+/);
  });

  it('folds into a Linear layer given every value', () => {
    const r = foldIntoConv({
      weightShape: [2, 2],
      weight: [1, 2, 3, 4],
      bias: null,
      gamma: [1, 3],
      beta: [0, 1],
      runningMean: [1, -1],
      runningVar: [4, 1],
      eps: 0,
      seed: 0,
    });
    assert.ok(r.ok, (r as { message?: string }).message);
    // scale = γ/√var = [0.5, 3]; W' = W·scale per row; b' = (0 − mean)·scale + β
    assert.deepEqual(r.value.foldedWeight, [0.5, 1, 9, 12]);
    assert.deepEqual(r.value.foldedBias, [-0.5, 4]);
    assert.deepEqual(r.value.sampled, []);
    assert.ok(r.value.check.maxAbsDiff < 1e-5);
    assert.equal(r.copyText, JSON.stringify({ weight_shape: [2, 2], weight: [0.5, 1, 9, 12], bias: [-0.5, 4] }));
  });

  it('rejects a zero running variance with ε = 0, and a mismatched bias', () => {
    const z = foldIntoConv({
      weightShape: [2, 2],
      weight: [1, 2, 3, 4],
      gamma: [2, 1],
      beta: [0, 1],
      runningMean: [1, -1],
      runningVar: [4, 0],
      eps: 0,
      seed: 0,
    });
    assert.deepEqual(z, { ok: false, message: 'running variance + ε must be positive (channel 2: 0 + 0)' });
    const b = foldIntoConv({ weightShape: [3, 2, 1], bias: [1, 2], eps: 1e-5, seed: 0 });
    assert.deepEqual(b, { ok: false, message: 'bias has 2 values; the layer has 3 output channels' });
    const s = foldIntoConv({ weightShape: [3], eps: 1e-5, seed: 0 });
    assert.equal(s.ok, false);
  });
});

describe('calc/fold: the snippet that folds real weights, run by PyTorch', () => {
  it('folds Conv2d (with and without bias) and Linear into exactly conv→bn in eval (torch at /usr/bin/python3)', function () {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
    const check = String.raw`
torch.manual_seed(0)
for conv in [torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.Conv2d(3, 4, 3), torch.nn.Linear(5, 4)]:
    bn = torch.nn.BatchNorm2d(4) if isinstance(conv, torch.nn.Conv2d) else torch.nn.BatchNorm1d(4)
    bn.running_mean.uniform_(-1, 1); bn.running_var.uniform_(0.5, 2); bn.weight.data.uniform_(0.5, 2); bn.bias.data.uniform_(-1, 1)
    conv.eval(); bn.eval()
    x = torch.randn(2, 3, 6, 6) if isinstance(conv, torch.nn.Conv2d) else torch.randn(2, 5)
    with torch.no_grad():
        ref = bn(conv(x))
        fold_bn(conv, bn)
        out = conv(x)
    print(float((ref - out).abs().max()))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', `${foldSnippet('pytorch', 'Conv2d').code}\n${check}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const diffs = r.stdout.trim().split('\n').map(Number);
    assert.equal(diffs.length, 3);
    for (const d of diffs) assert.ok(d < 1e-5, `max |difference| ${d}`);
  });

  it('stand-in numbers are labelled at the top; channels are numbered from 0', () => {
    const r = foldIntoConv({ weightShape: [2, 1], eps: 1e-5, seed: 0 });
    assert.ok(r.ok);
    assert.match(r.markdown, /^> \*\*Stand-in numbers, not your model's: weight, γ, β, running mean, running variance come from a seeded sample/);
    assert.match(r.markdown, /\| 0 \| /);
    const mine = foldIntoConv({ weightShape: [2, 1], weight: [1, 2], gamma: [1, 1], beta: [0, 0], runningMean: [0, 0], runningVar: [1, 1], eps: 0, seed: 0 });
    assert.ok(mine.ok);
    assert.doesNotMatch(mine.markdown, /Stand-in/);
    assert.deepEqual(mine.value.foldedWeight, [1, 2]);
  });
});
