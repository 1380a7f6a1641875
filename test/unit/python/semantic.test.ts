/**
 * The semantic model on each way real code builds a norm without naming it at the call, and on
 * the cases where it must say nothing (containers, rescalers, shadowed names, non-norm
 * alternatives, cycles). Positions are 1-based lines as a person reads them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { analyzeDocument } from '../../../src/checks';
import { recognize, ProjectGraph, PythonModule, moduleNameOf, type ProjectFiles, type ResolvedLayer } from '../../../src/python/index';
import { liveSets, loopSetters } from '../../../src/python/semantic/index';
import { compactHover } from '../../../src/explain/compact';
import { explainLayer, originText } from '../../../src/explain/hover';
import { FRAMEWORKS_PYTHON } from '../venv';

const HEAD = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom functools import partial\n';

/** Layers by 1-based line: [line, qualified name, via]. */
function found(src: string): [number, string, string][] {
  return recognize(HEAD + src).map((l) => [l.call.range.start.line + 1 - 4, l.qualifiedName, l.origin?.via ?? 'import']);
}
const classesOf = (l: ResolvedLayer) => l.origin?.candidates ?? [l.qualifiedName];
function at(src: string, line: number): ResolvedLayer {
  const l = recognize(HEAD + src).find((x) => x.call.range.start.line + 1 - 4 === line);
  assert.ok(l, `no layer on line ${line}`);
  return l;
}

