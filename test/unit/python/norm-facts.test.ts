/**
 * Facts the semantic model gives the explanations about user norm classes: the defaults the code
 * itself gives an argument written as an expression, a scale of 1 + weight (Gemma), and a
 * LayerNorm subclass that permutes a channels-first input. Snippets written here, in the style of
 * transformers 5.17.0 and timm 1.0.29.
 */
import assert from 'node:assert/strict';
import { recognize, type ResolvedLayer } from '../../../src/python/index';

const HEAD = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n';

function layerAt(src: string, lineText: string): ResolvedLayer {
  const text = HEAD + src;
  const line = text.split('\n').findIndex((l) => l.includes(lineText));
  const layer = recognize(text).find((l) => l.call.range.start.line === line);
  assert.ok(layer, lineText);
  return layer;
}

describe('python/semantic: codeDefaults of arguments written as expressions', () => {
  const SRC = `
class Norm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

class Sub(nn.LayerNorm):
    def __init__(self, dim, eps=1e-5, momentum=None):
        super().__init__(dim, eps=eps)

class A(nn.Module):
    def __init__(self, cfg, eps=1e-3):
        super().__init__()
        self.n1 = Norm(cfg.d, eps=cfg.eps)
        self.n2 = Norm(cfg.d, eps=eps)
        self.n3 = Sub(cfg.d, cfg.eps)
        self.n4 = Norm(cfg.d, eps=1e-4)
        self.n5 = nn.LayerNorm(cfg.d, eps=cfg.eps)
`;
  it("the user class's __init__ default, the enclosing function's parameter default first, none for literals or plain framework calls", () => {
    assert.deepEqual(layerAt(SRC, 'self.n1 =').codeDefaults?.eps?.value, 1e-6);
    assert.match(layerAt(SRC, 'self.n1 =').codeDefaults!.eps.from, /^default of `eps` in `Norm\.__init__`, line \d+$/);
    assert.deepEqual(layerAt(SRC, 'self.n2 =').codeDefaults?.eps?.value, 1e-3);
    assert.match(layerAt(SRC, 'self.n2 =').codeDefaults!.eps.from, /`A\.__init__`/);
    // positional, through a subclass's super().__init__
    assert.deepEqual(layerAt(SRC, 'self.n3 =').codeDefaults?.eps?.value, 1e-5);
    assert.equal(layerAt(SRC, 'self.n4 =').codeDefaults, undefined);
    assert.equal(layerAt(SRC, 'self.n5 =').codeDefaults, undefined);
  });
});

