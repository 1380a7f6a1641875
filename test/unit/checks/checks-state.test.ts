/** Checks about a layer's mode and state across the file: Flax's use_running_average, frozen PyTorch BatchNorm. */
import * as assert from 'node:assert/strict';
import { analyzeDocument, checkDocument } from '../../../src/checks';
import { compactHover } from '../../../src/explain/compact';
import { TORCH, codes, only, underlined } from './helpers';

const LINEN = 'import flax.linen as nn\n';
const NNX = 'from flax import nnx\n';

describe('checks: flax-use-running-average', () => {
  it('linen, applied in place without it: an error on the class name, naming the line', () => {
    const src =
      LINEN + 'class M(nn.Module):\n  @nn.compact\n  def __call__(self, x):\n    x = nn.Conv(8, (3, 3))(x)\n    return nn.BatchNorm(momentum=0.9)(x)\n';
    const d = only(src, 'flax-use-running-average');
    assert.equal(d.severity, 'error');
    assert.equal(underlined(src, d), 'BatchNorm');
    assert.equal(
      d.message,
      'BatchNorm gets use_running_average neither here nor at its call (line 6): Flax raises "Parameter "use_running_average" must be passed to the constructor or at call time". Pass use_running_average=not train (or True/False).',
    );
  });

  it('linen, assigned in setup and every call in the class without it: an error naming the calls', () => {
    const src =
      LINEN + 'class M(nn.Module):\n  def setup(self):\n    self.bn = nn.BatchNorm()\n  def __call__(self, x):\n    y = self.bn(x)\n    return self.bn(y)\n';
    assert.match(only(src, 'flax-use-running-average').message, /at its call \(lines 6, 7\)/);
  });

  it('silent when set on some path, or when a use cannot be read', () => {
    const cases = [
      // constructor
      'x = nn.BatchNorm(use_running_average=not train)(x)\n',
      // at the call
      'x = nn.BatchNorm(momentum=0.9)(x, use_running_average=not train)\n',
      'x = nn.BatchNorm()(x, **kw)\n',
      // at the call, by position (Flax's `__call__(self, x, use_running_average=None, *, mask=None)`)
      'x = nn.BatchNorm(momentum=0.9)(x, not train)\n',
      'x = nn.BatchNorm()(x, *flags)\n',
      'class M(nn.Module):\n  def setup(self):\n    self.bn = nn.BatchNorm()\n  def __call__(self, x, train):\n    return self.bn(x, not train)\n',
      // through partial
      'norm = partial(nn.BatchNorm, use_running_average=True)\nx = norm()(x)\n',
      // passed elsewhere: not every use is a call NormLens sees
      'class M(nn.Module):\n  def setup(self):\n    self.bn = nn.BatchNorm()\n  def __call__(self, x):\n    return helper(self.bn, x)\n',
      // assigned and called with it
      'class M(nn.Module):\n  def setup(self):\n    self.bn = nn.BatchNorm()\n  def __call__(self, x, train):\n    return self.bn(x, use_running_average=not train)\n',
      // never called in this file
      'class M(nn.Module):\n  def setup(self):\n    self.bn = nn.BatchNorm()\n',
    ];
    for (const body of cases) assert.deepEqual(codes(LINEN + 'from functools import partial\n' + body), [], body);
  });

  it('nnx: default False is set; explicit None with a call lacking it is a warning, silenced by .eval()/.train() in the file', () => {
    assert.deepEqual(codes(NNX + 'bn = nnx.BatchNorm(8, rngs=rngs)\ny = bn(x)\n'), []);
    const src = NNX + 'bn = nnx.BatchNorm(8, use_running_average=None, rngs=rngs)\ny = bn(x)\n';
    const d = only(src, 'flax-use-running-average');
    assert.equal(d.severity, 'warning');
    assert.equal(underlined(src, d), 'None');
    assert.match(d.message, /^BatchNorm\(use_running_average=None\) is called \(line 3\) without use_running_average/);
    assert.deepEqual(codes(src + 'model.eval()\n'), []);
    assert.deepEqual(codes(NNX + 'bn = nnx.BatchNorm(8, use_running_average=None, rngs=rngs)\ny = bn(x, True)\n'), []);
    // a keyword-only mask is no use_running_average
    assert.equal(only(NNX + 'bn = nnx.BatchNorm(8, use_running_average=None, rngs=rngs)\ny = bn(x, mask=m)\n', 'flax-use-running-average').severity, 'warning');
    assert.deepEqual(codes(NNX + 'bn = nnx.BatchNorm(8, use_running_average=None, rngs=rngs)\ny = bn(x, use_running_average=True)\n'), []);
  });
});