describe('semantic model: layers the code never names', () => {
  it('a norm_layer parameter with a class default, and None replaced in the body', () => {
    const src = [
      'class A(nn.Module):',
      '    def __init__(self, planes, norm_layer=nn.LayerNorm):',
      '        self.n = norm_layer(planes)',
      'class B(nn.Module):',
      '    def __init__(self, planes, norm_layer=None):',
      '        if norm_layer is None:',
      '            norm_layer = nn.BatchNorm2d',
      '        self.bn1 = norm_layer(planes)',
    ].join('\n');
    assert.deepEqual(found(src), [
      [3, 'torch.nn.LayerNorm', 'parameter-default'],
      [8, 'torch.nn.BatchNorm2d', 'parameter-default'],
    ]);
    assert.equal(at(src, 8).origin?.how, 'default of `norm_layer`, line 11');
  });

  it('passed on through self._norm_layer, a method and another constructor of the module', () => {
    const src = [
      'class Block(nn.Module):',
      '    def __init__(self, c, norm_layer=None):',
      '        self.bn = norm_layer(c)',
      'class Net(nn.Module):',
      '    def __init__(self, norm_layer=None):',
      '        if norm_layer is None:',
      '            norm_layer = nn.BatchNorm2d',
      '        self._norm_layer = norm_layer',
      '        self.layer1 = self._make_layer(Block, 64)',
      '    def _make_layer(self, block, planes):',
      '        norm_layer = self._norm_layer',
      '        down = norm_layer(planes, momentum=0.01)',
      '        return block(planes, norm_layer=norm_layer)',
    ].join('\n');
    const layers = found(src);
    assert.deepEqual(layers, [
      [3, 'torch.nn.BatchNorm2d', 'parameter-default'],
      [12, 'torch.nn.BatchNorm2d', 'parameter-default'],
    ]);
    assert.deepEqual(at(src, 12).arguments, { num_features: { expr: 'planes' }, momentum: 0.01 });
    assert.match(at(src, 12).origin?.how ?? '', /default of `norm_layer`, line 11; through `self._norm_layer`, line 12/);
  });

  it('partials: nested, keyword overrides merged as Python merges them, called in place', () => {
    const src = [
      'bn = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)',
      'bn2 = partial(bn, momentum=0.1)',
      'x = bn2(64, eps=1e-4)',
      'y = partial(nn.LayerNorm, eps=1e-6)(768)',
    ].join('\n');
    const x = at(src, 3);
    assert.equal(x.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.equal(x.origin?.via, 'partial');
    assert.deepEqual(x.arguments, { num_features: 64, eps: 1e-4, momentum: 0.1 });
    assert.deepEqual(at(src, 4).arguments, { normalized_shape: 768, eps: 1e-6 });
    // a partial of partials is named whole, its brackets matched (it read up to the innermost `)`)
    const gn = ['GN = partial(partial(partial(nn.GroupNorm, 8), eps=1e-3), affine=False)', 'z = GN(16)'].join('\n');
    assert.equal(at(gn, 2).origin?.how, '`partial(partial(partial(nn.GroupNorm, 8), eps=1e-3), affine=False)`, line 5');
    assert.deepEqual(at(gn, 2).arguments, { num_groups: 8, num_channels: 16, eps: 1e-3, affine: false });
  });

  it('aliases (conditional ones keep every branch), registries by key, getattr with a literal name', () => {
    const src = [
      'if torch.cuda.is_available():',
      '    Norm = nn.BatchNorm2d',
      'else:',
      '    Norm = nn.GroupNorm',
      'a = Norm(8, 16)',
      'NORMS = {"bn": nn.BatchNorm1d, "ln": nn.LayerNorm}',
      'b = NORMS["ln"](32)',
      'c = getattr(nn, "InstanceNorm2d")(3)',
      'T = (nn.BatchNorm3d,)',
      'd = T[0](4)',
      'kind = "BatchNorm2d" if wide else "InstanceNorm2d"',
      'e = getattr(nn, kind)(3)',
      'def make(kind, c):',
      '    return getattr(nn, kind)(c)',
      'f = make("BatchNorm1d", 4)',
    ].join('\n');
    const a = at(src, 5);
    assert.deepEqual(a.origin?.candidates, ['torch.nn.BatchNorm2d', 'torch.nn.GroupNorm']);
    assert.equal(at(src, 7).qualifiedName, 'torch.nn.LayerNorm');
    assert.equal(at(src, 7).origin?.candidates, undefined, 'a literal key picks one entry');
    assert.equal(at(src, 8).qualifiedName, 'torch.nn.InstanceNorm2d');
    assert.equal(at(src, 10).qualifiedName, 'torch.nn.BatchNorm3d');
    // each name the code may give; a parameter's: the names this file gives it (callers elsewhere may give others,
    // as for a norm_layer parameter; trial 11: `getattr(nn, head_norm)` with `head_norm="LayerNorm"`)
    assert.deepEqual(at(src, 12).origin?.candidates, ['torch.nn.BatchNorm2d', 'torch.nn.InstanceNorm2d']);
    assert.deepEqual(
      found(src).filter(([line]) => line > 12),
      [[14, 'torch.nn.BatchNorm1d', 'alias']],
    );
  });

  it('a condition on a parameter: the branch its default takes comes first, the other stays a candidate', () => {
    const src = [
      'class LayerNorm2d(nn.LayerNorm):',
      '    pass',
      'class Block(nn.Module):',
      '    def __init__(self, dim, conv_mlp=False, norm_layer=None, flip=True):',
      '        if not norm_layer:',
      '            norm_layer = LayerNorm2d if conv_mlp else nn.LayerNorm',
      '        self.norm = norm_layer(dim)',
      '        if conv_mlp:',
      '            other = LayerNorm2d',
      '        else:',
      '            other = nn.GroupNorm',
      '        self.other = other(1, dim)',
      '        third = nn.BatchNorm2d if not flip else nn.InstanceNorm2d',
      '        self.third = third(dim)',
      'class Wide(nn.Module):',
      '    def __init__(self, dim, conv_mlp=False):',
      '        self.norm = (LayerNorm2d if conv_mlp else nn.LayerNorm)(dim)',
      'w = Wide(8, conv_mlp=True)',
    ].join('\n');
    // (the written order put LayerNorm2d first in all three)
    assert.deepEqual(at(src, 7).origin?.classes, ['torch.nn.LayerNorm', 'LayerNorm2d']);
    assert.equal(at(src, 7).origin?.how, 'default of `norm_layer`, line 10');
    assert.deepEqual(at(src, 12).origin?.candidates, ['torch.nn.GroupNorm', 'torch.nn.LayerNorm']);
    assert.deepEqual(at(src, 14).origin?.candidates, ['torch.nn.InstanceNorm2d', 'torch.nn.BatchNorm2d']);
    // a call of this file passes conv_mlp=True: the values do not all go one way, the written order stays
    assert.deepEqual(at(src, 17).origin?.classes, ['LayerNorm2d', 'torch.nn.LayerNorm']);
  });

  it('an imported class rebound at module level and built before the rebinding: both are candidates, and each says how it was found', () => {
    const src = [
      'from torch.nn import BatchNorm2d',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        self.a = BatchNorm2d(64)',
      'first = Net()',
      'BatchNorm2d = partial(nn.GroupNorm, 8)',
    ].join('\n');
    const l = at(src, 4);
    assert.deepEqual(l.origin?.candidates, ['torch.nn.BatchNorm2d', 'torch.nn.GroupNorm']);
    // (the found text was empty for the class as imported)
    assert.equal(l.origin?.how, '`BatchNorm2d` as imported');
  });

  it('two user classes of one framework class are both candidates, by their own names (timm convnext: LayerNorm2d if conv_mlp else LayerNorm)', () => {
    const src = [
      'class LayerNorm(nn.LayerNorm):',
      '    pass',
      'class LayerNorm2d(nn.LayerNorm):',
      '    def forward(self, x):',
      '        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)',
      'class Block(nn.Module):',
      '    def __init__(self, dim, conv_mlp=False, norm_layer=None):',
      '        if not norm_layer:',
      '            norm_layer = LayerNorm2d if conv_mlp else LayerNorm',
      '        self.norm = norm_layer(dim)',
      '        self.other = (nn.GroupNorm if conv_mlp else LayerNorm)(4, 8)',
    ].join('\n');
    const l = at(src, 10);
    assert.equal(l.qualifiedName, 'torch.nn.LayerNorm');
    // (conv_mlp=False: the branch the default takes first)
    assert.equal(l.origin?.definedBy?.name, 'LayerNorm');
    assert.deepEqual(l.origin?.classes, ['LayerNorm', 'LayerNorm2d']);
    // one framework class: no framework candidates
    assert.equal(l.origin?.candidates, undefined);
    // a framework class and a user class: the framework classes, and the classes by name
    const o = at(src, 11).origin!;
    assert.deepEqual(o.candidates, ['torch.nn.LayerNorm', 'torch.nn.GroupNorm']);
    assert.deepEqual(o.classes, ['LayerNorm', 'torch.nn.GroupNorm']);
  });

  it('subclasses: the arguments that reach the base through super().__init__ (and **kwargs)', () => {
    const src = [
      'class GroupNorm1(nn.GroupNorm):',
      '    def __init__(self, num_channels, **kwargs):',
      '        super().__init__(1, num_channels, **kwargs)',
      'class LayerNorm2d(nn.LayerNorm):',
      '    def __init__(self, c, eps=1e-6):',
      '        super().__init__(c, eps=eps, elementwise_affine=True)',
      'g = GroupNorm1(64, eps=1e-5)',
      'l = LayerNorm2d(96)',
    ].join('\n');
    const g = at(src, 7);
    assert.equal(g.origin?.via, 'subclass');
    assert.deepEqual(g.origin?.definedBy, { name: 'GroupNorm1', line: 4 });
    assert.equal(g.effective.num_groups.value, 1);
    assert.equal(g.effective.num_channels.value, 64);
    assert.equal(g.effective.eps.value, 1e-5);
    const l = at(src, 8);
    assert.equal(l.effective.eps.value, 1e-6, 'the subclass default reaches the base');
    assert.equal(l.effective.normalized_shape.value, 96);
  });

  it('custom modules by what they compute: RMS whatever the name, delegation to F.layer_norm, not a rescaler or container', () => {
    const src = [
      'class T5LayerNorm(nn.Module):',
      '    def __init__(self, hidden_size, eps=1e-6):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(hidden_size))',
      '        self.variance_epsilon = eps',
      '    def forward(self, h):',
      '        variance = h.to(torch.float32).pow(2).mean(-1, keepdim=True)',
      '        return self.weight * h * torch.rsqrt(variance + self.variance_epsilon)',
      'class ChannelsFirstLN(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(c))',
      '        self.bias = nn.Parameter(torch.zeros(c))',
      '    def forward(self, x):',
      '        x = x.permute(0, 2, 3, 1)',
      '        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, 1e-6).permute(0, 3, 1, 2)',
      'class LayerScale(nn.Module):',
      '    def __init__(self, dim, init_values=1e-5):',
      '        super().__init__()',
      '        self.gamma = nn.Parameter(init_values * torch.ones(dim))',
      '    def forward(self, x):',
      '        return x * self.gamma',
      'class ConvNorm(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(c, c, 3)',
      '        self.norm = nn.BatchNorm2d(c)',
      '    def forward(self, x):',
      '        return self.norm(self.conv(x))',
      'a = T5LayerNorm(512, eps=1e-5)',
      'b = ChannelsFirstLN(96)',
      'c = LayerScale(96)',
      'd = ConvNorm(64)',
    ].join('\n');
    const a = at(src, 30);
    assert.equal(a.qualifiedName, 'torch.nn.RMSNorm');
    assert.equal(a.origin?.via, 'custom-module');
    assert.match(a.origin?.computes ?? '', /rsqrt of mean square over the last dim/);
    assert.deepEqual([a.effective.normalized_shape.value, a.effective.eps.value, a.effective.elementwise_affine.value], [512, 1e-5, true]);
    assert.equal(at(src, 31).qualifiedName, 'torch.nn.LayerNorm');
    const lines = found(src).map(([l]) => l);
    assert.ok(!lines.includes(32), 'LayerScale only rescales');
    assert.ok(!lines.includes(33), 'ConvNorm contains a norm, it is not one');
    assert.ok(lines.includes(27), 'the BatchNorm inside ConvNorm is found where it is built');
  });

  it('one class from several callers with other values: the others are given with the value shown', () => {
    // PyTorch builds line 3 twice: eps=1e-05 for a, eps=1e-06 for b
    const src = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.LayerNorm):',
      '        self.norm = norm_layer(dim)',
      'a = Block(8)',
      'b = Block(8, norm_layer=partial(nn.LayerNorm, eps=1e-6))',
    ].join('\n');
    const l = at(src, 3);
    assert.equal(l.origin?.candidates, undefined);
    assert.deepEqual([l.effective.eps.value, l.effective.eps.alternatives], [1e-5, [1e-6]]);
    assert.equal(l.effective.normalized_shape.alternatives, undefined);
    assert.match(compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown, /`eps=1e-05` default, added to var, or `1e-06` depending on the caller/);
  });

  it("a custom norm's weight switch (affine=False) and a size kept as self.normalized_shape reach the layer", () => {
    const src = [
      'class Rms(nn.Module):',
      '    def __init__(self, channels, eps=1e-6, affine=True):',
      '        super().__init__()',
      '        normalized_shape = channels',
      '        self.normalized_shape = tuple((normalized_shape,))',
      '        self.eps = eps',
      '        self.elementwise_affine = affine',
      '        if self.elementwise_affine:',
      '            self.weight = nn.Parameter(torch.ones(self.normalized_shape))',
      '        else:',
      "            self.register_parameter('weight', None)",
      '    def forward(self, x):',
      '        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)',
      'a = Rms(64, affine=False)',
      'b = Rms(32)',
    ].join('\n');
    const a = at(src, 14);
    assert.equal(a.qualifiedName, 'torch.nn.RMSNorm');
    assert.deepEqual([a.effective.normalized_shape.value, a.effective.elementwise_affine.value], [64, false]);
    assert.deepEqual([at(src, 15).effective.normalized_shape.value, at(src, 15).effective.elementwise_affine.value], [32, true]);
  });

  it('custom norms: ε written in the forward is the ε; a variance over N − 1 or ε outside the root is no framework layer', () => {
    const cls = (name: string, body: string[], init = ['    def __init__(self, d, eps=1e-5):', '        super().__init__()', '        self.eps = eps']) => [
      `class ${name}(nn.Module):`,
      ...init,
      '    def forward(self, x):',
      ...body.map((b) => '        ' + b),
    ];
    const src = [
      ...cls('PixelNorm', ['return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)'], []),
      // torch's var and std divide by N - 1 unless told otherwise
      ...cls('UnbiasedLN', ['u = x.mean(-1, keepdim=True)', 's = x.var(-1, keepdim=True)', 'return (x - u) / torch.sqrt(s + self.eps)']),
      ...cls('BiasedLN', ['u = x.mean(-1, keepdim=True)', 's = x.var(-1, keepdim=True, unbiased=False)', 'return (x - u) / torch.sqrt(s + self.eps)']),
      ...cls('TorchVarLN', ['u = x.mean(-1, keepdim=True)', 's = torch.var(x, -1, keepdim=True)', 'return (x - u) * torch.rsqrt(s + self.eps)']),
      ...cls('OutsideRMS', ['return x / (x.pow(2).mean(-1, keepdim=True).sqrt() + self.eps)']),
      'a = PixelNorm()',
      'b = UnbiasedLN(8)',
      'c = BiasedLN(8)',
      'd = TorchVarLN(8)',
      'e = OutsideRMS(8)',
    ].join('\n');
    const lines = src.split('\n');
    const line = (p: string) => lines.findIndex((l) => l.startsWith(p)) + 1;
    const listed = found(src).map(([l]) => l);
    const pixel = at(src, line('a = '));
    assert.equal(pixel.qualifiedName, 'torch.nn.RMSNorm');
    assert.equal(pixel.effective.eps.value, 1e-8);
    assert.ok(!listed.includes(line('b = ')), 'unbiased variance: not torch.nn.LayerNorm');
    assert.equal(at(src, line('c = ')).qualifiedName, 'torch.nn.LayerNorm');
    assert.ok(!listed.includes(line('d = ')), 'torch.var keeps its correction too');
    assert.ok(!listed.includes(line('e = ')), 'ε added to the root: not torch.nn.RMSNorm');
  });

  it('custom modules delegating to F.batch_norm: without running statistics; a model holding norms, or chaining several, is none', () => {
    const src = [
      'class BatchStatNorm(nn.Module):',
      '    def __init__(self, num_features, eps=1e-5):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(num_features))',
      '        self.bias = nn.Parameter(torch.zeros(num_features))',
      '        self.eps = eps',
      '    def forward(self, x):',
      '        return F.batch_norm(x, None, None, self.weight, self.bias, training=True, eps=self.eps)',
      'class Chain(nn.Module):',
      '    def forward(self, x):',
      '        x = F.batch_norm(x, None, None, training=True)',
      '        return F.layer_norm(x, x.shape[-1:])',
      'class Holder(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.a = nn.BatchNorm2d(c)',
      '    def forward(self, x, rm, rv):',
      '        return F.batch_norm(x, rm, rv)',
      'a = BatchStatNorm(16)',
      'b = Chain()',
      'c = Holder(8)',
    ].join('\n');
    const a = at(src, 19);
    assert.equal(a.qualifiedName, 'torch.nn.BatchNorm2d');
    // PyTorch: no buffers, and eval normalizes with the batch's statistics, as track_running_stats=False does
    assert.equal(a.effective.track_running_stats.value, false);
    assert.match(a.origin?.how ?? '', /with no running statistics/);
    const listed = found(src).map(([l]) => l);
    assert.ok(!listed.includes(20), 'a forward chaining a BatchNorm and a LayerNorm is neither');
    assert.ok(!listed.includes(21), 'a module that builds a BatchNorm2d holds it');
    assert.ok(listed.includes(16), 'the BatchNorm2d it holds is listed where it is built');
  });

  it('a convolution that standardizes its weight with F.batch_norm is a convolution, not a norm', () => {
    const src = [
      'class StdConv(nn.Conv2d):',
      '    def __init__(self, cin, cout, k, eps=1e-6):',
      '        super().__init__(cin, cout, k)',
      '        self.eps = eps',
      '    def forward(self, x):',
      '        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True, momentum=0.0, eps=self.eps)',
      '        return F.conv2d(x, w.reshape_as(self.weight), self.bias)',
      'c = StdConv(3, 8, 3)',
    ].join('\n');
    // the class built on line 8 is not a norm, and the functional call inside standardizes a weight, no activations
    // (trial 11 P3: it was listed as a BatchNorm "over N and all spatial dims")
    assert.deepEqual(found(src), []);
  });

  it('a hand-written norm extended with an activation is still that norm; one that only wraps submodules is not; cyclic bases end', () => {
    const src = [
      'class RMS(nn.Module):',
      '    def __init__(self, dim, eps=1e-6):',
      '        super().__init__()',
      '        self.eps = eps',
      '        self.weight = nn.Parameter(torch.ones(dim))',
      '    def forward(self, x):',
      '        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)',
      'class RMSAct(RMS):',
      '    def __init__(self, dim, eps=1e-6):',
      '        super().__init__(dim, eps=eps)',
      '        self.act = nn.SiLU()',
      '    def forward(self, x):',
      '        x = self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)',
      '        return self.act(x)',
      'class Wrapped(RMS):',
      '    def forward(self, x):',
      '        return self.proj(x)',
      'class P(Q):',
      '    def forward(self, x):',
      '        return self.act(x)',
      'class Q(P):',
      '    def forward(self, x):',
      '        return self.drop(x)',
      'a = RMSAct(64)',
      'b = Wrapped(64)',
      'c = P()',
    ].join('\n');
    const a = at(src, 24);
    assert.equal(a.qualifiedName, 'torch.nn.RMSNorm');
    assert.equal(a.origin?.definedBy?.name, 'RMSAct');
    assert.deepEqual(
      found(src).map(([l]) => l),
      [24],
    );
  });
  it("a custom norm's reduction axis is read from `dim=`/`axis=` wherever written, not from the keyword's name", () => {
    const rms = (mean: string) =>
      [
        'import torch',
        'import torch.nn as nn',
        'class A(nn.Module):',
        '    def __init__(self, dim, eps=1e-6):',
        '        super().__init__()',
        '        self.eps = eps',
        '        self.weight = nn.Parameter(torch.ones(dim))',
        '    def forward(self, x):',
        `        return x * torch.rsqrt(x.pow(2).mean(${mean}) + self.eps) * self.weight`,
        'a = A(64)',
      ].join('\n');
    assert.match(at(rms('dim=-1, keepdim=True'), 10).origin?.computes ?? '', /rsqrt of mean square over the last dim$/);
    assert.match(at(rms('keepdim=True, dim=1'), 10).origin?.computes ?? '', /rsqrt of mean square over dim 1$/);
    assert.match(at(rms('1, keepdim=True'), 10).origin?.computes ?? '', /rsqrt of mean square over dim 1$/);
  });

  it("a class handed with a `**mapping` to a builder NormLens does not follow may be built with the mapping's keys", () => {
    // timm 1.0.29 visformer.py: build_model_with_cfg (another file) calls model_cls(**kwargs); visformer_tiny's
    // configuration gives norm_layer=nn.BatchNorm2d, so PyTorch builds BatchNorm2d where the default is LayerNorm2d
    const src = [
      'from ._builder import build_model_with_cfg',
      'class LayerNorm2d(nn.LayerNorm):',
      '    pass',
      'class Visformer(nn.Module):',
      '    def __init__(self, dim=8, norm_layer=LayerNorm2d):',
      '        super().__init__()',
      '        self.norm = norm_layer(dim)',
      'def _create(variant, pretrained=False, **kwargs):',
      '    return build_model_with_cfg(Visformer, variant, pretrained, **kwargs)',
      'def visformer_tiny(pretrained=False, **kwargs):',
      '    cfg = dict(norm_layer=nn.BatchNorm2d)',
      "    return _create('visformer_tiny', pretrained=pretrained, **dict(cfg, **kwargs))",
    ].join('\n');
    const l = at(src, 7);
    assert.equal(l.origin?.definedBy?.name, 'LayerNorm2d');
    // (lines past the 4 of HEAD)
    assert.deepEqual(l.origin?.unfollowed, { text: '**kwargs', line: 8 + 4 });
    assert.match(l.origin!.how, /a caller's `\*\*kwargs` may set `norm_layer`, line 13, not followed$/);
    // a function of this module is followed (it builds `cls()` without the mapping), and a class handed
    // without a mapping is not built with anything
    const followed = [
      'class Net(nn.Module):',
      '    def __init__(self, norm_layer=nn.LayerNorm):',
      '        super().__init__()',
      '        self.norm = norm_layer(8)',
      'def make(cls, **kw):',
      '    return cls()',
      'a = make(Net, **opts)',
      'b = register(Net)',
    ].join('\n');
    assert.equal(at(followed, 4).origin?.unfollowed, undefined);
  });

  it("a function's `**kwargs` holds the keywords its calls here pass, through `dict(args, **kwargs)` and a builder that changes it", () => {
    // timm 1.0.29's model functions: `_create_x(variant, **dict(model_args, **kwargs))` on to
    // `build_model_with_cfg(X, variant, **kwargs)`, which pops and sets keys of kwargs before `model_cls(**kwargs)`
    const src = [
      'class GN(nn.GroupNorm):',
      '    def __init__(self, c):',
      '        super().__init__(4, c)',
      'def _filter(kwargs, names):',
      '    for n in names or ():',
      '        kwargs.pop(n, None)',
      'def build(model_cls, variant, kwargs_filter=None, **kwargs):',
      "    kwargs.pop('pruned', False)",
      "    kwargs.setdefault('in_chans', 3)",
      '    _filter(kwargs, kwargs_filter)',
      '    return model_cls(**kwargs)',
      'class Net(nn.Module):',
      '    def __init__(self, layers, in_chans=3, norm_layer=GN):',
      '        super().__init__()',
      '        self.norm = norm_layer(64)',
      'def _create(variant, **kwargs):',
      '    return build(Net, variant, **kwargs)',
      'def net50(**kwargs):',
      '    model_args = dict(layers=[3, 4], norm_layer=nn.BatchNorm2d)',
      "    return _create('net50', **dict(model_args, **kwargs))",
      'def net_gn(**kwargs):',
      "    return _create('net_gn', **dict(dict(layers=[2]), **kwargs))",
    ].join('\n');
    // PyTorch 2.13: net50().norm is BatchNorm2d(64), net_gn().norm is GN (GroupNorm(4, 64))
    const l = at(src, 15);
    assert.deepEqual(classesOf(l), ['torch.nn.GroupNorm', 'torch.nn.BatchNorm2d']);
    // (build changes kwargs in place, and callers elsewhere may pass anything: not all is known)
    assert.deepEqual(l.origin?.unfollowed, { text: '**kwargs', line: 10 + 4 });
    // a keyword taken out of a `**kwargs` some call fills: the default given, and what that call passes
    const popped = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.norm = norm_layer(dim)',
      'def stage(dim, **kwargs):',
      "    norm_layer = kwargs.pop('norm_layer', nn.LayerNorm)",
      '    return Block(dim, norm_layer=norm_layer, **kwargs)',
      'def tiny():',
      '    return stage(8, norm_layer=nn.InstanceNorm2d)',
    ].join('\n');
    // PyTorch 2.13: tiny().norm is InstanceNorm2d(8); stage(8).norm is LayerNorm((8,))
    assert.deepEqual(classesOf(at(popped, 4)).sort(), ['torch.nn.BatchNorm2d', 'torch.nn.InstanceNorm2d', 'torch.nn.LayerNorm']);
  });

  it('a call that may also build something that is not a norm is listed with the norms it may build, unless a registry picks', () => {
    const src = [
      'class Stem(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.norm = norm_layer(dim)',
      'class Mixer(nn.Module):',
      '    def __init__(self, dim, norm=True, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.stem = Stem(dim, norm_layer=norm_layer if norm else nn.Identity)',
      'class NoNorm(nn.Module):',
      '    def __init__(self, size):',
      '        super().__init__()',
      '        self.size = size',
      'NORM2FN = {"layer_norm": nn.LayerNorm, "no_norm": NoNorm}',
      'class Embeddings(nn.Module):',
      '    def __init__(self, config):',
      '        super().__init__()',
      '        self.LayerNorm = NORM2FN[config.normalization_type](config.hidden_size)',
    ].join('\n');
    // PyTorch 2.13 (timm 1.0.29 fasternet's patch_norm): Mixer(8).stem.norm is BatchNorm2d(8), Mixer(8, norm=False)'s Identity
    const stem = at(src, 4);
    assert.equal(stem.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.match(stem.origin!.how, /^default of `norm_layer`, line 10; or `torch\.nn\.Identity`, which is not a normalization layer$/);
    // MobileBERT's: which entry is built is the configuration's (its default builds NoNorm): not listed
    assert.equal(found(src).filter(([line]) => line === 17).length, 0);
  });

  it('a partial of a callable NormLens does not know stays unknown: where it is passed on, the default is not certain', () => {
    // timm 1.0.29 mvitv2.py: `partial(get_norm_layer(cfg.norm_layer), eps=cfg.norm_eps)` handed down to the blocks;
    // PyTorch builds LayerNorm(eps=1e-06) there (MultiScaleVitCfg.norm_eps), where the blocks' default gives 1e-05
    const src = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.LayerNorm):',
      '        super().__init__()',
      '        self.norm1 = norm_layer(dim)',
      'class Vit(nn.Module):',
      '    def __init__(self, cfg):',
      '        super().__init__()',
      '        base = nn.LayerNorm if cfg.plain else registry(cfg.norm_layer)',
      '        norm_layer = partial(base, eps=cfg.norm_eps)',
      '        self.b = Block(8, norm_layer=norm_layer)',
    ].join('\n');
    // (the partial of nn.LayerNorm is one candidate; what the registry gives is not followed)
    assert.deepEqual(at(src, 4).origin?.unfollowed, { text: 'norm_layer', line: 9 + 4 });
    assert.match(at(src, 4).origin!.how, /a caller passes `norm_layer` as `norm_layer`, line 14, not followed/);
  });

  it("what a caller's **kwargs may hold survives a factory's own unknowns, and `(x or nn.LayerNorm)(dim)` is a layer", () => {
    // timm 1.0.29 vision_transformer.py: `norm_layer = get_norm_layer(norm_layer) or LayerNorm`, where the factory
    // reads `norm_layer.func` of a partial (unknown) and a registry; CLIP-style configurations pass nn.LayerNorm
    // (eps 1e-05) through build_model_with_cfg's **kwargs, where timm's LayerNorm has eps 1e-06
    const src = [
      'REG = dict(a=nn.LayerNorm, b=nn.BatchNorm2d, c=nn.GroupNorm, d=nn.InstanceNorm2d, e=nn.LayerNorm)',
      'def get_norm(norm_layer):',
      '    if norm_layer is None:',
      '        return None',
      '    if isinstance(norm_layer, partial):',
      '        norm_layer = norm_layer.func',
      '    if isinstance(norm_layer, str):',
      '        norm_layer = REG[norm_layer]',
      '    return norm_layer',
      'class Vit(nn.Module):',
      '    def __init__(self, dim=8, norm_layer=None):',
      '        super().__init__()',
      '        norm_layer = get_norm(norm_layer) or nn.LayerNorm',
      '        self.norm = norm_layer(dim)',
      '        self.plain = (get_norm(None) or nn.LayerNorm)(dim)',
      'def _create(variant, **kwargs):',
      '    return build_model_with_cfg(Vit, variant, **kwargs)',
    ].join('\n');
    assert.deepEqual(at(src, 14).origin?.unfollowed, { text: '**kwargs', line: 16 + 4 });
    // PyTorch: Vit().plain is LayerNorm((8,), eps=1e-05); the scanner cannot read that callee, the model does
    assert.equal(at(src, 15).qualifiedName, 'torch.nn.LayerNorm');
    assert.match(at(src, 15).origin!.how, /^`LayerNorm` in the expression/);
  });

  it('a framework class is in no set of user classes: `norm_layer in _NORM_ACT_TYPES` is false for nn.BatchNorm2d (timm get_norm_act_layer)', () => {
    // timm 1.0.29 layers/create_norm_act.py: BatchNorm2d is mapped to BatchNormAct2d, never returned as it is
    const src = [
      'class BatchNormAct2d(nn.BatchNorm2d):',
      '    def __init__(self, num_features, eps=1e-5, act_layer=None):',
      '        super().__init__(num_features, eps=eps)',
      'class GroupNormAct(nn.GroupNorm):',
      '    def __init__(self, num_channels, num_groups=32, act_layer=None):',
      '        super().__init__(num_groups, num_channels)',
      '_NORM_ACT_TYPES = {BatchNormAct2d, GroupNormAct}',
      '_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d, groupnorm=GroupNormAct)',
      'def get_norm_act_layer(norm_layer, act_layer=None):',
      '    if norm_layer in _NORM_ACT_TYPES:',
      '        norm_act_layer = norm_layer',
      '    else:',
      '        norm_act_layer = _NORM_TO_NORM_ACT_MAP.get(norm_layer.__name__.lower(), None)',
      '    return norm_act_layer',
      'class Block(nn.Module):',
      '    def __init__(self, c, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        norm_act_layer = get_norm_act_layer(norm_layer)',
      '        self.bn = norm_act_layer(c)',
    ].join('\n');
    // (the map's key is computed from a parameter that callers elsewhere may set: every value of the map)
    assert.deepEqual(at(src, 19).origin?.classes, ['BatchNormAct2d', 'GroupNormAct']);
    assert.match(at(src, 19).origin!.how, /^subclass `BatchNormAct2d` of `BatchNorm2d`/);
    // (a set that names a framework class may hold it under another path: then it is not told)
    const aliased = src.replace(
      '_NORM_ACT_TYPES = {BatchNormAct2d, GroupNormAct}',
      '_NORM_ACT_TYPES = {BatchNormAct2d, torch.nn.modules.batchnorm.BatchNorm2d}',
    );
    assert.deepEqual(at(aliased, 19).origin?.classes, ['torch.nn.BatchNorm2d', 'BatchNormAct2d', 'GroupNormAct']);
  });

  it("a loop guard on the type's name (`'BatchNorm' in type(m).__name__`) reaches the classes whose own name has it", () => {
    // PyTorch 2.13 (trial 4, T37): after A(), bn.momentum == 0.01; ln.momentum does not exist; MyNorm (a
    // BatchNorm2d subclass whose name lacks 'BatchNorm') keeps 0.1
    const src = [
      'class MyNorm(nn.BatchNorm2d):',
      '    pass',
      'class A(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(8)',
      '        self.ln = nn.LayerNorm(8)',
      '        self.my = MyNorm(8)',
      '        for m in self.modules():',
      "            if 'BatchNorm' in type(m).__name__:",
      '                m.momentum = 0.01',
    ].join('\n');
    assert.equal(at(src, 6).effective.momentum.maySetBy, 'm.momentum = 0.01 (for m in self.modules())');
    assert.equal(at(src, 8).effective.momentum.maySetBy, undefined);
    assert.equal(at(src, 7).effective.eps.maySetBy, undefined);
  });

  it('a hand-written RMSNorm built with_scale=False has no γ, and one left without a size normalizes the last dim', () => {
    // transformers 5.17 Gemma4RMSNorm / MuseGlimmerRMSNorm (trial 5, U18/U39): with_scale=False builds no weight
    // (PyTorch: 0 parameters), the output is normalized over the last dim whatever `dim` is
    const src = [
      'class RMS(nn.Module):',
      '    def __init__(self, dim=None, eps=1e-6, with_scale=True):',
      '        super().__init__()',
      '        self.eps = eps',
      '        self.with_scale = with_scale',
      '        if self.with_scale:',
      '            self.weight = nn.Parameter(torch.ones(dim))',
      '    def forward(self, x):',
      '        y = x * torch.pow(x.pow(2).mean(-1, keepdim=True) + self.eps, -0.5)',
      '        return y * self.weight if self.with_scale else y',
      'a = RMS(64)',
      'v = RMS(64, with_scale=False)',
      'm = RMS(eps=1e-5, with_scale=False)',
    ].join('\n');
    const card = (l: ResolvedLayer) => /\*\*Parameters\*\* [^\n]*/.exec(compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown)![0];
    assert.equal(card(at(src, 11)), '**Parameters** 64 learnable (weight)');
    assert.equal(at(src, 12).effective.elementwise_affine.value, false);
    assert.equal(card(at(src, 12)), '**Parameters** no learnable parameters');
    assert.deepEqual(at(src, 13).effective.normalized_shape.value, { expr: '?' });
    assert.match(compactHover(at(src, 13), { decimals: 4, seed: 0, diagnostics: [] }).markdown, /\*\*Example\*\* seeded/);
  });

  it('the last of several assignments that certainly run decides; a method called after one may set it again', () => {
    // PyTorch 2.13 (trial 5, U37/U4): Net().norm.eps == 0.01, Net().bn.momentum == 0.01 (the flag may have set 1e-3
    // first), LN(8).eps == 0.01, BNlater(8).eps == 1e-07 (reset_eps runs after the literal)
    const src = [
      'class LN(nn.LayerNorm):',
      '    def __init__(self, d):',
      '        super().__init__(d)',
      '        self.eps = 1e-3',
      '        self.eps = 1e-2',
      'class BNlater(nn.BatchNorm2d):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.eps = 1e-3',
      '        self.reset_eps()',
      '    def reset_eps(self):',
      '        self.eps = 1e-7',
      'class Net(nn.Module):',
      '    def __init__(self, flag):',
      '        super().__init__()',
      '        self.norm = nn.GroupNorm(4, 8)',
      '        self.norm.eps = 1e-3',
      '        self.norm.eps = 1e-2',
      '        self.bn = nn.BatchNorm2d(8)',
      '        if flag:',
      '            self.bn.momentum = 0.5',
      '        self.bn.momentum = 0.01',
      '        self.ln = LN(8)',
      '        self.late = BNlater(8)',
    ].join('\n');
    const value = (line: number, name: string) => [at(src, line).effective[name].value, at(src, line).effective[name].maySetBy];
    assert.deepEqual(value(16, 'eps'), [0.01, undefined]);
    assert.equal(at(src, 16).codeDefaults?.eps?.from, '`self.norm.eps = 1e-2`');
    assert.deepEqual(value(19, 'momentum'), [0.01, undefined]);
    assert.deepEqual(value(23, 'eps'), [0.01, undefined]);
    assert.equal(at(src, 23).codeDefaults?.eps?.from, '`self.eps = 1e-2` in `LN`');
    // the headline says what it computes as (trial 5, U5: it said `LayerNorm(8)`, the eps it was built with)
    assert.equal(originText(at(src, 23)), '`LN(8)` builds `LayerNorm(8, eps=0.01)` — subclass `LN` of `LayerNorm`, line 5');
    assert.deepEqual(value(24, 'eps'), [1e-5, 'self.eps = 1e-3 in BNlater']);
    // (one a later method may set again is not what it computes as for certain)
    assert.equal(originText(at(src, 24)), '`BNlater(8)` builds `BatchNorm2d(8)` — subclass `BNlater` of `BatchNorm2d`, line 10');
    // set before super().__init__ (which sets it again), a comment naming super above it (PyTorch: Pre(8).momentum == 0.1)
    const pre = [
      'class Pre(nn.BatchNorm2d):',
      '    def __init__(self, c):',
      '        self.eps = 1e-3  # overwritten by super().__init__ below',
      '        self.momentum = 0.5',
      '        super().__init__(c)',
      'a = Pre(8)',
    ].join('\n');
    assert.deepEqual(
      [at(pre, 6).effective.momentum.value, at(pre, 6).effective.momentum.maySetBy, at(pre, 6).effective.eps.maySetBy],
      [0.1, undefined, undefined],
    );
  });

  it("a custom norm whose bias exists only when a parameter says so takes the call's value (nanoGPT's LayerNorm(ndim, bias))", () => {
    // PyTorch 2.13 (trial 6, #5): LayerNorm(768, bias=False) has 768 parameters and bias None; Guarded(8) has 16
    const src = [
      'class LayerNorm(nn.Module):',
      '    def __init__(self, ndim, bias):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(ndim))',
      '        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None',
      '    def forward(self, input):',
      '        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)',
      'class Guarded(nn.Module):',
      '    def __init__(self, dim, use_bias=True):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(dim))',
      '        self.bias = None',
      '        if use_bias:',
      '            self.bias = nn.Parameter(torch.zeros(dim))',
      '    def forward(self, x):',
      '        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)',
      'a = LayerNorm(768, bias=False)',
      'b = LayerNorm(768, True)',
      'c = Guarded(8)',
      'd = Guarded(8, use_bias=flag)',
    ].join('\n');
    const card = (l: ResolvedLayer) => /\*\*Parameters\*\* [^\n]*/.exec(compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown)![0];
    assert.deepEqual(
      [17, 18, 19].map((n) => [at(src, n).effective.bias.value, card(at(src, n))]),
      [
        [false, '**Parameters** 768 learnable (weight)'],
        [true, '**Parameters** 1536 learnable (weight, bias)'],
        [true, '**Parameters** 16 learnable (weight, bias)'],
      ],
    );
    assert.deepEqual(at(src, 20).effective.bias.value, { expr: 'flag' });
  });

  it('`kwargs.setdefault("eps", 1e-3)` before the base gives that eps unless the call passes one; `kwargs["eps"] = …` whatever it passes', () => {
    // PyTorch 2.13 (trial 6, #8): BN1dEps(96).eps == 0.001, BN1dEps(96, eps=1e-5).eps == 1e-05, Forced(8, eps=0.5).eps == 0.01
    const src = [
      'class BN1dEps(nn.BatchNorm1d):',
      '    def __init__(self, *args, **kwargs):',
      '        kwargs.setdefault("eps", 1e-3)',
      '        super().__init__(*args, **kwargs)',
      'class Forced(nn.LayerNorm):',
      '    def __init__(self, *args, **kwargs):',
      "        kwargs['eps'] = 0.01",
      '        super().__init__(*args, **kwargs)',
      'class Maybe(nn.LayerNorm):',
      '    def __init__(self, *args, **kwargs):',
      '        if flag:',
      '            kwargs.setdefault("eps", 1e-3)',
      '        super().__init__(*args, **kwargs)',
      'a = BN1dEps(96)',
      'b = BN1dEps(96, eps=1e-5)',
      'c = BN1dEps(96, **cfg)',
      'd = Forced(8, eps=0.5)',
      'e = Maybe(8)',
    ].join('\n');
    const value = (line: number) => [at(src, line).effective.eps.value, at(src, line).effective.eps.maySetBy];
    assert.deepEqual(value(14), [0.001, undefined]);
    assert.equal(at(src, 14).codeDefaults?.eps?.from, '`kwargs.setdefault("eps", 1e-3)` in `BN1dEps`');
    assert.deepEqual(value(15), [1e-5, undefined]);
    assert.deepEqual(value(16)[1], 'kwargs.setdefault("eps", 1e-3) in BN1dEps');
    assert.deepEqual(value(17), [0.01, undefined]);
    assert.deepEqual(value(18), [1e-5, 'kwargs.setdefault("eps", 1e-3) in Maybe']);
  });

  it("a loop's targets take the iterable's elements: a tuple of classes, zip, enumerate, tuple(repeat(x, n)), comprehensions", () => {
    // PyTorch 2.13 (trial 5, U10, written as timm's ResNet make_blocks: `block_fns = to_ntuple(n)(block_fn)` then
    // `for stage_idx, (block_fn, planes, ...) in enumerate(zip(block_fns, channels, ...))`): ResNet(norm_layer=
    // nn.InstanceNorm2d).stages[0].bn1 is an InstanceNorm2d; the loops and the comprehension build each class named
    const src = [
      'from itertools import repeat',
      'def to_ntuple(n):',
      '    def parse(x):',
      '        return tuple(repeat(x, n))',
      '    return parse',
      'class BasicBlock(nn.Module):',
      '    def __init__(self, planes, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.bn1 = norm_layer(planes)',
      'def make_blocks(block_fn, channels, norm_layer):',
      '    block_fns = to_ntuple(len(channels))(block_fn)',
      '    blocks = []',
      '    for stage_idx, (fn, planes) in enumerate(zip(block_fns, channels)):',
      '        blocks.append(fn(planes, norm_layer=norm_layer))',
      '    return blocks',
      'class ResNet(nn.Module):',
      '    def __init__(self, block=BasicBlock, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.stages = nn.Sequential(*make_blocks(block, (64, 128), norm_layer))',
      'm = ResNet(norm_layer=nn.InstanceNorm2d)',
      'for norm in (nn.BatchNorm1d, nn.LayerNorm):',
      '    x = norm(8)',
      'ys = [k(c) for k, c in zip((nn.InstanceNorm1d,), (4,))]',
      'for a, b in pairs:',
      '    z = a(b)',
    ].join('\n');
    // (InstanceNorm2d first: the only ResNet built passes it, so the defaults are what callers elsewhere would get)
    assert.deepEqual(classesOf(at(src, 9)), ['torch.nn.InstanceNorm2d', 'torch.nn.BatchNorm2d']);
    assert.deepEqual(classesOf(at(src, 22)), ['torch.nn.BatchNorm1d', 'torch.nn.LayerNorm']);
    assert.deepEqual(found(src).slice(1), [
      [22, 'torch.nn.BatchNorm1d', 'alias'],
      [23, 'torch.nn.InstanceNorm1d', 'alias'],
    ]);
  });

  it("code outside the class that sets eps or momentum on an instance's layer (`net.ln.eps = 1e-4`) may change it", () => {
    // PyTorch 2.13 (trial 5, U14): Net().bn.momentum == 0.1 but tune(net) leaves 0.01 on that instance; LN(8).eps ==
    // 1e-06 and net.ln.eps == 1e-04 once set
    const src = [
      'class LN(nn.LayerNorm):',
      '    def __init__(self, d):',
      '        super().__init__(d)',
      '        self.eps = 1e-6',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(8)',
      '        self.ln = LN(8)',
      '        self.gn = nn.GroupNorm(2, 8)',
      'class Sub(Net):',
      '    pass',
      'def tune(model):',
      '    model.bn.momentum = 0.01',
      'net = Sub()',
      'tune(net)',
      'net.ln.eps = 1e-4',
      'class Other(nn.Module):',
      '    pass',
      'other = Other()',
      'other.gn.eps = 1e-3',
      'def fix(model):',
      '    model.ln.momentum = 0.5',
    ].join('\n');
    const value = (line: number, name: string) => [at(src, line).effective[name].value, at(src, line).effective[name].maySetBy];
    assert.deepEqual(value(8, 'momentum'), [0.1, 'model.bn.momentum = 0.01']);
    assert.deepEqual(value(9, 'eps'), [1e-6, 'net.ln.eps = 1e-4']);
    // (then it is not what the layer computes as for certain: the headline keeps what it was built with)
    assert.equal(originText(at(src, 9)), '`LN(8)` builds `LayerNorm(8)` — subclass `LN` of `LayerNorm`, line 5');
    // an object of another class (whose holder has the same name) changes nothing here
    assert.deepEqual(value(10, 'eps'), [1e-5, undefined]);
    // a model no call fills may be any model: `model.ln.momentum = 0.5` may set the momentum of a layer held as `ln`
    // (LN has none: a LayerNorm's is no argument), `unknown.gn.eps` the eps of one held as `gn`
    assert.equal(at(src, 9).effective.momentum, undefined);
    const more = src + '\nsomething.gn.eps = 1e-4\nclass Held(nn.Module):\n    def __init__(self):\n        self.ln = nn.BatchNorm1d(4)';
    assert.deepEqual([at(more, 10).effective.eps.maySetBy, at(more, 27).effective.momentum.maySetBy], ['something.gn.eps = 1e-4', 'model.ln.momentum = 0.5']);
  });

  it("mmcv's configuration dict: `norm_cfg = norm_cfg or {}` then `norm_cfg.get('type', nn.GroupNorm)`", () => {
    // PyTorch 2.13 (trial 4, T21): Block5(16).norm is GroupNorm(8, 16)
    const src = [
      'class Block5(nn.Module):',
      '    def __init__(self, dim, norm_cfg=None):',
      '        super().__init__()',
      '        norm_cfg = norm_cfg or {}',
      "        norm_layer = norm_cfg.get('type', nn.GroupNorm)",
      '        self.norm = norm_layer(8, dim)',
    ].join('\n');
    assert.deepEqual(found(src), [[6, 'torch.nn.GroupNorm', 'alias']]);
    assert.equal(at(src, 6).origin?.how, 'returned by `norm_cfg.get(…)`, line 9'); // (past the 4 of HEAD)
  });

  it('a condition the code fixes runs one way only (`if False:`, a module constant)', () => {
    // PyTorch 2.13 (trial 4, T19/T11): Block(8).bn is GroupNorm(4, 8) with USE_GN = True; with the patch under
    // `if False:` Block2(8).bn is BatchNorm2d(8)
    const constant = [
      'from torch.nn import BatchNorm2d',
      'USE_GN = True',
      'if USE_GN:',
      '    BatchNorm2d = lambda c: nn.GroupNorm(4, c)',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.bn = BatchNorm2d(c)',
    ].join('\n');
    // (what the lambda builds is listed where it is written; the call is not the imported class)
    assert.deepEqual(found(constant), [[4, 'torch.nn.GroupNorm', 'import']]);
    const dead = [
      'if False:',
      '    nn.BatchNorm2d = partial(nn.GroupNorm, 2)',
      'elif 0:',
      '    nn.BatchNorm2d = nn.SyncBatchNorm',
      'class Block2(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(c)',
    ].join('\n');
    assert.deepEqual(found(dead), [[8, 'torch.nn.BatchNorm2d', 'import']]);
    assert.equal(at(dead, 8).origin, undefined);
    // layers in a branch that never runs are not listed, nor checked (trial 5, U8; PyTorch runs only d = GroupNorm(4, 8))
    const branches = [
      'USE_BN = False',
      'if False:',
      '    a = nn.GroupNorm(3, 8)',
      'if USE_BN:',
      '    c = nn.BatchNorm2d(8, momentum=0.9)',
      'if not USE_BN:',
      '    d = nn.GroupNorm(4, 8)',
      'else:',
      '    d = nn.GroupNorm(3, 8)',
    ].join('\n');
    assert.deepEqual(found(branches), [[7, 'torch.nn.GroupNorm', 'import']]);
    assert.deepEqual(analyzeDocument(HEAD + branches).diagnostics, []);
    // a field's default is no fixed condition: a caller may set it (flax.linen attention's `if self.normalize_qk:`)
    const field = [
      'class Attn(nn.Module):',
      '    normalize_qk: bool = False',
      '    def forward(self, x):',
      '        if self.normalize_qk:',
      '            x = nn.LayerNorm(8)(x)',
    ].join('\n');
    assert.deepEqual(found(field), [[5, 'torch.nn.LayerNorm', 'import']]);
  });

  it('a caller passing what NormLens cannot follow is named, so the classes shown are not taken for all', () => {
    const src = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.LayerNorm):',
      '        self.norm = norm_layer(dim)',
      'class Stage(nn.Module):',
      '    def __init__(self, norm_layers):',
      '        self.blocks = [Block(8, norm_layer=norm_layers[i]) for i in range(2)]',
      'class Plain(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.LayerNorm):',
      '        self.norm = norm_layer(dim)',
      'p = Plain(8, norm_layer=nn.LayerNorm)',
    ].join('\n');
    const l = at(src, 3);
    assert.deepEqual(l.origin?.unfollowed, { text: 'norm_layers[i]', line: 9 });
    assert.match(l.origin?.how ?? '', /^default of `norm_layer`, line 6; a caller passes `norm_layers\[i\]` as `norm_layer`, line 10, not followed$/);
    assert.equal(at(src, 9).origin?.unfollowed, undefined);
  });

  it('a subclass that overrides train() says its mode may not follow the model', () => {
    const src = [
      'class EvalModeBN(nn.BatchNorm2d):',
      '    def train(self, mode=True):',
      '        return super().train(False)',
      'bn = EvalModeBN(16)',
      'plain = nn.BatchNorm2d(16)',
    ].join('\n');
    // PyTorch 2.13: after model.train(), EvalModeBN.training is False and its running statistics never move
    assert.match(at(src, 4).origin?.how ?? '', /; `EvalModeBN` overrides `train\(\)`, so its mode may not follow `model\.train\(\)`$/);
  });

  it('`*args` in a norm call: the positional parameters after those written may come from it, none is missing', () => {
    const src = ['spec = (8, 2e-3)', 'bn = nn.BatchNorm1d(*spec)', 'ln = nn.LayerNorm(16, *rest)', 'bn2 = nn.BatchNorm1d(*cfg)'].join('\n');
    // PyTorch: BatchNorm1d(8, eps=0.002) (a tuple the code fixes binds its items)
    const bn = at(src, 2);
    assert.deepEqual(bn.bindingErrors, []);
    assert.deepEqual(bn.effective.num_features, { value: 8, isDefault: false });
    assert.deepEqual(bn.effective.eps, { value: 2e-3, isDefault: false });
    assert.deepEqual(bn.argsUnpacked, { text: '*spec', names: ['num_features', 'eps'] });
    // (one the code does not fix: anything after those written may come from it)
    const bn2 = at(src, 4);
    assert.deepEqual(bn2.effective.num_features, { value: { expr: '?' }, isDefault: false, maySetBy: '*cfg' });
    assert.equal(bn2.effective.eps.maySetBy, '*cfg');
    const ln = at(src, 3);
    assert.equal(ln.effective.normalized_shape.value, 16);
    assert.equal(ln.effective.normalized_shape.maySetBy, undefined);
    assert.equal(ln.effective.eps.maySetBy, '*rest');
  });

  it('a registry that also holds a function says the call may build what that function builds', () => {
    const src = ["NORMS = {'bn': nn.BatchNorm2d, 'gn': lambda c: nn.GroupNorm(8, c)}", "def make(norm='gn', c=64):", '    return NORMS[norm](c)'].join('\n');
    // PyTorch: make() builds GroupNorm(8, 64) in the lambda (line 1); make('bn') a BatchNorm2d here
    const l = at(src, 3);
    assert.equal(l.qualifiedName, 'torch.nn.BatchNorm2d');
    // (lines in the text count the four import lines above the source)
    assert.match(l.origin?.how ?? '', /; or what `lambda c: nn\.GroupNorm\(8, c\)` builds, line 5$/);
    assert.deepEqual(
      found(src).filter(([line]) => line === 1),
      [[1, 'torch.nn.GroupNorm', 'import']],
    );
    // the same for a lambda a caller passes as norm_layer (the usual way to put GroupNorm in a torchvision ResNet)
    const passed = [
      'class Bottleneck(nn.Module):',
      '    def __init__(self, c, norm_layer=None):',
      '        if norm_layer is None:',
      '            norm_layer = nn.BatchNorm2d',
      '        self.bn = norm_layer(c)',
      'b = Bottleneck(64, norm_layer=lambda ch: nn.GroupNorm(32, ch))',
    ].join('\n');
    assert.match(at(passed, 5).origin?.how ?? '', /^default of `norm_layer`, line 8; or what `lambda ch: nn\.GroupNorm\(32, ch\)` builds, line 10$/);
    // an imported class rebound to a function under a condition the code does not fix: either may be built
    // (PyTorch, with USE_GN set: GroupNorm(4, 8); without: BatchNorm2d(8))
    const rebound = [
      'from torch.nn import BatchNorm2d',
      "USE_GN = os.environ.get('USE_GN')",
      'if USE_GN:',
      '    BatchNorm2d = lambda c: nn.GroupNorm(4, c)',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.bn = BatchNorm2d(c)',
    ].join('\n');
    assert.equal(at(rebound, 7).origin?.how, '`BatchNorm2d` as imported; or what `lambda c: nn.GroupNorm(4, c)` builds, line 8');
    // an optional import of a class NormLens does not know: the line is listed, and says so (PyTorch without apex: LayerNorm(8))
    const optional = [
      'from torch.nn import LayerNorm',
      'try:',
      '    from apex.normalization import FusedLayerNorm as LayerNorm',
      'except ImportError:',
      '    pass',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.ln = LayerNorm(c)',
    ].join('\n');
    assert.equal(at(optional, 8).qualifiedName, 'torch.nn.LayerNorm');
    assert.equal(at(optional, 8).origin?.how, '`LayerNorm` as imported; or `apex.normalization.FusedLayerNorm`, a class NormLens does not know');
    // a framework class replaced on its module (`nn.BatchNorm2d = partial(nn.GroupNorm, 2)`; PyTorch: Block(4).bn is GroupNorm(2, 4))
    const patched = [
      'nn.BatchNorm2d = partial(nn.GroupNorm, 2)',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.bn = nn.BatchNorm2d(c)',
    ].join('\n');
    assert.equal(at(patched, 4).qualifiedName, 'torch.nn.GroupNorm');
    assert.deepEqual(classesOf(at(patched, 4)), ['torch.nn.GroupNorm', 'torch.nn.BatchNorm2d']);
    // seen by the editor's blocks too (the statement joins those that read `nn`), and with another file's
    // imports resolved (inspect's project graph)
    assert.deepEqual(
      new PythonModule(HEAD + patched).layers.map((l) => l.qualifiedName),
      ['torch.nn.GroupNorm'],
    );
    // a layer the module body builds above the replacement is the class (PyTorch: early is BatchNorm2d(4)); a
    // replacement only a function makes, which may never run, comes second (PyTorch without freeze(): BatchNorm2d(8))
    const order = ['early = nn.BatchNorm2d(4)', 'nn.BatchNorm2d = partial(nn.GroupNorm, 2)', 'late = nn.BatchNorm2d(4)'].join('\n');
    assert.deepEqual(found(order), [
      [1, 'torch.nn.BatchNorm2d', 'import'],
      [3, 'torch.nn.GroupNorm', 'partial'],
    ]);
    const inFunction = [
      'def freeze():',
      '    nn.BatchNorm2d = partial(nn.GroupNorm, 2)',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.bn = nn.BatchNorm2d(c)',
    ].join('\n');
    assert.deepEqual(classesOf(at(inFunction, 5)), ['torch.nn.BatchNorm2d', 'torch.nn.GroupNorm']);
    // the setattr spelling (PyTorch: GroupNorm(4, 8)), and a replacement NormLens does not know (an installed
    // package's class: PyTorch builds FancyBN(8, fancy=True)): no layer and no binding error at the call
    const viaSetattr = [
      "setattr(nn, 'GroupNorm', partial(nn.GroupNorm, 4))",
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.gn = nn.GroupNorm(num_channels=c)',
    ].join('\n');
    assert.equal(at(viaSetattr, 4).qualifiedName, 'torch.nn.GroupNorm');
    assert.deepEqual(analyzeDocument(HEAD + viaSetattr).diagnostics, []);
    const unknown = [
      'from complib.norms import FancyBN',
      'nn.BatchNorm2d = FancyBN',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.bn = nn.BatchNorm2d(c, fancy=True)',
    ].join('\n');
    assert.deepEqual(found(unknown), []);
    assert.deepEqual(analyzeDocument(HEAD + unknown).diagnostics, []);
    const graph = new ProjectGraph({ read: (p) => (p === '/p/m.py' ? HEAD + patched : undefined) }, 10);
    assert.deepEqual(
      recognize(HEAD + patched, { host: graph.hostFor('/p/m.py'), moduleName: 'm', path: '/p/m.py', model: graph.modelOf('/p/m.py') }).map(
        (l) => l.qualifiedName,
      ),
      ['torch.nn.GroupNorm'],
    );
  });

  it('values set on a layer once it is built, or by a subclass around its base, make the default unsure', () => {
    const src = [
      'class NoAffineLN(nn.LayerNorm):',
      '    def __init__(self, dim):',
      '        super().__init__(dim, elementwise_affine=False)',
      '        self.eps = 1e-8',
      'class BNWithKw(nn.BatchNorm1d):',
      '    def __init__(self, *args, **kwargs):',
      "        kwargs.setdefault('momentum', 0.01)",
      '        super().__init__(*args, **kwargs)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.a = NoAffineLN(32)',
      '        self.b = BNWithKw(10)',
      '        self.f = nn.LayerNorm(32)',
      '        self.f.eps = 1e-3',
      '        self.g = nn.LayerNorm(32)',
      '        self.h = FixedEpsLN(16)',
      'class FixedEpsLN(nn.LayerNorm):',
      '    def forward(self, x):',
      '        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, 1e-12)',
    ].join('\n');
    // PyTorch 2.13: a.eps == 1e-08, b.momentum == 0.01, f.eps == 0.001, g.eps == 1e-05
    // (set once, after super().__init__, unconditionally: the value used, said where)
    assert.deepEqual([at(src, 12).effective.eps.value, at(src, 12).effective.eps.maySetBy], [1e-8, undefined]);
    assert.equal(at(src, 12).codeDefaults?.eps?.from, '`self.eps = 1e-8` in `NoAffineLN`');
    assert.deepEqual([at(src, 13).effective.momentum.value, at(src, 13).effective.momentum.maySetBy], [0.01, undefined]);
    // set right after it is built, in the same body: the value used, said where (under a condition, or set
    // twice: it may be; PyTorch: `bn.momentum = None` makes the running statistics a cumulative average)
    const later = [
      'class Net(nn.Module):',
      '    def __init__(self, cumulative):',
      '        self.a = nn.BatchNorm2d(4)',
      '        self.a.momentum = None',
      '        self.b = nn.BatchNorm2d(4)',
      '        if cumulative:',
      '            self.b.momentum = None',
      '        self.c = nn.BatchNorm2d(4)',
      '        return',
      '        self.c.momentum = None',
    ].join('\n');
    assert.equal(at(later, 3).effective.momentum.value, null);
    assert.equal(at(later, 5).effective.momentum.value, 0.1);
    assert.equal(at(later, 5).effective.momentum.maySetBy, 'self.b.momentum = None');
    assert.equal(at(later, 8).effective.momentum.value, 0.1);
    // set before the attribute is built again: the object set is replaced (PyTorch: Net().bn.momentum == 0.1)
    const replaced = [
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        self.bn = nn.BatchNorm2d(4)',
      '        self.bn.momentum = 0.5',
      '        self.bn = nn.BatchNorm2d(4)',
    ].join('\n');
    assert.equal(at(replaced, 3).effective.momentum.value, 0.5);
    assert.equal(at(replaced, 5).effective.momentum.value, 0.1);
    assert.equal(at(replaced, 5).effective.momentum.maySetBy, undefined);
    // a function's local of the same name is another variable (PyTorch: the module's m.eps == 1e-05)
    const local = ['m = nn.LayerNorm(8)', 'def f():', '    m = nn.LayerNorm(4)', '    m.eps = 1e-3'].join('\n');
    assert.equal(at(local, 1).effective.eps.value, 0.00001);
    assert.equal(at(local, 1).effective.eps.maySetBy, undefined);
    assert.equal(at(local, 3).effective.eps.value, 0.001);
    assert.equal(at(src, 14).effective.eps.value, 0.001);
    assert.equal(at(src, 14).effective.eps.maySetBy, undefined);
    assert.equal(at(src, 14).codeDefaults?.eps?.from, '`self.f.eps = 1e-3`');
    assert.equal(at(src, 16).effective.eps.maySetBy, undefined);
    // its own forward normalizes with 1e-12 whatever self.eps holds (PyTorch: equal to LayerNorm(eps=1e-12)): its one
    // call, in the forward's body itself, so the value used, said where
    assert.deepEqual([at(src, 17).effective.eps.value, at(src, 17).effective.eps.maySetBy], [1e-12, undefined]);
    assert.equal(at(src, 17).codeDefaults?.eps?.from, '`eps=1e-12` in `FixedEpsLN.forward`');
    // under a condition, or with two calls passing two values: it may be the one used
    const maybe = [
      'class CondLN(nn.LayerNorm):',
      '    def forward(self, x):',
      '        if x.dim() == 3:',
      '            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, 1e-12)',
      '        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)',
      'class TernaryLN(nn.LayerNorm):',
      '    def forward(self, x):',
      '        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, 1e-12 if self.training else 1e-5)',
      'a = CondLN(8)',
      'b = TernaryLN(8)',
    ].join('\n');
    assert.deepEqual([at(maybe, 9).effective.eps.value, at(maybe, 9).effective.eps.maySetBy], [1e-5, 'eps=1e-12 in CondLN.forward']);
    assert.deepEqual(
      [at(maybe, 10).effective.eps.value, at(maybe, 10).effective.eps.maySetBy],
      [1e-5, 'eps=1e-12 if self.training else 1e-5 in TernaryLN.forward'],
    );
    assert.match(compactHover(at(src, 14), { decimals: 4, seed: 0, diagnostics: [] }).markdown, /`eps=0\.001` added to var, set by `self\.f\.eps = 1e-3`/);
  });

  it('a subclass that sets `self.bias = None` after its base has no bias (timm LayerNorm2dNoBias); under an if it may', () => {
    const src = [
      'class LayerNorm2d(nn.LayerNorm):',
      '    def __init__(self, num_channels, eps=1e-6, affine=True):',
      '        super().__init__(num_channels, eps=eps, elementwise_affine=affine)',
      'class LayerNorm2dNoBias(LayerNorm2d):',
      '    def __init__(self, num_channels, **kwargs):',
      '        super().__init__(num_channels, **kwargs)',
      "        self.eps = kwargs.get('eps', 1e-6)",
      '        self.bias = None',
      'class MaybeNoBias(nn.LayerNorm):',
      '    def __init__(self, c, bias=True):',
      '        super().__init__(c)',
      '        if not bias:',
      '            self.bias = None',
      'class BNNoShift(nn.BatchNorm2d):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.bias = None',
      'class Stem(nn.Module):',
      '    def __init__(self, c, norm_layer=LayerNorm2dNoBias):',
      '        super().__init__()',
      '        self.norm = norm_layer(c)',
      '        self.a = MaybeNoBias(c)',
      '        self.b = BNNoShift(c)',
      '        self.d = LayerNorm2d(c)',
      'class Stem2(nn.Module):',
      '    def __init__(self, c, norm_layer=LayerNorm2d):',
      '        super().__init__()',
      '        self.norm = norm_layer(c)',
      's2 = Stem2(8, norm_layer=LayerNorm2dNoBias)',
    ].join('\n');
    // PyTorch 2.13: LayerNorm2dNoBias and BNNoShift print `bias=False` and have only `weight` in
    // named_parameters, their outputs equal LayerNorm(c, bias=False) / BatchNorm2d(c, bias=False)
    const noBias = at(src, 21);
    assert.equal(noBias.effective.bias.value, false);
    assert.equal(noBias.codeDefaults?.bias?.from, '`self.bias = None` in `LayerNorm2dNoBias`');
    // (not written at the call: `arguments` holds what the call writes)
    assert.equal(noBias.arguments.bias, undefined);
    assert.equal(at(src, 23).effective.bias.value, false);
    // MaybeNoBias(c) keeps its bias (its default bias=True makes `if not bias:` fail); MaybeNoBias(c, bias=False)
    // drops it, and with a value the code does not fix it may (PyTorch: 16, 8 and either)
    assert.equal(at(src, 22).effective.bias.value, true);
    assert.equal(at(src, 22).effective.bias.maySetBy, undefined);
    const calls = [src, 'x = MaybeNoBias(8, bias=False)', 'y = MaybeNoBias(8, flag)'].join('\n');
    assert.equal(at(calls, 30).effective.bias.value, false);
    assert.equal(at(calls, 30).codeDefaults?.bias?.from, '`self.bias = None` in `MaybeNoBias`');
    assert.equal(at(calls, 31).effective.bias.maySetBy, 'self.bias = None in MaybeNoBias');
    assert.match(
      compactHover(at(calls, 31), { decimals: 4, seed: 0, diagnostics: [] }).markdown,
      /\*\*Parameters\*\* .*, unless `self\.bias = None in MaybeNoBias` drops one/,
    );
    assert.equal(at(src, 24).effective.bias.value, true);
    assert.equal(at(src, 24).effective.bias.maySetBy, undefined);
    // its other spellings (PyTorch 2.13: only `weight` in named_parameters, `bias=False` in the repr)
    const spellings = [
      'class A(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      "        self.register_parameter('bias', None)",
      'class B(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        setattr(self, "bias", None)',
      'a, b = A(4), B(4)',
    ].join('\n');
    assert.deepEqual(
      recognize(HEAD + spellings).map((l) => [l.effective.bias.value, l.codeDefaults?.bias?.from]),
      [
        [false, "`self.register_parameter('bias', None)` in `A`"],
        [false, '`setattr(self, "bias", None)` in `B`'],
      ],
    );
    // the statement inside a string (code disabled with triple quotes) is no statement: the bias stays
    const disabled = [
      'class Quiet(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        """',
      '        self.bias = None',
      '        self.eps = 1e-3',
      '        """',
      'ln = Quiet(8)',
    ].join('\n');
    assert.equal(at(disabled, 8).effective.bias.value, true);
    assert.equal(at(disabled, 8).effective.eps.maySetBy, undefined);
    // a line that builds LayerNorm2d or LayerNorm2dNoBias, depending on the caller: may
    assert.equal(at(src, 28).effective.bias.value, true);
    assert.equal(at(src, 28).effective.bias.maySetBy, 'self.bias = None in LayerNorm2dNoBias');
  });

  it('a subclass that puts γ or β back once built where its arguments left them out is counted and computed with them', () => {
    // PyTorch 2.13 (trial 5, U13/U25): named_parameters of ScaleOnlyLN(8) is [('weight', (8,))] and its forward
    // scales by it; BiasBack(8) has [('bias', (8,))]; InstanceNorm2d is built without affine, Affine(8) has both
    const src = [
      'class ScaleOnlyLN(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c, elementwise_affine=False)',
      '        self.weight = nn.Parameter(torch.ones(c))',
      'class BiasBack(nn.BatchNorm2d):',
      '    def __init__(self, c):',
      '        super().__init__(c, affine=False)',
      '        self.bias = torch.nn.Parameter(torch.zeros(c))  # learnable shift only',
      'class Affine(nn.InstanceNorm2d):',
      '    def __init__(self, c, flag):',
      '        super().__init__(c)',
      '        self.weight = nn.Parameter(torch.ones(c))',
      '        if flag:',
      '            self.bias = nn.Parameter(torch.zeros(c))',
      'class Had(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.weight = nn.Parameter(torch.ones(c))',
      'a, b, c, d = ScaleOnlyLN(8), BiasBack(8), Affine(8, f), Had(8)',
    ].join('\n');
    const [a, b, c, d] = recognize(HEAD + src);
    const card = (l: ResolvedLayer) => /\*\*Parameters\*\* [^\n]*/.exec(compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown)![0];
    assert.deepEqual(a.restored, { weight: { code: 'self.weight = nn.Parameter(torch.ones(c)) in ScaleOnlyLN', definite: true } });
    assert.equal(card(a), '**Parameters** 8 learnable (weight); `weight` put back by `self.weight = nn.Parameter(torch.ones(c))` in `ScaleOnlyLN`');
    assert.equal(
      card(b),
      '**Parameters** 8 learnable (bias) · 17 in buffers; `bias` put back by `self.bias = torch.nn.Parameter(torch.zeros(c))` in `BiasBack`',
    );
    // the bias under an if may be put back: counted without it, said so
    assert.equal(
      card(c),
      '**Parameters** 8 learnable (weight); `weight` put back by `self.weight = nn.Parameter(torch.ones(c))` in `Affine`, unless `self.bias = nn.Parameter(torch.zeros(c)) in Affine` adds one',
    );
    // (one it had anyway is nothing put back)
    assert.equal(d.restored, undefined);
    const full = explainLayer(a, { decimals: 4, seed: 0, diagnostics: [] }).sections.formula;
    assert.match(full, /y = \(x − mean\) \/ √\(var \+ ε\) · γ\n/);
    assert.match(
      full,
      /γ \(scale\) only: one per normalized element, learnable, put back by `self\.weight = nn\.Parameter\(torch\.ones\(c\)\)` in `ScaleOnlyLN`\. No β \(`elementwise_affine=False`\)/,
    );
  });

  it('a subclass that removes γ (`self.weight = None`), a Keras `self.center = False` and a Flax nnx `self.bias = None` are counted without them', () => {
    const src = [
      'class LayerNormNoWeight(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.weight = None',
      'class BNNoScale(nn.BatchNorm2d):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.weight = None',
      'class MaybeNoScale(nn.LayerNorm):',
      '    def __init__(self, c, scale=True):',
      '        super().__init__(c)',
      '        if not scale:',
      '            self.weight = None',
      'class NoBiasThenRestore(nn.LayerNorm):',
      '    def __init__(self, c):',
      '        super().__init__(c)',
      '        self.bias = None',
      '        self.bias = nn.Parameter(torch.zeros(c))',
      'a, b, m, r = LayerNormNoWeight(8), BNNoScale(8), MaybeNoScale(8, scale=flag), NoBiasThenRestore(8)',
    ].join('\n');
    const [a, b, m, r] = recognize(HEAD + src);
    const card = (l: ResolvedLayer) => /\*\*Parameters\*\* [^\n]*/.exec(compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown)![0];
    // PyTorch 2.13: named_parameters of LayerNormNoWeight(8) and BNNoScale(8) are only ('bias', (8,)); the
    // LayerNorm keeps elementwise_affine=True (its bias stays)
    assert.deepEqual(a.removed, { weight: { code: 'self.weight = None in LayerNormNoWeight', definite: true } });
    assert.equal(a.effective.elementwise_affine.maySetBy, undefined);
    assert.equal(card(a), '**Parameters** 8 learnable (bias); `weight` removed by `self.weight = None` in `LayerNormNoWeight`');
    assert.equal(card(b), '**Parameters** 8 learnable (bias) · 17 in buffers; `weight` removed by `self.weight = None` in `BNNoScale`');
    // and its equivalents elsewhere have no γ either (scripts/run_translations.py counts them in the real frameworks)
    assert.match(
      explainLayer(a, { decimals: 4, seed: 0, diagnostics: [] }).sections.frameworks,
      /`keras\.layers\.LayerNormalization\(epsilon=1e-05, scale=False\)`/,
    );
    // under an if the call's value decides, one the code does not fix: 16 or 8 (PyTorch: MaybeNoScale(8) has 16,
    // MaybeNoScale(8, scale=False) 8)
    assert.equal(card(m), '**Parameters** 16 learnable (weight, bias), unless `self.weight = None in MaybeNoScale` drops one');
    // given back below (PyTorch: NoBiasThenRestore(8) has weight and bias, 16)
    assert.equal(r.effective.bias.value, true);
    assert.equal(card(r), '**Parameters** 16 learnable (weight, bias), unless `self.bias = None in NoBiasThenRestore` drops one');
    // Keras 3.15.1 reads center/scale in build() and epsilon at each call: LNNoBias has only gamma, BNNoScale
    // beta and the moving statistics, epsilon 1e-05
    const keras = [
      'import keras',
      'from keras import layers',
      'class LNNoBias(layers.LayerNormalization):',
      '    def __init__(self, **kwargs):',
      '        super().__init__(**kwargs)',
      '        self.center = False',
      'class BNNoScale(layers.BatchNormalization):',
      '    def __init__(self, **kwargs):',
      '        super().__init__(**kwargs)',
      '        self.scale = False',
      '        self.epsilon = 1e-5',
      'x = LNNoBias()(inp)',
      'y = BNNoScale()(x)',
    ].join('\n');
    const [ln, bn] = recognize(keras);
    assert.equal(ln.effective.center.value, false);
    assert.equal(ln.codeDefaults?.center?.from, '`self.center = False` in `LNNoBias`');
    assert.equal(card(ln), '**Parameters** γ per normalized element, sized from the input');
    assert.deepEqual([bn.effective.scale.value, bn.effective.epsilon.value, bn.effective.epsilon.maySetBy], [false, 1e-5, undefined]);
    assert.equal(bn.codeDefaults?.epsilon?.from, '`self.epsilon = 1e-5` in `BNNoScale`');
    assert.equal(card(bn), '**Parameters** C learnable (β) · 2·C in buffers');
    // and its axis (Keras 3.15.1: a subclass setting self.axis = 1 after its base builds γ of shape (3,) on (2, 3, 4, 4));
    // under an if it may, and a non-integer is no axis NormLens reads
    const axis = [
      'import keras',
      'class CFBN(keras.layers.BatchNormalization):',
      '    def __init__(self, **kwargs):',
      '        super().__init__(**kwargs)',
      '        self.axis = 1',
      'class MaybeCF(keras.layers.BatchNormalization):',
      '    def __init__(self, cf, **kwargs):',
      '        super().__init__(**kwargs)',
      '        if cf:',
      '            self.axis = 1',
      'class Named(keras.layers.BatchNormalization):',
      '    def __init__(self, **kwargs):',
      '        super().__init__(**kwargs)',
      '        self.axis = AXIS',
      'a = CFBN()',
      'b = MaybeCF(flag)',
      'c = Named()',
    ].join('\n');
    const [cf, maybe, named] = recognize(axis);
    assert.deepEqual([cf.effective.axis.value, cf.codeDefaults?.axis?.from], [1, '`self.axis = 1` in `CFBN`']);
    assert.deepEqual([maybe.effective.axis.value, maybe.effective.axis.maySetBy], [-1, 'self.axis = 1 in MaybeCF']);
    assert.deepEqual([named.effective.axis.value, named.effective.axis.maySetBy], [-1, undefined]);
    // Flax 0.12.8: nnx.state(LNNoBias(8, rngs=...), nnx.Param) holds only 'scale' (8 values)
    const nnx = [
      'from flax import nnx',
      'class LNNoBias(nnx.LayerNorm):',
      '    def __init__(self, num_features, *, rngs):',
      '        super().__init__(num_features, rngs=rngs)',
      '        self.bias = None',
      'ln = LNNoBias(8, rngs=nnx.Rngs(0))',
    ].join('\n');
    const [n] = recognize(nnx);
    assert.deepEqual(n.removed, { bias: { code: 'self.bias = None in LNNoBias', definite: true } });
    assert.match(card(n), /^\*\*Parameters\*\* 8 learnable \(γ\); `bias` removed by `self\.bias = None` in `LNNoBias`$/);
  });

  it("a function sees a module name's last binding (an import rebound below it), unless a function sets it", () => {
    const src = [
      'from torch.nn import BatchNorm2d',
      'BatchNorm2d = partial(nn.GroupNorm, 8)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.a = BatchNorm2d(64)',
    ].join('\n');
    // PyTorch 2.13: Net().a is GroupNorm(8, 64)
    const a = at(src, 6);
    assert.equal(a.qualifiedName, 'torch.nn.GroupNorm');
    assert.equal(a.origin?.candidates, undefined);
    // a function that sets the name (`global`) may run at any time: both stay possible too
    const global = [
      'LN = nn.LayerNorm',
      'def use_rms():',
      '    global LN',
      '    LN = nn.RMSNorm',
      'class Block(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.n = LN(16)',
    ].join('\n');
    assert.deepEqual(new Set(classesOf(at(global, 8))), new Set(['torch.nn.LayerNorm', 'torch.nn.RMSNorm']));
    // the import the module rebinds before any call is no longer possible; the rebinding leads (PyTorch: Block(4).bn is
    // GroupNorm(2, 4), SyncBatchNorm(4) after use_sync())
    const rebound = [
      'from torch.nn import BatchNorm2d',
      'BatchNorm2d = partial(nn.GroupNorm, 2)',
      'def use_sync():',
      '    global BatchNorm2d',
      '    BatchNorm2d = nn.SyncBatchNorm',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        self.bn = BatchNorm2d(c)',
    ].join('\n');
    assert.deepEqual(classesOf(at(rebound, 8)), ['torch.nn.GroupNorm', 'torch.nn.SyncBatchNorm']);
  });

  it("a caller's `**kwargs` whose keys the code does not fix may set any parameter it does not give otherwise", () => {
    const src = [
      'class Net(nn.Module):',
      '    def __init__(self, c, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.bn = norm_layer(c)',
      'def make(**kwargs):',
      '    return Net(8, **kwargs)',
      'class Fixed(nn.Module):',
      '    def __init__(self, c, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.bn = norm_layer(c)',
      'def fixed(**kwargs):',
      '    return Fixed(8, norm_layer=nn.BatchNorm2d, **kwargs)',
    ].join('\n');
    // PyTorch 2.13: make(norm_layer=nn.InstanceNorm2d).bn is an InstanceNorm2d
    const net = at(src, 4);
    assert.equal(net.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.match(net.origin?.how ?? '', /^default of `norm_layer`, line 6; a caller's `\*\*kwargs` may set `norm_layer`, line 10, not followed$/);
    // (lines counted in the file the test writes, four import lines above the source)
    assert.deepEqual(net.origin?.unfollowed, { text: '**kwargs', line: 9 });
    // the call gives norm_layer itself: the mapping cannot (Python refuses a keyword given twice)
    const fixed = at(src, 10);
    assert.equal(fixed.origin?.unfollowed, undefined);
    assert.doesNotMatch(fixed.origin?.how ?? '', /kwargs/);
    // a keyword taken out of **kwargs with a default (`kwargs.pop('norm_layer', nn.LayerNorm)`): the default, or what callers put there
    const popped = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, norm_layer=nn.BatchNorm2d):',
      '        self.norm = norm_layer(dim)',
      'class Stage(nn.Module):',
      '    def __init__(self, dim, **kwargs):',
      "        norm_layer = kwargs.pop('norm_layer', nn.LayerNorm)",
      '        self.block = Block(dim, norm_layer=norm_layer, **kwargs)',
    ].join('\n');
    // PyTorch 2.13: Stage(8).block.norm is LayerNorm((8,)); Block(8).norm is BatchNorm2d(8)
    assert.deepEqual(classesOf(at(popped, 3)).sort(), ['torch.nn.BatchNorm2d', 'torch.nn.LayerNorm']);
  });

  it("a loop over a model's layers that sets eps or momentum, or a local set once built, makes the default unsure", () => {
    const src = [
      'def initialize_weights(model):',
      '    for m in model.modules():',
      '        t = type(m)',
      '        if t is nn.BatchNorm2d:',
      '            m.eps = 1e-3',
      '',
      '            m.momentum = 0.03',
      '    for name, mod in model.named_modules():',
      '        mod.momentum = None',
      '    for m in range(3):',
      '        m.eps = 5',
      'class Conv(nn.Module):',
      '    def __init__(self, c1, c2):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(c2)',
      '        self.ln = nn.LayerNorm(c2)',
      'def build():',
      '    ln = nn.BatchNorm2d(8)',
      '    ln.eps = 1e-3',
      '    other = nn.LayerNorm(8)',
      '    other2.eps = 1',
      '    return ln, other',
    ].join('\n');
    // PyTorch 2.13, after initialize_weights(Conv(3, 8)): bn.eps == 0.001, bn.momentum == 0.03 (the
    // guarded loop; then None from the unguarded one), ln.momentum is None (a LayerNorm has no
    // momentum: the attribute is set and never read), ln.eps == 1e-05
    const bn = at(src, 15);
    assert.equal(bn.effective.eps.maySetBy, 'm.eps = 1e-3 (for m in model.modules())');
    assert.equal(bn.effective.momentum.maySetBy, 'm.momentum = 0.03 (for m in model.modules())');
    // the loop over range() visits no layers; the guarded loop names BatchNorm2d only
    assert.equal(at(src, 16).effective.eps.maySetBy, undefined);
    // a BatchNorm2d the guarded loop may reach too: the assignment to this very layer is the one shown
    assert.equal(at(src, 18).effective.eps.value, 0.001);
    assert.equal(at(src, 18).effective.eps.maySetBy, 'm.eps = 1e-3 (for m in model.modules())');
    assert.equal(at(src, 20).effective.eps.maySetBy, undefined);
    assert.deepEqual(
      loopSetters(src).map((x) => [x.attr, x.classes]),
      [
        ['eps', ['BatchNorm2d']],
        ['momentum', ['BatchNorm2d']],
        ['momentum', []],
      ],
    );
    // Keras: the loop over model.layers, the attribute named as Keras names it
    const keras = ['for layer in model.layers:', '    if isinstance(layer, layers.BatchNormalization):', '        layer.momentum = 0.9'].join('\n');
    assert.deepEqual(loopSetters(keras), [{ attr: 'momentum', code: 'layer.momentum = 0.9 (for layer in model.layers)', classes: ['BatchNormalization'] }]);
  });

  it('values set by a tuple assignment, an augmented assignment or setattr are seen, each with its own value', () => {
    const src = [
      'class A(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(4)',
      '        for m in self.modules():',
      '            if isinstance(m, nn.BatchNorm2d):',
      '                m.eps, m.momentum = 1e-3, 0.03',
      'class B(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.LayerNorm(4)',
      '        setattr(self.bn, "eps", 0.5)',
      'class C(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(4)',
      '        self.bn.momentum *= 0.1',
      'def build():',
      '    ln = nn.LayerNorm(8)',
      '    if True: ln.eps, x = 1e-6, 3',
    ].join('\n');
    // PyTorch 2.13: A().bn.eps == 0.001 and momentum == 0.03; B().bn.eps == 0.5; C().bn.momentum == 0.010000000000000002
    assert.deepEqual(
      loopSetters(src).map((x) => [x.attr, x.code]),
      [
        ['eps', 'm.eps = 1e-3 (for m in self.modules())'],
        ['momentum', 'm.momentum = 0.03 (for m in self.modules())'],
      ],
    );
    assert.equal(at(src, 11).effective.eps.maySetBy, "setattr(self.bn, 'eps', 0.5)");
    assert.equal(at(src, 16).effective.momentum.maySetBy, 'self.bn.momentum *= 0.1');
    assert.equal(at(src, 19).effective.eps.maySetBy, 'ln.eps = 1e-6');
    // the other spellings of one statement setting several (PyTorch 2.13 sets each as written)
    const spelled = (t: string) => liveSets(t).map((x) => x.code);
    assert.deepEqual(spelled('self.bn.eps = self.bn.momentum = 0.01'), ['self.bn.eps = 0.01', 'self.bn.momentum = 0.01']);
    assert.deepEqual(spelled('(self.bn.eps, self.bn.momentum) = (1e-4, 0.2)'), ['self.bn.eps = 1e-4', 'self.bn.momentum = 0.2']);
    assert.deepEqual(spelled('[m.eps, m.momentum] = [1e-3, 0.03]'), ['m.eps = 1e-3', 'm.momentum = 0.03']);
    assert.deepEqual(spelled('self.bn.momentum: float = 0.08'), ['self.bn.momentum = 0.08']);
    assert.deepEqual(spelled('x = f(eps=1); y = cfg.eps == 2'), []);
  });

  it('a guard on the exact type (`type(m) is nn.BatchNorm2d`) does not reach a subclass; a Flax linen field set in setup changes nothing', () => {
    const src = [
      'class MyBN(nn.BatchNorm2d):',
      '    pass',
      'class B(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = MyBN(4)',
      '        self.bn2 = nn.BatchNorm2d(4)',
      '        for m in self.modules():',
      '            if type(m) is nn.BatchNorm2d:',
      '                m.eps = 1e-3',
    ].join('\n');
    // PyTorch 2.13: B().bn.eps == 1e-05 (a MyBN is not exactly a BatchNorm2d), B().bn2.eps == 0.001
    assert.equal(at(src, 6).effective.eps.maySetBy, undefined);
    assert.equal(at(src, 7).effective.eps.maySetBy, 'm.eps = 1e-3 (for m in self.modules())');
    // Flax 0.12.8: `self.bn.momentum = 0.9` in setup raises SetAttributeFrozenModuleError
    const flax = recognize(
      [
        'import flax.linen as nn',
        'class Net(nn.Module):',
        '    def setup(self):',
        '        self.bn = nn.BatchNorm(use_running_average=False)',
        '        self.bn.momentum = 0.9',
      ].join('\n'),
    );
    assert.equal(flax[0].effective.momentum.value, 0.99);
    assert.equal(flax[0].effective.momentum.maySetBy, undefined);
  });

  it('a function handed to `.apply()` that sets eps or momentum on its argument may set it on every layer its guard admits', () => {
    const src = [
      'from torch.nn.modules.batchnorm import _BatchNorm',
      'def set_bn_eps(module, eps):',
      '    if isinstance(module, _BatchNorm):',
      '        module.eps = eps',
      'def unused(m):',
      '    m.momentum = 0.5',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(4)',
      '        self.inorm = nn.InstanceNorm2d(4)',
      '        self.ln = nn.LayerNorm(4)',
      '        self.apply(lambda m: set_bn_eps(m, 1e-3))',
    ].join('\n');
    // PyTorch 2.13: Net().bn.eps == 0.001; inorm and ln keep 1e-05 (neither is a _BatchNorm); unused() never runs
    assert.deepEqual(
      loopSetters(src).map((x) => [x.attr, x.code, x.classes]),
      [['eps', 'module.eps = eps (in set_bn_eps())', ['_BatchNorm']]],
    );
    assert.equal(at(src, 10).effective.eps.maySetBy, 'module.eps = eps (in set_bn_eps())');
    assert.equal(at(src, 10).effective.momentum.maySetBy, undefined);
    assert.equal(at(src, 11).effective.eps.maySetBy, undefined);
    assert.equal(at(src, 12).effective.eps.maySetBy, undefined);
  });

  it('Flax subclasses that declare a field again change its default (dataclass fields); the call still wins', () => {
    const src = [
      'import flax.linen as nn',
      'class MyLN(nn.LayerNorm):',
      '    epsilon: float = 1e-5',
      'class FrozenishBN(nn.BatchNorm):',
      '    momentum: float = 0.9',
      '    use_running_average: bool = True',
      'class Tighter(MyLN):',
      '    pass',
      'class Net(nn.Module):',
      '    @nn.compact',
      '    def __call__(self, x):',
      '        x = MyLN()(x)',
      '        x = FrozenishBN()(x)',
      '        x = Tighter(epsilon=1e-3)(x)',
      '        return Tighter()(x)',
    ].join('\n');
    const by = (line: number) => recognize(src).find((l) => l.call.range.start.line + 1 === line)!;
    // Flax 0.12.8: MyLN().epsilon == 1e-05; FrozenishBN() has momentum 0.9 and use_running_average True
    assert.equal(by(12).effective.epsilon.value, 1e-5);
    assert.deepEqual([by(13).effective.momentum.value, by(13).effective.use_running_average.value], [0.9, true]);
    assert.equal(by(14).effective.epsilon.value, 1e-3);
    assert.equal(by(15).effective.epsilon.value, 1e-5, 'a field declared in a user base');
  });

  it('a hand-written Flax linen norm takes ε from its field: passed by name or in field order, else the field default', () => {
    const src = [
      'import jax',
      'import jax.numpy as jnp',
      'import flax.linen as nn',
      'class MaxTextRMSNorm(nn.Module):',
      '    epsilon: float = 1e-6',
      '    @nn.compact',
      '    def __call__(self, x):',
      '        mean2 = jnp.mean(jax.lax.square(x), axis=-1, keepdims=True)',
      '        scale = self.param("scale", nn.initializers.ones, (x.shape[-1],))',
      '        return x * jax.lax.rsqrt(mean2 + self.epsilon) * scale',
      'class Layer(nn.Module):',
      '    norm_eps: float = 1e-5',
      '    @nn.compact',
      '    def __call__(self, x):',
      '        x = MaxTextRMSNorm(epsilon=1e-5)(x)',
      '        x = MaxTextRMSNorm(1e-3)(x)',
      '        x = MaxTextRMSNorm()(x)',
      '        return MaxTextRMSNorm(epsilon=self.norm_eps)(x)',
    ].join('\n');
    const by = (line: number) => recognize(src).find((l) => l.call.range.start.line + 1 === line)!;
    // Flax 0.12.8: MaxTextRMSNorm(epsilon=1e-5).epsilon == 1e-05, MaxTextRMSNorm(1e-3).epsilon == 0.001, MaxTextRMSNorm().epsilon == 1e-06
    assert.equal(by(15).qualifiedName, 'flax.linen.RMSNorm');
    assert.deepEqual([by(15).effective.epsilon.value, by(15).effective.epsilon.isDefault], [1e-5, false]);
    assert.equal(by(16).effective.epsilon.value, 1e-3);
    assert.equal(by(17).effective.epsilon.value, 1e-6);
    assert.deepEqual([by(18).effective.epsilon.value, by(18).effective.epsilon.isDefault], [1e-5, false], 'the field default of norm_eps');
  });

  it("a conditioned norm (diffusers' AdaGroupNorm: a functional norm of its input, scale and shift from another input) is one; a block applying submodules to what it normalizes is not", () => {
    const src = [
      'class AdaGroupNorm(nn.Module):',
      '    def __init__(self, embedding_dim, out_dim, num_groups, eps=1e-5):',
      '        super().__init__()',
      '        self.num_groups = num_groups',
      '        self.eps = eps',
      '        self.act = nn.SiLU()',
      '        self.linear = nn.Linear(embedding_dim, out_dim * 2)',
      '    def forward(self, x, emb):',
      '        emb = self.linear(self.act(emb))',
      '        scale, shift = emb[:, :, None, None].chunk(2, dim=1)',
      '        x = F.group_norm(x, self.num_groups, eps=self.eps)',
      '        return x * (1 + scale) + shift',
      'class Block(nn.Module):',
      '    def __init__(self, d):',
      '        super().__init__()',
      '        self.attn = nn.Linear(d, d)',
      '    def forward(self, x, mask):',
      '        h = F.layer_norm(x, x.shape[-1:])',
      '        return x + self.attn(h * mask)',
      'class Unet(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.norm = AdaGroupNorm(512, 64, 32, eps=1e-6)',
      '        self.block = Block(64)',
    ].join('\n');
    const layers = recognize(HEAD + src).filter((l) => l.spec.form === 'module');
    assert.deepEqual(
      layers.map((l) => [l.call.range.start.line + 1 - 4, l.qualifiedName, l.origin?.via, l.effective.eps?.value]),
      [[23, 'torch.nn.GroupNorm', 'custom-module', 1e-6]],
    );
    assert.match(layers[0].origin!.how, /then a scale and shift computed from `emb`/);
  });

  it('a registry written in place is named `{…}[key]` (its text squeezed would read as nonsense: "lambdachannels")', () => {
    const src = [
      'def get_norm(norm, out_channels):',
      '    if isinstance(norm, str):',
      '        norm = {',
      '            "BN": nn.BatchNorm2d,',
      '            "GN": lambda channels: nn.GroupNorm(32, channels),',
      '        }[norm]',
      '    return norm(out_channels)',
      'a = get_norm("BN", 64)',
    ].join('\n');
    const how = at(src, 7).origin!.how;
    assert.match(how, /registry `\{…\}\["BN"\]`, line 7/);
    assert.doesNotMatch(how, /lambdachannels/);
  });

  it('a default that every call of the file passes something else for is shown after what they pass (dinov2, pix2pix), and first again once a call leaves it', () => {
    const src = [
      'class Block(nn.Module):',
      '    def __init__(self, dim, qkv_bias=False, norm_layer=nn.LayerNorm):',
      '        super().__init__()',
      '        self.norm1 = norm_layer(dim)',
      'class PixelDiscriminator(nn.Module):',
      '    def __init__(self, ndf=32, norm_layer=nn.BatchNorm2d):',
      '        super().__init__()',
      '        self.norm = norm_layer(ndf * 2)',
      'class ViT(nn.Module):',
      '    def __init__(self, dim=64, block_fn=partial(Block, qkv_bias=True)):',
      '        super().__init__()',
      '        norm_layer = partial(nn.LayerNorm, eps=1e-6)',
      '        self.blocks = nn.ModuleList([block_fn(dim, norm_layer=norm_layer) for _ in range(4)])',
      '        self.disc = PixelDiscriminator(norm_layer=nn.InstanceNorm2d)',
    ];
    // (the partial that binds qkv_bias does not leave norm_layer to its default: its callers give it)
    const block = at(src.join('\n'), 4);
    assert.equal(block.effective.eps?.value, 1e-6);
    assert.equal(block.origin?.via, 'partial');
    assert.deepEqual(block.effective.eps?.alternatives, [1e-5]);
    const disc = at(src.join('\n'), 8);
    assert.equal(disc.qualifiedName, 'torch.nn.InstanceNorm2d');
    assert.deepEqual(disc.origin?.candidates, ['torch.nn.InstanceNorm2d', 'torch.nn.BatchNorm2d']);
    // a call that leaves the default makes it what is shown first again
    const more = [...src, 'plain = Block(8)', 'd = PixelDiscriminator()'].join('\n');
    assert.equal(at(more, 4).effective.eps?.value, 1e-5);
    assert.equal(at(more, 4).origin?.via, 'parameter-default');
    assert.equal(at(more, 8).qualifiedName, 'torch.nn.BatchNorm2d');
  });

  it('a registry that also holds a norm NormLens cannot describe (lucidrains-style x / ||x||·√d) still lists the line, naming it; a NoNorm still hides it', () => {
    const src = [
      'class MetaRMSNorm(nn.Module):',
      '    def __init__(self, dim, eps=1e-6):',
      '        super().__init__()',
      '        self.eps = eps',
      '        self.weight = nn.Parameter(torch.ones(dim))',
      '    def forward(self, x):',
      '        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight',
      'class ScaledL2RMSNorm(nn.Module):',
      '    def __init__(self, dim, eps=1e-8):',
      '        super().__init__()',
      '        self.scale = dim ** 0.5',
      '        self.eps = eps',
      '        self.g = nn.Parameter(torch.ones(dim))',
      '    def forward(self, x):',
      '        norm = torch.norm(x, dim=-1, keepdim=True) * self.scale ** -1',
      '        return x / norm.clamp(min=self.eps) * self.g',
      'class NoNorm(nn.Module):',
      '    def __init__(self, dim, eps=0.0):',
      '        super().__init__()',
      '    def forward(self, x):',
      '        return x',
      'NORMS = {"meta": MetaRMSNorm, "l2": ScaledL2RMSNorm}',
      'MAYBE = {"meta": MetaRMSNorm, "none": NoNorm}',
      'class Block(nn.Module):',
      '    def __init__(self, dim, kind="meta"):',
      '        super().__init__()',
      '        self.norm = NORMS[kind](dim, eps=1e-5)',
      '        self.other = MAYBE[kind](dim, eps=1e-5)',
    ].join('\n');
    const l = at(src, 27);
    assert.equal(l.qualifiedName, 'torch.nn.RMSNorm');
    // (line 12 of the file: 8 of the snippet, after HEAD's four lines)
    assert.match(l.origin!.how, /or `ScaledL2RMSNorm`, line 12, a norm whose computation NormLens cannot describe/);
    // (the values shown are MetaRMSNorm's: never the undescribed class's)
    assert.equal(l.effective.eps?.value, 1e-5);
    assert.ok(!found(src).some(([line]) => line === 28));
  });

  it('a functional norm that is how a norm class computes, or that standardizes a weight, is not listed again (trial 11 P3)', () => {
    const src = [
      'class LayerNorm2d(nn.LayerNorm):',
      '    def forward(self, x):',
      '        x = x.permute(0, 2, 3, 1)',
      '        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)',
      '        return x.permute(0, 3, 1, 2)',
      'class StdConv2d(nn.Conv2d):',
      '    def forward(self, x):',
      '        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True, momentum=0.0, eps=1e-6)',
      '        return F.conv2d(x, w.reshape_as(self.weight), self.bias, self.stride, self.padding)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.conv = StdConv2d(3, 8, 3)',
      '        self.norm = LayerNorm2d(8)',
      '    def forward(self, x):',
      '        return F.layer_norm(self.norm(self.conv(x)), (8,))',
    ].join('\n');
    // the layer where it is built, and a functional norm a model applies to its activations
    assert.deepEqual(found(src), [
      [14, 'torch.nn.LayerNorm', 'subclass'],
      [16, 'torch.nn.functional.layer_norm', 'import'],
    ]);
  });

  it("detectron2's get_norm given five config strings across a file builds the registry's classes for them (more than four strings were widened to unknown)", () => {
    const src = [
      'class FrozenBatchNorm2d(nn.Module):',
      '    def __init__(self, num_features, eps=1e-5):',
      '        super().__init__()',
      '        self.num_features = num_features',
      '        self.eps = eps',
      '        self.register_buffer("weight", torch.ones(num_features))',
      '        self.register_buffer("bias", torch.zeros(num_features))',
      '        self.register_buffer("running_mean", torch.zeros(num_features))',
      '        self.register_buffer("running_var", torch.ones(num_features) - eps)',
      '    def forward(self, x):',
      '        scale = self.weight * (self.running_var + self.eps).rsqrt()',
      '        shift = self.bias - self.running_mean * scale',
      '        return x * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1)',
      'def get_norm(norm, out_channels):',
      '    if norm is None:',
      '        return None',
      '    if isinstance(norm, str):',
      '        norm = {',
      '            "BN": nn.BatchNorm2d,',
      '            "FrozenBN": FrozenBatchNorm2d,',
      '            "GN": lambda channels: nn.GroupNorm(32, channels),',
      '            "SyncBN": nn.SyncBatchNorm,',
      '            "LN": lambda channels: nn.LayerNorm(channels),',
      '            "IN": nn.InstanceNorm2d,',
      '            "none": nn.Identity,',
      '            "": nn.Identity,',
      '        }[norm]',
      '    return norm(out_channels)',
      'class Stem(nn.Module):',
      '    def __init__(self, norm="BN"):',
      '        super().__init__()',
      '        self.norm = get_norm(norm, 64)',
      'class Block(nn.Module):',
      '    def __init__(self, c, norm="GN"):',
      '        super().__init__()',
      '        self.norm = get_norm(norm, c)',
      'stem = Stem(norm="FrozenBN")',
      'b1 = Block(32, norm="SyncBN")',
      'b2 = Block(32, norm="LN")',
    ].join('\n');
    // BN, FrozenBN, GN, SyncBN and LN reach get_norm: the call builds the classes of those that are classes
    // (FrozenBatchNorm2d first: the only Stem built passes "FrozenBN" over its default "BN")
    assert.deepEqual(at(src, 28).origin!.classes, ['FrozenBatchNorm2d', 'torch.nn.BatchNorm2d', 'torch.nn.SyncBatchNorm']);
    // and the lambdas build theirs where they are written
    assert.equal(at(src, 21).qualifiedName, 'torch.nn.GroupNorm');
    assert.equal(at(src, 23).qualifiedName, 'torch.nn.LayerNorm');
  });

  it('a hand-written Flax nnx RMSNorm is one (its framework class requires rngs, which the module need not take)', () => {
    const src = [
      'import jax',
      'import jax.numpy as jnp',
      'from flax import nnx',
      'class SimpleRMSNorm(nnx.Module):',
      '    def __init__(self, dim, *, eps=1e-6, rngs=None):',
      '        self.eps = eps',
      '        self.scale = nnx.Param(jnp.ones((dim,)))',
      '    def __call__(self, x):',
      '        ms = jnp.mean(jnp.square(x), axis=-1, keepdims=True)',
      '        return x * jax.lax.rsqrt(ms + self.eps) * self.scale.value',
      'class Head(nnx.Module):',
      '    def __init__(self, dim, rngs):',
      '        self.a = SimpleRMSNorm(dim, eps=1e-5, rngs=rngs)',
      '        self.b = SimpleRMSNorm(8)',
    ].join('\n');
    const layers = recognize(src);
    assert.deepEqual(
      layers.map((l) => [l.call.range.start.line + 1, l.qualifiedName, l.origin?.via, l.effective.epsilon?.value]),
      [
        [13, 'flax.nnx.RMSNorm', 'custom-module', 1e-5],
        [14, 'flax.nnx.RMSNorm', 'custom-module', 1e-6],
      ],
    );
    assert.equal(layers[1].effective.num_features.value, 8);
  });

  it('Flax compact modules with a norm partial as a field, Keras functions with a norm parameter', () => {
    const flax = [
      'import flax.linen as nn',
      'from functools import partial',
      'class Block(nn.Module):',
      '    norm: type = nn.LayerNorm',
      '    @nn.compact',
      '    def __call__(self, x):',
      '        return self.norm()(x)',
      'class Net(nn.Module):',
      '    @nn.compact',
      '    def __call__(self, x, train):',
      '        norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.9)',
      '        return Block(norm=norm)(x)',
    ].join('\n');
    const layers = recognize(flax).map((l) => [l.call.range.start.line + 1, l.qualifiedName]);
    assert.deepEqual(layers.find(([line]) => line === 7)?.slice(1), ['flax.linen.BatchNorm']);
    const keras = ['from keras import layers', 'def block(x, norm=layers.BatchNormalization):', '    return norm(axis=3)(x)'].join('\n');
    const k = recognize(keras);
    assert.deepEqual(
      k.map((l) => [l.call.range.start.line + 1, l.qualifiedName, l.origin?.via]),
      [[3, 'keras.layers.BatchNormalization', 'parameter-default']],
    );
  });

  it('shadowing: parameters, locals and comprehension variables hide imports', () => {
    const src = [
      'def make(torch):',
      '    return torch.nn.BatchNorm2d(3)',
      'def make2():',
      '    nn = object()',
      '    return nn.LayerNorm(3)',
      'xs = [nn.BatchNorm1d(4) for nn in range(3)]',
      'ok = nn.GroupNorm(2, 4)',
    ].join('\n');
    assert.deepEqual(found(src), [[7, 'torch.nn.GroupNorm', 'import']]);
  });

  it('says nothing where the call may build something else, or where arguments do not fit the inferred class', () => {
    const src = [
      'class NoNorm(nn.Module):',
      '    def forward(self, x):',
      '        return x',
      'NORM2FN = {"layer_norm": nn.LayerNorm, "no_norm": NoNorm}',
      'def build(kind, dim):',
      '    return NORM2FN[kind](dim)',
      'def act_norm(c, norm_layer=nn.BatchNorm2d):',
      '    return norm_layer(c, apply_act=True)',
    ].join('\n');
    assert.deepEqual(found(src), []);
  });

  it('bad input: alias cycles, partial of partial of a parameter, enormous registries, half-typed code', () => {
    const cyc = 'A = B\nB = A\nx = A(3)\nC = partial(partial(D, 1), 2)\ndef f(D):\n    return C(4)\n';
    assert.deepEqual(found(cyc), []);
    const big = 'R = {' + Array.from({ length: 5000 }, (_, i) => `"k${i}": nn.BatchNorm2d`).join(', ') + '}\nx = R["k1"](3)\n';
    assert.equal(found(big)[0][1], 'torch.nn.BatchNorm2d');
    const broken = 'class A(nn.Module):\n    def __init__(self, norm_layer=nn.LayerNorm\n        self.n = norm_layer(8\n';
    assert.doesNotThrow(() => recognize(HEAD + broken));
  });

  it('sizes the code fixes take their value; parameters stay symbolic', () => {
    const src = [
      'WIDTH = 64',
      'class B(nn.Module):',
      '    def __init__(self, planes):',
      '        c = WIDTH * 2',
      '        self.a = nn.BatchNorm2d(c + 8)',
      '        self.b = nn.BatchNorm2d(planes)',
    ].join('\n');
    assert.equal(at(src, 5).effective.num_features.value, 136);
    assert.deepEqual(at(src, 5).arguments, { num_features: { expr: 'c + 8' } });
    assert.deepEqual(at(src, 6).effective.num_features.value, { expr: 'planes' });
  });

  it('names imported from sibling modules, with import cycles answering "unknown"', () => {
    const files: Record<string, string> = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/norms.py': 'import torch.nn as nn\nfrom .model import Block\nclass LN2d(nn.LayerNorm):\n    pass\nBN = nn.BatchNorm2d\n',
      '/p/pkg/model.py': 'from .norms import LN2d, BN\nclass Block:\n    def __init__(self):\n        self.a = LN2d(8)\n        self.b = BN(4)\n',
    };
    const disk: ProjectFiles = { read: (p) => files[p] };
    const graph = new ProjectGraph(disk);
    const me = moduleNameOf('/p/pkg/model.py', disk);
    assert.equal(me.name, 'pkg.model');
    const layers = recognize(files['/p/pkg/model.py'], { host: graph.hostFor('/p/pkg/model.py'), moduleName: me.name, isPackage: false });
    assert.deepEqual(
      layers.map((l) => [l.call.range.start.line + 1, l.qualifiedName, l.origin?.via, l.origin?.definedBy?.path ?? null]),
      [
        [4, 'torch.nn.LayerNorm', 'subclass', '/p/pkg/norms.py'],
        [5, 'torch.nn.BatchNorm2d', 'import', null],
      ],
    );
  });

  it('a module imported for its effect (`import patch`) replaces the framework class it patches, from the import on', () => {
    // PyTorch 2.13 (trial 4, T39): with patch.py imported, Block(8).gn is GroupNorm(4, 8) and Block2(4).bn is
    // GroupNorm(2, 4); `early` is built before the import and stays BatchNorm2d(4); other.py never imports it
    const files: Record<string, string> = {
      '/p/patch.py': 'from functools import partial\nimport torch.nn as nn\nnn.GroupNorm = partial(nn.GroupNorm, 4)\nimport bnpatch\n',
      '/p/bnpatch.py':
        'from functools import partial\nimport torch.nn as nn\nnn.BatchNorm2d = partial(nn.GroupNorm, 2)\ndef later():\n    nn.LayerNorm = None\n',
      '/p/model.py': [
        'import torch.nn as nn',
        'early = nn.BatchNorm2d(4)',
        'import patch',
        'class Block(nn.Module):',
        '    def __init__(self, c):',
        '        self.gn = nn.GroupNorm(num_channels=c)',
        '        self.bn = nn.BatchNorm2d(c)',
        '        self.ln = nn.LayerNorm(c)',
      ].join('\n'),
      '/p/other.py': 'import torch.nn as nn\nx = nn.GroupNorm(2, 8)\n',
    };
    const disk: ProjectFiles = { read: (p) => files[p] };
    const graph = new ProjectGraph(disk);
    const opts = (path: string) => ({ host: graph.hostFor(path), moduleName: moduleNameOf(path, disk).name, path });
    const layers = recognize(files['/p/model.py'], opts('/p/model.py'));
    assert.deepEqual(
      layers.map((l) => [l.call.range.start.line + 1, l.qualifiedName, l.origin?.how]),
      [
        [2, 'torch.nn.BatchNorm2d', undefined],
        [6, 'torch.nn.GroupNorm', 'replaced by module `patch`, imported line 3'],
        [7, 'torch.nn.GroupNorm', 'replaced by module `patch`, imported line 3'],
        [8, 'torch.nn.LayerNorm', undefined],
      ],
    );
    assert.deepEqual(layers[1].effective.num_groups?.value, 4);
    assert.deepEqual(layers[2].effective.num_groups?.value, 2);
    // no binding error for the keyword-only call the patch makes valid
    assert.deepEqual(analyzeDocument(files['/p/model.py'], { semantic: opts('/p/model.py') }).diagnostics, []);
    assert.deepEqual(
      recognize(files['/p/other.py'], opts('/p/other.py')).map((l) => l.qualifiedName),
      ['torch.nn.GroupNorm'],
    );
    assert.equal(recognize(files['/p/other.py'], opts('/p/other.py'))[0].origin, undefined);
  });

  it('a patch counts however it is imported, from the package around a module, and from an entry point (no false binding error)', () => {
    // PyTorch 2.13 (trial 5, U1/U3/U15/U21): each `nn.GroupNorm(16)` below builds GroupNorm(4, 16); without the
    // patch it raises TypeError (missing num_channels), which NormLens must not report
    const patch = 'from functools import partial\nimport torch.nn as nn\nnn.GroupNorm = partial(nn.GroupNorm, 4)\n';
    const files: Record<string, string> = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/patch.py': patch,
      '/p/pkg/patch_fn.py':
        'from functools import partial\nimport torch.nn as nn\ndef apply():\n    nn.GroupNorm = partial(nn.GroupNorm, 4)\nif __name__ == "__main__":\n    nn.LayerNorm = partial(nn.LayerNorm, eps=0.5)\n',
      '/p/pkg/in_try.py': 'import torch.nn as nn\ntry:\n    from . import patch\nexcept ImportError:\n    pass\ngn = nn.GroupNorm(16)\n',
      '/p/pkg/late_name.py': 'from . import patch\nfrom torch.nn import GroupNorm\ngn = GroupNorm(16)\n',
      '/p/pkg/by_name.py':
        'import importlib\nimport torch.nn as nn\nprint("importlib.import_module(\'x\')")\nimportlib.import_module("pkg.patch")\ngn = nn.GroupNorm(16)\n',
      '/p/pkg/by_call.py': 'import torch.nn as nn\nfrom . import patch_fn\npatch_fn.apply()\ngn = nn.GroupNorm(16)\nln = nn.LayerNorm(8)\n',
      '/p/lib/__init__.py': patch,
      '/p/lib/model.py': 'import torch.nn as nn\ngn = nn.GroupNorm(16)\n',
      '/p/app/patch.py': patch,
      '/p/app/layers.py': 'import torch.nn as nn\ngn = nn.GroupNorm(16)\n',
      '/p/app/main.py': 'import patch\nfrom layers import gn\n',
    };
    const disk: ProjectFiles = { read: (p) => files[p] };
    const graph = new ProjectGraph(
      disk,
      64,
      (p) => p.slice(3),
      () => ['/p/app/patch.py'],
    );
    const layer = (path: string) => {
      const semantic = { host: graph.hostFor(path), moduleName: moduleNameOf(path, disk).name, path };
      const report = analyzeDocument(files[path], { semantic });
      assert.deepEqual(report.diagnostics, [], path);
      return report.layers;
    };
    // (the patch file analyzed first, as `normlens inspect patch.py layers.py` does: its own analysis asks for the
    // project's patches while its model is being built)
    assert.ok(graph.modelOf('/p/app/patch.py'));
    for (const [path, how] of [
      ['/p/pkg/in_try.py', 'replaced by module `patch`, imported line 3'],
      ['/p/pkg/late_name.py', 'replaced by module `patch`, imported line 1'],
      ['/p/pkg/by_name.py', 'replaced by module `patch`, imported line 4'],
      ['/p/lib/model.py', 'replaced by `lib/__init__.py`, which runs first'],
      ['/p/app/layers.py', 'replaced by `app/patch.py` when it runs first'],
    ]) {
      const [gn] = layer(path);
      assert.deepEqual([gn.qualifiedName, gn.origin?.how, gn.effective.num_groups?.value], ['torch.nn.GroupNorm', how, 4], path);
    }
    // a patch a function makes, called or not, is a candidate; one under `if __name__ == "__main__":` never runs
    // on import (PyTorch: ln.eps == 1e-05), so the class leads
    const [gn, ln] = layer('/p/pkg/by_call.py');
    assert.equal(gn.effective.num_groups?.value, 4);
    assert.deepEqual([ln.qualifiedName, ln.effective.eps.value, ln.origin?.how], ['torch.nn.LayerNorm', 1e-5, '`LayerNorm` as imported']);
  });

  it("an installed package follows its own imports, not the other libraries beside it; a project's packages follow each other", () => {
    const files: Record<string, string> = {
      '/v/site-packages/pkg/__init__.py': '',
      '/v/site-packages/pkg/model.py': 'import numpy\nfrom pkg.norms import LN2d\nfrom other.norms import Other\nx = LN2d(8)\ny = Other(8)\n',
      '/v/site-packages/pkg/norms.py': 'import torch.nn as nn\nclass LN2d(nn.LayerNorm):\n    pass\n',
      '/v/site-packages/numpy/__init__.py': 'import torch.nn as nn\n',
      '/v/site-packages/other/__init__.py': '',
      '/v/site-packages/other/norms.py': 'import torch.nn as nn\nclass Other(nn.LayerNorm):\n    pass\n',
      '/repo/models/__init__.py': '',
      '/repo/models/net.py': 'from layers.norms import LN\nz = LN(4)\n',
      '/repo/layers/__init__.py': '',
      '/repo/layers/norms.py': 'import torch.nn as nn\nclass LN(nn.LayerNorm):\n    pass\n',
    };
    const read = new Set<string>();
    const disk: ProjectFiles = {
      read: (p) => {
        if (p in files) read.add(p);
        return files[p];
      },
    };
    const graph = new ProjectGraph(disk);
    const at = (path: string) => {
      const me = moduleNameOf(path, disk);
      return recognize(files[path], { host: graph.hostFor(path), moduleName: me.name, isPackage: me.isPackage }).map((l) => [
        l.call.range.start.line + 1,
        l.origin?.definedBy?.name,
      ]);
    };
    // (a venv's site-packages: following `import numpy` would read every library installed)
    assert.deepEqual(at('/v/site-packages/pkg/model.py'), [[4, 'LN2d']]);
    assert.ok(!read.has('/v/site-packages/numpy/__init__.py') && !read.has('/v/site-packages/other/norms.py'), [...read].join(', '));
    assert.deepEqual(at('/repo/models/net.py'), [[2, 'LN']]);
  });
});