describe('python/semantic: what a user norm class does beyond its framework class', () => {
  it('a forward scaling by 1 + self.weight, weight from zeros (GemmaRMSNorm)', () => {
    const src = `
class GemmaRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        output = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return output * (1.0 + self.weight.float())

n = GemmaRMSNorm(8)
`;
    assert.deepEqual(layerAt(src, 'n = ').origin?.scaleOffset, { attr: 'weight', zeroInit: true });
  });

  it('a Keras layer whose build() makes the scale with initializer="zeros" (keras_hub\'s Gemma RMSNorm): it starts at 0', () => {
    // Keras 3.15.1: GemmaLikeRMSNorm()(x) with scale [0, 0, 0, 0] multiplies by 1 + 0
    const src = `
import keras
from keras import layers, ops

class GemmaLikeRMSNorm(layers.Layer):
    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="zeros")

    def call(self, x):
        var = ops.mean(ops.square(x), axis=-1, keepdims=True)
        return x * ops.rsqrt(var + self.epsilon) * (1 + self.scale)

n = GemmaLikeRMSNorm(epsilon=1e-6)
`;
    assert.deepEqual(layerAt(src, 'n = Gemma').origin?.scaleOffset, { attr: 'scale', zeroInit: true });
  });

  it('a weight guarded by a local made from the affine parameter (`if affine:`): whether it exists is that local, not the default', () => {
    // torch 2.13: with elementwise_affine=False through **kwargs, the instance's weight is None (no parameters)
    const src = `
class RMSNorm(nn.Module):
    def __init__(self, config, size=None, elementwise_affine=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        affine = config.affine if elementwise_affine is None else elementwise_affine
        if affine:
            self.weight = nn.Parameter(torch.ones(size))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x if self.weight is None else self.weight * x

def build(config, size, **kwargs):
    return RMSNorm(config, size=size, **kwargs)
`;
    const l = layerAt(src, 'return RMSNorm(');
    assert.equal(l.effective.elementwise_affine.isDefault, false);
    assert.notEqual(l.effective.elementwise_affine.value, true);
  });

  it('a forward that reshapes around its statistics (Zamba2RMSNormGated: per group of group_size): the weight does not size what is normalized', () => {
    // written as transformers 5.17.0's Zamba2RMSNormGated: RMS over each group of group_size features, weight over all of them
    const src = `
class GroupedRMSNorm(nn.Module):
    def __init__(self, hidden_size, group_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps
        self.group_size = group_size

    def forward(self, x):
        *prefix, last = x.shape
        g = x.view(*prefix, last // self.group_size, self.group_size)
        g = g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)
        return self.weight * g.view(*prefix, last)

class PlainRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)

n = GroupedRMSNorm(64, 16)
p = PlainRMSNorm(64)
`;
    const grouped = layerAt(src, 'n = GroupedRMSNorm(');
    assert.notEqual(grouped.effective.normalized_shape?.value, 64);
    assert.match(grouped.origin?.computes ?? '', /its forward reshapes, so the size it normalizes over is not its weight's/);
    assert.equal(layerAt(src, 'p = PlainRMSNorm(').effective.normalized_shape?.value, 64);
  });

  it('a LayerNorm subclass permuting NCHW: always, or only under its data_format condition', () => {
    const src = `
class LN2d(nn.LayerNorm):
    def forward(self, x):
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)

class CNLN(nn.LayerNorm):
    def __init__(self, normalized_shape, *, eps=1e-6, data_format="channels_last"):
        super().__init__(normalized_shape, eps=eps)
        self.data_format = data_format

    def forward(self, x):
        if self.data_format == "channels_first":
            return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return super().forward(x)

class Odd(nn.LayerNorm):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        else:
            return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

a = LN2d(8)
b = CNLN(8, data_format="channels_first")
c = CNLN(8)
d = Odd(8)
`;
    assert.equal(layerAt(src, 'a = ').origin?.channelsFirst?.rank, 4);
    assert.match(layerAt(src, 'b = ').origin?.channelsFirst?.how ?? '', /^with `data_format="channels_first"`/);
    assert.equal(layerAt(src, 'c = ').origin?.channelsFirst, undefined);
    assert.equal(layerAt(src, 'd = ').origin?.channelsFirst, undefined);
  });
});

describe("python/semantic: a frozen BatchNorm written by hand (detectron2's, DETR's FrozenBatchNorm2d)", () => {
  // torch 2.13: FrozenBatchNorm2d is a plain nn.Module: isinstance(m, nn.modules.batchnorm._BatchNorm) is False for it
  const src = `
class FrozenBatchNorm2d(nn.Module):
    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(n))
        self.register_buffer("bias", torch.zeros(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))

    def forward(self, x):
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        return x * scale.reshape(1, -1, 1, 1) + (self.bias - self.running_mean * scale).reshape(1, -1, 1, 1)

f = FrozenBatchNorm2d(64, eps=1e-4)

def set_bn(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eps = 1e-3
`;

  it('takes its size from the buffers, has no affine=False, and no loop over _BatchNorm changes it', () => {
    const l = layerAt(src, 'f = Frozen');
    assert.equal(l.origin?.frozen, true);
    assert.equal(l.effective.num_features.value, 64);
    assert.equal(l.effective.affine.value, true);
    assert.equal(l.effective.eps.value, 1e-4);
    assert.equal(l.effective.eps.maySetBy, undefined);
  });
});

describe('python/semantic: a BatchNorm written by hand that updates its running statistics (trial 11 P2)', () => {
  // torch 2.13: MyBatchNorm(8, 1e-3, 0.01) in training gives BatchNorm2d(8, eps=1e-3, momentum=0.01)'s output to 2.4e-7 and
  // its running statistics to 1.2e-10 (the forward weighs the new batch by momentum, as PyTorch does)
  const src = `
class MyBatchNorm(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            with torch.no_grad():
                n = x.numel() / x.size(1)
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        return x * self.gamma[None, :, None, None] + self.beta[None, :, None, None]

class OldWeightBN(MyBatchNorm):
    def forward(self, x):
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
        return (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)

class LoopFrozenBN(nn.Module):
    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.eps = eps
        for name, init in (("weight", torch.ones), ("bias", torch.zeros), ("running_mean", torch.zeros), ("running_var", torch.ones)):
            self.register_buffer(name, init(n))

    def forward(self, x):
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        return x * scale.reshape(1, -1, 1, 1) + (self.bias - self.running_mean * scale).reshape(1, -1, 1, 1)

a = MyBatchNorm(8, momentum=0.05)
b = MyBatchNorm(8, 1e-3, 0.01)
c = OldWeightBN(8, momentum=0.99)
d = LoopFrozenBN(8)
`;

  it('is no frozen BatchNorm, and takes eps and momentum from the call, by keyword and by position (a tuple assignment pairs them)', () => {
    const a = layerAt(src, 'a = MyBatchNorm');
    assert.equal(a.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.equal(a.origin?.frozen, undefined);
    assert.equal(a.effective.eps.value, 1e-5);
    assert.equal(a.effective.momentum.value, 0.05);
    assert.equal(a.effective.affine.value, true);
    const b = layerAt(src, 'b = MyBatchNorm');
    assert.equal(b.effective.eps.value, 1e-3);
    assert.equal(b.effective.momentum.value, 0.01);
  });

  it('says no momentum where its forward weighs the old statistics by it, and a frozen one may register its buffers in a loop', () => {
    const c = layerAt(src, 'c = OldWeightBN');
    assert.deepEqual(c.effective.momentum.value, { expr: '?' });
    const d = layerAt(src, 'd = LoopFrozenBN');
    assert.equal(d.origin?.frozen, true);
  });
});

describe('python/semantic: a data normalizer that keeps running statistics of its inputs (trial 11 P1)', () => {
  // RL's reward and observation normalizers: x / sqrt(running var + eps), the statistics updated by every call; no
  // layer of any framework computes that (a LayerNorm keeps no statistics)
  const src = `
class RunningNormalizer(nn.Module):
    def __init__(self, shape, eps=1e-8):
        super().__init__()
        self.eps = eps
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("var", torch.ones(shape))

    def forward(self, x):
        d = x.mean(0) - self.mean
        self.mean += 0.01 * d
        self.var = 0.99 * self.var + 0.01 * x.var(0, unbiased=False)
        return (x - self.mean) / torch.sqrt(self.var + self.eps)

class CachingLayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.dim_sqrt = None

    def forward(self, x):
        self.dim_sqrt = x.shape[-1] ** 0.5
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight

n = RunningNormalizer(4)
ln = CachingLayerNorm(8)
`;

  it('is not listed; a LayerNorm that caches a constant in its forward still is', () => {
    const text = HEAD + src;
    const line = text.split('\n').findIndex((t) => t.startsWith('ln = CachingLayerNorm'));
    assert.deepEqual(
      recognize(text).map((l) => [l.call.range.start.line, l.qualifiedName]),
      [[line, 'torch.nn.LayerNorm']],
    );
  });
});