describe('checks: frozen-bn-running-stats', () => {
  const model = (freeze: string, extra = '') =>
    TORCH +
    'class Net(nn.Module):\n' +
    '    def __init__(self):\n' +
    '        super().__init__()\n' +
    '        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n' +
    '        self.bn = nn.BatchNorm2d(8)\n' +
    freeze +
    extra +
    'net = Net()\nnet.train()\n';

  it('requires_grad_(False) on the BatchNorm, then .train(): a warning at the freezing, shown on the layer', () => {
    const src = model('        self.bn.requires_grad_(False)\n');
    const d = only(src, 'frozen-bn-running-stats');
    assert.equal(d.severity, 'warning');
    assert.equal(underlined(src, d), 'self.bn.requires_grad_(False)');
    assert.equal(src.slice(d.about!.startOffset, d.about!.endOffset), 'nn.BatchNorm2d(8)');
    assert.equal(
      d.message,
      "This freezes self.bn's weight and bias only: the BatchNorm2d's running_mean and running_var keep moving with every batch while the model is in training mode (.train() is called in this file). Use torchvision.ops.FrozenBatchNorm2d for a frozen BatchNorm, or call self.bn.eval() after each model.train().",
    );
  });

  it('the hover of the BatchNorm shows it; the conv above has no check line', () => {
    const src = model('        self.bn.requires_grad_(False)\n');
    const r = analyzeDocument(src);
    const h = compactHover(r.layers[0], { decimals: 4, seed: 0, diagnostics: r.diagnostics });
    assert.deepEqual(
      h.sections.checks.map((c) => [c.code, c.severity]),
      [['frozen-bn-running-stats', 'warning']],
    );
    assert.match(h.markdown, /\*\*Warning:\*\* This freezes self\\\.bn's weight and bias only: the BatchNorm2d's running\\_mean/);
  });

  it('a loop over its parameters, or its weight and bias one by one', () => {
    const loop = model('        for p in self.bn.parameters():\n            p.requires_grad = False\n');
    assert.equal(underlined(loop, only(loop, 'frozen-bn-running-stats')), 'for p in self.bn.parameters()');
    const one = model('        self.bn.weight.requires_grad = False\n        self.bn.bias.requires_grad = False\n');
    assert.equal(underlined(one, only(one, 'frozen-bn-running-stats')), 'self.bn.weight.requires_grad = False');
  });

  it('silent when the statistics are kept still, nothing is frozen, or no .train() is in the file', () => {
    const freeze = '        self.bn.requires_grad_(False)\n';
    assert.deepEqual(checkDocument(model(freeze, '        self.bn.eval()\n')), []);
    assert.deepEqual(checkDocument(model('        self.bn.requires_grad_(True)\n')), []);
    assert.deepEqual(checkDocument(model('        for p in self.bn.parameters():\n            print(p)\n')), []);
    assert.deepEqual(
      checkDocument(model(freeze, '    def train(self, mode=True):\n        super().train(mode)\n        self.bn.eval()\n        return self\n')),
      [],
    );
    assert.deepEqual(checkDocument(model(freeze).replace('nn.BatchNorm2d(8)', 'nn.BatchNorm2d(8, track_running_stats=False)')), []);
    assert.deepEqual(checkDocument(model(freeze).replace('net.train()\n', '')), []);
    // the usual fix: every BatchNorm put back in eval after train()
    const idiom = model(freeze, '').replace('net.train()\n', 'net.train()\nfor m in net.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        m.eval()\n');
    assert.deepEqual(checkDocument(idiom), []);
  });
});