describe('semantic model: a `*sequence` the code fixes binds the positional arguments', () => {
  // (statement, then NormLens's values by parameter; torch's own attributes are compared below)
  const FIXED: [string, Record<string, unknown>][] = [
    ['args = (32, 64)\nm = nn.GroupNorm(*args)', { num_groups: 32, num_channels: 64, eps: 1e-5 }],
    ['m = nn.BatchNorm2d(*(16,))', { num_features: 16, eps: 1e-5, momentum: 0.1 }],
    ['m = nn.GroupNorm(32, *(64,), eps=1e-3)', { num_groups: 32, num_channels: 64, eps: 1e-3 }],
    ['m = nn.BatchNorm2d(*(8, 1e-3, 0.01))', { num_features: 8, eps: 1e-3, momentum: 0.01 }],
    ['m = nn.LayerNorm(*[[4, 4]])', { normalized_shape: [4, 4], eps: 1e-5 }],
    ['t = (32,)\nm = nn.GroupNorm(*t, 64, 1e-3)', { num_groups: 32, num_channels: 64, eps: 1e-3 }],
  ];
  // a list changed before the call, a name passed elsewhere, a required argument missing (TypeError in
  // PyTorch): nothing is bound from it
  const UNSURE: [string, string][] = [
    ['lst = [4, 8]\nlst.append(2)\nm = nn.GroupNorm(*lst)', 'num_groups'],
    ['cfg = (4, 8)\nprint(cfg)\nm = nn.GroupNorm(*cfg)', 'num_groups'],
    ['m = nn.GroupNorm(*(32,))', 'num_channels'],
    ['m = nn.GroupNorm(*(32, 64), **kw)', 'eps'],
  ];
  const layerOf = (src: string) => {
    const layers = analyzeDocument(HEAD + src + '\n').layers;
    assert.equal(layers.length, 1, src);
    return layers[0];
  };

  it('binds them as Python does, and says nothing of a sequence that may change or that Python refuses', () => {
    for (const [src, want] of FIXED) {
      const l = layerOf(src);
      for (const [name, v] of Object.entries(want)) {
        assert.deepEqual(l.effective[name]?.value, v, `${src}: ${name}`);
        assert.equal(l.effective[name]?.maySetBy, undefined, `${src}: ${name}`);
      }
    }
    for (const [src, name] of UNSURE) assert.ok(layerOf(src).effective[name]?.maySetBy, src);
    // a check on such a value reports at the `*sequence`, and offers no edit (a keyword beside it is a TypeError)
    const r = analyzeDocument(HEAD + 'm = nn.GroupNorm(*(32, 100))\n');
    const d = r.diagnostics.find((x) => x.code === 'groupnorm-divisibility')!;
    assert.deepEqual(d.fixes, []);
    // (so for a `**mapping` that holds it: `GroupNorm(**cfg, num_groups=25)` raises "got multiple values")
    const m = analyzeDocument(HEAD + 'cfg = dict(num_groups=32, num_channels=100)\nm = nn.GroupNorm(**cfg)\n');
    assert.deepEqual(m.diagnostics.find((x) => x.code === 'groupnorm-divisibility')?.fixes, []);
  });

  it('gives the values real PyTorch builds with', function () {
    this.timeout(120_000);
    const py = FRAMEWORKS_PYTHON;
    if (!existsSync(py)) this.skip();
    const script = [
      'import json, sys, torch, torch.nn as nn',
      'out = []',
      'for src in json.load(sys.stdin):',
      '    env = {"nn": nn, "torch": torch}',
      '    exec(src, env)',
      '    m = env["m"]',
      '    out.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(m).items() if isinstance(v, (int, float, tuple)) and not isinstance(v, bool)})',
      'print(json.dumps(out))',
    ].join('\n');
    const torch = JSON.parse(execFileSync(py, ['-c', script], { input: JSON.stringify(FIXED.map(([s]) => s)), encoding: 'utf8' })) as Record<string, unknown>[];
    FIXED.forEach(([src, want], i) => {
      for (const name of Object.keys(want)) assert.deepEqual(torch[i][name], layerOf(src).effective[name]?.value, `${src}: ${name}`);
    });
  });
});
