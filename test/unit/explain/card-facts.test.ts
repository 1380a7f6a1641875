/**
 * What the cards say must hold for the arguments the code gives: the ε the example uses, the
 * formula and parameters under flags that remove β or change the computation, the groups and
 * channels of the example, the axis a LayerNorm subclass really normalizes. Facts checked in the
 * real frameworks (torch 2.13, Keras 3.15.1, Flax 0.12.8); the snippets are written here.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compactHover } from '../../../src/explain/compact';
import { explainLayer } from '../../../src/explain/hover';
import { analyzeDocument } from '../../../src/checks';
import { LLAMA_RMSNORM, TORCH } from './snippets';
import { FRAMEWORKS_PYTHON } from '../venv';

const opts = { decimals: 4, seed: 0 };

function layerAt(source: string, lineText: string) {
  const line = source.split('\n').findIndex((l) => l.includes(lineText));
  assert.ok(line >= 0, lineText);
  const r = analyzeDocument(source);
  const layer = r.layers.find((l) => l.call.range.start.line === line);
  assert.ok(layer, `a layer on the line of ${lineText}`);
  return { card: compactHover(layer, { ...opts, diagnostics: r.diagnostics }), full: explainLayer(layer, { ...opts, diagnostics: r.diagnostics }) };
}

/** The row of the --full arguments table for one parameter. */
function argRow(markdown: string, name: string): string {
  const row = markdown.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
  assert.ok(row, `a row for ${name}`);
  return row;
}

/** 1-based line of the first line containing `text`, from the nth occurrence. */
function lineNo(source: string, text: string, nth = 0): number {
  const lines = source.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].includes(text) && seen++ === nth) return i + 1;
  throw new Error(text);
}

describe('explain: an ε written as an expression takes the default the code gives it', () => {
  const HF = `${TORCH}${LLAMA_RMSNORM}
class Layer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.norm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)

class DecoderLayer(nn.Module):
    def __init__(self, hidden_size=512, eps=1e-5):
        super().__init__()
        self.input_layernorm = LlamaRMSNorm(hidden_size, eps=eps)

class NoDefault(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

class Other(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.norm = NoDefault(config.d, eps=config.eps)

class MyLN(nn.LayerNorm):
    def __init__(self, dim, eps=1e-6):
        super().__init__(dim, eps=eps)

class Uses(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.norm = MyLN(config.d, eps=config.eps)

def qk_norm(q, eps: float = 1e-6):
    return F.rms_norm(q, (q.shape[-1],), eps=eps)
`;

  it("a custom module's __init__ default, not torch.nn.RMSNorm's None; no RMSNorm version note", () => {
    const { card, full } = layerAt(HF, 'self.norm = LlamaRMSNorm(');
    assert.ok(
      card.sections.glimpse.includes(
        `\`config.rms_norm_eps\` as \`1e-06\` (default of \`eps\` in \`LlamaRMSNorm.__init__\`, line ${lineNo(HF, 'hidden_size, eps=1e-6')})`,
      ),
      card.sections.glimpse,
    );
    assert.doesNotMatch(card.markdown, /None/);
    const eps = argRow(full.sections.arguments, 'eps');
    assert.ok(
      eps.includes(`written · the example takes \`1e-06\`, the default of \`eps\` in \`LlamaRMSNorm.__init__\`, line ${lineNo(HF, 'hidden_size, eps=1e-6')}`),
      eps,
    );
    assert.doesNotMatch(full.sections.arguments, /default `None`|exists from/);
    assert.equal((full.sections.exampleData!.spec as { eps: number | null }).eps, 1e-6);
  });

  it("the enclosing function parameter's literal default comes first (DecoderLayer(eps=1e-5))", () => {
    const { card, full } = layerAt(HF, 'self.input_layernorm =');
    assert.ok(
      card.sections.glimpse.includes(`\`eps\` as \`1e-05\` (default of \`eps\` in \`DecoderLayer.__init__\`, line ${lineNo(HF, 'eps=1e-5')})`),
      card.sections.glimpse,
    );
    assert.equal((full.sections.exampleData!.spec as { eps: number | null }).eps, 1e-5);
  });

  it('a function call: the default of the parameter it passes (qk_norm(eps=1e-6))', () => {
    const { card, full } = layerAt(HF, 'F.rms_norm(q');
    assert.ok(
      card.sections.glimpse.includes(`\`eps\` as \`1e-06\` (default of \`eps\` in \`qk_norm\`, line ${lineNo(HF, 'def qk_norm')})`),
      card.sections.glimpse,
    );
    assert.equal((full.sections.exampleData!.spec as { eps: number | null }).eps, 1e-6);
  });

  it("a subclass's __init__ default", () => {
    const { card, full } = layerAt(HF, 'self.norm = MyLN(');
    assert.ok(
      card.sections.glimpse.includes(
        `\`config.eps\` as \`1e-06\` (default of \`eps\` in \`MyLN.__init__\`, line ${lineNo(HF, 'def __init__(self, dim, eps=1e-6)')})`,
      ),
      card.sections.glimpse,
    );
    assert.equal((full.sections.exampleData!.spec as { eps: number | null }).eps, 1e-6);
  });

  it("the framework class's default only when the code gives no default of its own, said so (the real value comes when it runs)", () => {
    const { card } = layerAt(HF, 'self.norm = NoDefault(');
    // (BertConfig's layer_norm_eps is 1e-12: a config field is a value the code gives, not none)
    assert.match(card.sections.glimpse, /`config\.eps` as `None` \(`RMSNorm`'s default; the value the code gives is known only when it runs\)/);
  });
});

describe('explain: the formula and parameters follow flags that remove β or change the computation', () => {
  it('torch LayerNorm(bias=False): γ only in the formula, the text and the count (torch 2.13: only `weight`, 64 values)', () => {
    const { card, full } = layerAt(`${TORCH}n = nn.LayerNorm(64, bias=False)\n`, 'nn.LayerNorm(');
    assert.match(full.sections.formula, /y = \(x − mean\) \/ √\(var \+ ε\) · γ\n/);
    assert.match(full.sections.formula, /γ \(scale\) only: .*No β \(`bias=False`\)/);
    assert.doesNotMatch(full.sections.formula, /γ \(scale\) and β|β \(shift\)/);
    assert.equal(card.sections.parameters, '**Parameters** 64 learnable (weight)');
  });

  it("Flax LayerNorm(use_bias=False, dtype=self.dtype): γ only (Flax 0.12.8 creates only `scale`); the expression is not '= default'", () => {
    const src =
      'from typing import Any\nimport flax.linen as nn\n\nclass Block(nn.Module):\n    dtype: Any = None\n\n    @nn.compact\n    def __call__(self, x):\n        return nn.LayerNorm(use_bias=False, dtype=self.dtype)(x)\n';
    const { card, full } = layerAt(src, 'nn.LayerNorm(');
    assert.match(full.sections.formula, /No β \(`use_bias=False`\)/);
    assert.doesNotMatch(full.sections.formula, /γ \(scale\) and β/);
    assert.match(full.sections.parameters, /^Sizes come from the input: γ per normalized element/);
    assert.equal(card.sections.parameters, '**Parameters** γ per normalized element, sized from the input');
    const dtype = argRow(full.sections.arguments, 'dtype');
    assert.doesNotMatch(dtype, /= default/);
    assert.match(dtype, /`self\.dtype` \(expression\)/);
    assert.ok(card.sections.arguments.includes('`dtype=self.dtype`'), card.sections.arguments);
  });

  it('Keras LayerNormalization(rms_scaling=True): x·rsqrt(var(x)+ε)·γ, γ only (Keras 3.15.1: count_params() == C, weights [gamma])', () => {
    const { card, full } = layerAt('import keras\nb = keras.layers.LayerNormalization(rms_scaling=True)\n', 'LayerNormalization(');
    assert.match(full.sections.formula, /y = x \/ √\(var \+ ε\) · γ /);
    assert.doesNotMatch(full.sections.formula, /x − mean|β \(shift\)/);
    assert.match(full.sections.parameters, /^Sizes come from the input: γ per normalized element/);
    assert.equal(card.sections.parameters, '**Parameters** γ per normalized element, sized from the input');
    // the numbers shown are x / sqrt(var + ε), x not centred
    const ex = full.sections.exampleData!;
    const n = ex.shape[ex.shape.length - 1];
    const xs = Array.from(ex.input.slice(0, n));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    assert.ok(Math.abs(ex.output[0] - xs[0] / Math.sqrt(variance + 1e-3)) < 1e-5);
  });
});

describe('explain: GroupNorm cards say the groups the code gives and the example it runs', () => {
  it('Keras GroupNormalization(groups=-1) is one group per channel (Keras 3.15.1: groups = C after build, equal to instance norm)', () => {
    const { card, full } = layerAt('import keras\na = keras.layers.GroupNormalization(groups=-1)\n', 'GroupNormalization(');
    assert.match(card.sections.normalizes, /`groups=-1`: one group per channel, groups = C/);
    assert.doesNotMatch(card.markdown, /4 groups|C\/4/);
    assert.match(full.sections.axes, /^Input `\(N, H, W, C\)`/);
    assert.doesNotMatch(full.sections.axes, /4 groups|\(N, H, W, 4\)/);
    const ex = full.sections.exampleData!;
    assert.equal(ex.spec.kind, 'group_norm');
    if (ex.spec.kind !== 'group_norm') return;
    assert.equal(ex.spec.numGroups, ex.spec.numChannels);
    assert.match(card.sections.glimpse, new RegExp(`stand-in C = ${ex.spec.numChannels}, one group per channel`));
  });

  it('Keras GroupNormalization(groups=16), Flax GroupNorm(num_groups=32): the example says it shows 2 of the groups, and its shape has their channels', () => {
    for (const [src, g] of [
      ['import keras\nc = keras.layers.GroupNormalization(groups=16)\n', 16],
      ['import flax.linen as nn\nc = nn.GroupNorm(num_groups=32)\n', 32],
    ] as const) {
      const { card, full } = layerAt(src, 'c = ');
      const ex = full.sections.exampleData!;
      if (ex.spec.kind !== 'group_norm') throw new Error('a group norm example');
      assert.equal(ex.spec.numGroups, 2);
      assert.equal(ex.shape[ex.shape.length - 1], ex.spec.numChannels);
      const kept = `2 of the ${g} groups of ${ex.spec.numChannels / 2} channels`;
      assert.ok(card.sections.glimpse.includes(`stand-in C = ${g * 2} for the input's channels; ${kept}`), card.sections.glimpse);
      assert.ok(full.sections.example.includes(kept), full.sections.example);
      assert.doesNotMatch(full.sections.example, /sizes as if the input had this shape/);
    }
  });

  it('torch GroupNorm(groups, in_ch): the stand-ins are the sizes the example runs (no second, silent cut)', () => {
    const { card, full } = layerAt(`${TORCH}def block(in_ch, groups=32):\n    return nn.GroupNorm(groups, in_ch)\n`, 'nn.GroupNorm(');
    const ex = full.sections.exampleData!;
    if (ex.spec.kind !== 'group_norm') throw new Error('a group norm example');
    assert.match(card.sections.glimpse, /^\*\*Example\*\* seeded \(2, 4, 2, 2\) \(stand-in `groups` = 2, `in_ch` = 4\): /);
    assert.deepEqual([ex.spec.numGroups, ex.spec.numChannels, ex.shape[1]], [2, 4, 4]);
    assert.equal(ex.reduced, null);
    assert.doesNotMatch(full.sections.example, /of 1 groups|1 group of/);
  });
});

describe("explain: Gemma's RMSNorm scales by 1 + weight", () => {
  // transformers 5.17.0 GemmaRMSNorm: weight = zeros(dim), output * (1.0 + weight); checked: weight 0.5 scales by 1.5
  const GEMMA = `${TORCH}
class GemmaRMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        output = self._norm(x.float())
        output = output * (1.0 + self.weight.float())
        return output.type_as(x)

class Layer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.norm = GemmaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.plain = LlamaLike(config.hidden_size)

class LlamaLike(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
`;

  it('the card says the scale is 1 + weight, weight starting at 0; the formula uses it', () => {
    const { card, full } = layerAt(GEMMA, 'self.norm = GemmaRMSNorm(');
    assert.match(card.sections.title, /custom module `GemmaRMSNorm` \(rsqrt of mean square over the last dim, scaled by 1 \+ weight, weight starting at 0\)/);
    assert.match(full.sections.formula, /y = x \/ √\(mean\(x²\) \+ ε\) · \(1 \+ weight\)/);
    assert.match(full.sections.formula, /The scale is 1 \+ `weight`/);
  });

  it('a plain hand-written RMSNorm (weight * x) has no such note', () => {
    const { card, full } = layerAt(GEMMA, 'self.plain = LlamaLike(');
    assert.doesNotMatch(card.markdown, /1 \+ weight/);
    assert.match(full.sections.formula, /y = x \/ √\(mean\(x²\) \+ ε\) · γ/);
  });
});

describe("explain: Nemotron's LayerNorm1P (a LayerNorm subclass whose forward passes weight + 1)", () => {
  // written as transformers 5.17.0 NemotronLayerNorm1P; the worked example is checked against that class itself
  const NEMOTRON = `${TORCH}
class NemotronLayerNorm1P(nn.LayerNorm):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, bias, device, dtype)

    def forward(self, input):
        args = (input, self.normalized_shape, self.weight + 1.0, self.bias, self.eps)
        return F.layer_norm(*args)

class ZeroCentred(nn.LayerNorm):
    def reset_parameters(self):
        super().reset_parameters()
        nn.init.zeros_(self.weight)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, 1 + self.weight, self.bias, self.eps)

class Twice(nn.LayerNorm):
    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, 2 * self.weight + 1, self.bias, self.eps)

class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = NemotronLayerNorm1P(4, eps=1e-5)
        self.zc = ZeroCentred(4)
        self.twice = Twice(4)
`;
  const PY = FRAMEWORKS_PYTHON;

  it('the card names the scale, and the example runs with weight + 1 = 2 (as transformers 5.17.0 computes it)', function () {
    const { card, full } = layerAt(NEMOTRON, 'self.norm = NemotronLayerNorm1P(');
    assert.match(card.sections.title, /subclass `NemotronLayerNorm1P` of `LayerNorm` \(its forward scales by weight \+ 1\)/);
    assert.match(full.sections.formula, /y = \(x − mean\) \/ √\(var \+ ε\) · \(1 \+ weight\) \+ β/);
    assert.match(full.sections.formula, /not a plain LayerNorm's γ/);
    assert.match(card.sections.glimpse, /scaled by `1 \+ weight` = 2, as built/);
    const ex = full.sections.exampleData!;
    if (!existsSync(PY)) this.skip();
    const script = [
      'import json, sys, torch',
      'from transformers.models.nemotron.modeling_nemotron import NemotronLayerNorm1P',
      'ex = json.load(sys.stdin)',
      'm = NemotronLayerNorm1P(ex["shape"][-1], eps=1e-5)',
      'x = torch.tensor(ex["input"], dtype=torch.float32).reshape(ex["shape"])',
      'print(json.dumps(m(x).detach().flatten().tolist()))',
    ].join('\n');
    const r = spawnSync(PY, ['-c', script], { input: JSON.stringify({ shape: ex.shape, input: [...ex.input] }), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const torchOut = JSON.parse(r.stdout) as number[];
    assert.equal(torchOut.length, ex.output.length);
    torchOut.forEach((v, i) => assert.ok(Math.abs(v - ex.output[i]) < 1e-5, `element ${i}: torch ${v}, NormLens ${ex.output[i]}`));
  });

  it('a weight the class zeroes starts the scale at 1; 2 · weight + 1 is no offset of the weight', () => {
    const zc = layerAt(NEMOTRON, 'self.zc = ZeroCentred(');
    assert.match(zc.card.sections.title, /its forward scales by weight \+ 1, weight starting at 0/);
    assert.doesNotMatch(zc.card.sections.glimpse, /scaled by/);
    const twice = layerAt(NEMOTRON, 'self.twice = Twice(');
    assert.doesNotMatch(twice.card.markdown, /weight \+ 1|1 \+ weight/);
  });
});

describe('explain: running statistics turned off once built (`track_running_stats = False` after construction)', () => {
  const SRC = `${TORCH}
class FrozenStatsBN(nn.BatchNorm2d):
    def __init__(self, c):
        super().__init__(c)
        self.track_running_stats = False

class Net(nn.Module):
    def __init__(self, flag):
        super().__init__()
        self.sub = FrozenStatsBN(3)
        self.bn = nn.BatchNorm2d(3)
        self.bn.track_running_stats = False
        self.inorm = nn.InstanceNorm2d(3, track_running_stats=True)
        self.inorm.track_running_stats = False
        self.off = nn.BatchNorm2d(3, track_running_stats=False)
        self.off.track_running_stats = True
        self.maybe = nn.BatchNorm2d(3)
        if flag:
            self.maybe.track_running_stats = False
`;
  const PY = FRAMEWORKS_PYTHON;

  it('a BatchNorm keeps its buffers and stops updating them, an InstanceNorm keeps updating them and never uses them (as PyTorch 2.13 runs it)', function () {
    const params = (line: string) => layerAt(SRC, line).card.sections.parameters;
    const frozen = 'training no longer updates them, eval normalizes with them as they stand';
    assert.equal(
      params('self.sub = FrozenStatsBN('),
      `**Parameters** 6 learnable (weight, bias) · 7 in buffers; running stats frozen by \`self.track_running_stats = False\` in \`FrozenStatsBN\`: ${frozen}`,
    );
    assert.equal(
      params('self.bn = nn.BatchNorm2d('),
      `**Parameters** 6 learnable (weight, bias) · 7 in buffers; running stats frozen by \`self.bn.track_running_stats = False\`: ${frozen}`,
    );
    assert.equal(
      params('self.inorm = nn.InstanceNorm2d('),
      '**Parameters** no learnable parameters · 7 in buffers; running stats kept but unused since `self.inorm.track_running_stats = False`: eval normalizes each sample by its own statistics',
    );
    // built without them: True set later gives it none (no buffers, batch statistics in eval too)
    assert.equal(params('self.off = nn.BatchNorm2d('), '**Parameters** 6 learnable (weight, bias)');
    assert.equal(
      params('self.maybe = nn.BatchNorm2d('),
      '**Parameters** 6 learnable (weight, bias) · 7 in buffers; `self.maybe.track_running_stats = False` may stop tracking running stats',
    );
    if (!existsSync(PY)) this.skip();
    // what each module keeps and computes after a training step, then in eval
    const script = [
      'import json, sys, torch, torch.nn as nn',
      'src = sys.stdin.read()',
      'g = {}',
      'exec(src, g)',
      'torch.manual_seed(0)',
      'net = g["Net"](False)',
      'x = torch.randn(4, 3, 5, 5) * 3 + 5',
      'out = {}',
      'for name in ["sub", "bn", "inorm", "off"]:',
      '    m = getattr(net, name)',
      '    m.train(); m(x)',
      '    stats = None if m.running_mean is None else m.running_mean.tolist()',
      '    m.eval(); y = m(x)',
      '    out[name] = {"buffers": sum(b.numel() for b in m.buffers()), "running_mean": stats, "eval_mean": round(y.mean().item(), 3)}',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(PY, ['-c', script], { input: SRC, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, { buffers: number; running_mean: number[] | null; eval_mean: number }>;
    // frozen: buffers kept at their start (0), eval normalizes with mean 0 and var 1, so the input's mean (about 5) passes through
    for (const k of ['sub', 'bn']) {
      assert.equal(out[k].buffers, 7);
      assert.deepEqual(out[k].running_mean, [0, 0, 0]);
      assert.ok(out[k].eval_mean > 4, `${k}: ${out[k].eval_mean}`);
    }
    // the InstanceNorm's buffers moved in training, and eval normalized by each sample's own statistics (mean 0)
    assert.equal(out.inorm.buffers, 7);
    assert.ok(out.inorm.running_mean!.every((v) => v > 0.3));
    assert.ok(Math.abs(out.inorm.eval_mean) < 1e-3, String(out.inorm.eval_mean));
    // built without: no buffers, batch statistics in eval
    assert.deepEqual([out.off.buffers, out.off.running_mean, Math.abs(out.off.eval_mean) < 1e-3], [0, null, true]);
  });
});

describe('explain: a LayerNorm subclass that permutes NCHW normalizes the channels', () => {
  // written as timm's LayerNorm2d (permute, F.layer_norm, permute back) and transformers' ConvNextLayerNorm (data_format)
  const SRC = `${TORCH}
class LayerNorm2d(nn.LayerNorm):
    def __init__(self, num_channels, eps=1e-6, affine=True):
        super().__init__(num_channels, eps=eps, elementwise_affine=affine)

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = x.permute(0, 3, 1, 2)
        return x

class ConvNextLayerNorm(nn.LayerNorm):
    def __init__(self, normalized_shape, *, eps=1e-6, data_format="channels_last", **kwargs):
        super().__init__(normalized_shape, eps=eps, **kwargs)
        self.data_format = data_format

    def forward(self, features):
        if self.data_format == "channels_first":
            features = features.permute(0, 2, 3, 1)
            features = super().forward(features)
            features = features.permute(0, 3, 1, 2)
        else:
            features = super().forward(features)
        return features

class Net(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.a = LayerNorm2d(dims)
        self.b = ConvNextLayerNorm(dims, eps=1e-6, data_format="channels_first")
        self.c = ConvNextLayerNorm(dims, eps=1e-6)
        self.d = nn.LayerNorm(dims)
`;

  it('timm-style LayerNorm2d: over the channels of (N, C, H, W), not "its last dimension"; no "(N, C, H, W) fails" advice', () => {
    const { card, full } = layerAt(SRC, 'self.a =');
    assert.match(card.sections.normalizes, /over its channels \(C = `dims`\).*`permute\(0, 2, 3, 1\)`.*input `\(N, C, H, W\)`/);
    assert.doesNotMatch(card.markdown, /last dimension|\(\*, dims\)/);
    assert.match(full.sections.axes, /^Input `\(N, C, H, W\)` \(channels first, C = `dims`\)/);
    assert.doesNotMatch(full.markdown, /it fails/);
  });

  it('ConvNextLayerNorm: channels with data_format="channels_first", the last dimension with its default', () => {
    const b = layerAt(SRC, 'self.b =');
    assert.match(b.card.sections.normalizes, /with `data_format="channels_first"` its forward moves the channels last/);
    assert.match(b.full.sections.axes, /^Input `\(N, C, H, W\)`/);
    const c = layerAt(SRC, 'self.c =');
    assert.match(c.card.sections.normalizes, /over its last dimension/);
    const d = layerAt(SRC, 'self.d =');
    assert.match(d.card.sections.normalizes, /over its last dimension/);
    assert.match(d.full.markdown, /it fails/);
  });

  it('ConvNeXt\'s own LayerNorm (a custom module: F.layer_norm when data_format == "channels_last", else the mean over dim 1)', () => {
    // PyTorch 2.13 (trial 6, #9): LayerNorm(192) normalizes the last dim of (N, L, 192) and refuses (N, 192, H, W);
    // LayerNorm(96, data_format="channels_first") equals F.layer_norm over the channels of (N, 96, H, W)
    const src = `${TORCH}
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-6, data_format="channels_last"):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        self.normalized_shape = (normalized_shape,)

    def forward(self, x):
        if self.data_format == "channels_last":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]

class Stem(nn.Module):
    def __init__(self, fmt):
        super().__init__()
        self.first = LayerNorm(96, eps=1e-6, data_format="channels_first")
        self.last = LayerNorm(192)
        self.either = LayerNorm(192, data_format=fmt)
`;
    assert.match(layerAt(src, 'self.first =').card.sections.normalizes, /over its channels \(C = 96\).*its forward reduces over dim 1/);
    assert.match(layerAt(src, 'self.last =').card.sections.normalizes, /over its last dimension \(192 values\)/);
    assert.match(layerAt(src, 'self.last =').card.sections.title, /over dim 1, or the last dim when self\\\.data\\_format == "channels\\_last"/);
    // (a value the code does not fix: dim 1, as its forward reduces unless told otherwise, the condition said)
    assert.match(layerAt(src, 'self.either =').card.sections.normalizes, /its forward reduces over dim 1/);
  });
});

describe('explain: a required argument a `**mapping` of the call may give', () => {
  it('is said to come from it (not missing), and the example runs on a stand-in', () => {
    // PyTorch 2.13 (trial 6, #10): norm(80, num_groups=16) builds GroupNorm(16, 80)
    const src = `${TORCH}
def norm(c, **kw):
    return nn.GroupNorm(num_channels=c, **kw)

a = norm(80, num_groups=16)
`;
    const { card, full } = layerAt(src, 'return nn.GroupNorm(');
    assert.match(card.sections.arguments, /`num_groups` from `\*\*kw`/);
    assert.doesNotMatch(card.markdown, /missing|is required/);
    assert.match(card.sections.glimpse, /^\*\*Example\*\* seeded \(2, 4, 2, 2\) \(stand-in `\*\*kw` = 2, `c` = 4\)/);
    assert.match(argRow(full.sections.arguments, 'num_groups'), /required, from `\*\*kw` \(known when the code runs\)/);
  });
});

describe('explain: Flax linen BatchNorm with use_running_average left None', () => {
  it('says the call decides (Flax 0.12.8: `nn.BatchNorm()(x, use_running_average=not train)` uses batch statistics when train; None in both raises)', () => {
    const src = `import flax.linen as nn

class Head(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        return nn.BatchNorm(momentum=0.9)(x, use_running_average=not train)
`;
    const { card } = layerAt(src, 'nn.BatchNorm(');
    assert.match(card.sections.arguments, /`use_running_average=None` default: decided where the layer is called, which must give it/);
    assert.doesNotMatch(card.markdown, /whatever the model's mode/);
  });
});

describe('explain: trial 7 (torch 2.13 run)', () => {
  it('a functional batch norm passed training=self.training gets no "training defaults to False" note', () => {
    const src = `${TORCH}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.register_buffer("rm", torch.zeros(4))
        self.register_buffer("rv", torch.ones(4))

    def forward(self, x):
        return self.fc(F.batch_norm(x, self.rm, self.rv, training=self.training, momentum=0.1))

def plain(x, rm, rv):
    return F.batch_norm(x, rm, rv)
`;
    assert.doesNotMatch(layerAt(src, 'training=self.training').card.markdown, /training defaults to False/);
    assert.match(layerAt(src, 'return F.batch_norm(x, rm, rv)').card.markdown, /training defaults to False/);
  });

  it('momentum=None is a cumulative average; a shape written as a list counts the product of its sizes', () => {
    // PyTorch 2.13: LayerNorm([C, H, W]) with C, H, W = 8, 5, 5 has 400 parameters, RMSNorm([H, W]) 25; with
    // momentum=None the running statistics are a cumulative average (exponential_average_factor = 1/t)
    const src = `${TORCH}
C, H, W = 8, 5, 5
ln = nn.LayerNorm([C, H, W])
rms = nn.RMSNorm([H, W])
bn = nn.BatchNorm2d(C, momentum=None)

class M(nn.Module):
    def __init__(self, c, h, w):
        super().__init__()
        self.ln = nn.LayerNorm([c, h, w])
`;
    assert.equal(layerAt(src, 'ln = nn.LayerNorm([C').card.sections.parameters, '**Parameters** 400 learnable (weight, bias)');
    assert.equal(layerAt(src, 'rms = nn.RMSNorm(').card.sections.parameters, '**Parameters** 25 learnable (weight)');
    assert.match(layerAt(src, 'bn = nn.BatchNorm2d(').card.sections.arguments, /`momentum=None` PyTorch: a cumulative average, batch t weighted 1\/t/);
    assert.equal(layerAt(src, 'self.ln = nn.LayerNorm(').card.sections.parameters, '**Parameters** 2·`c·h·w` learnable (weight, bias)');
  });
});

describe("explain: a frozen BatchNorm (detectron2's FrozenBatchNorm2d: stored statistics, scale and shift, all buffers)", () => {
  // torch 2.13: a fresh FrozenBatchNorm2d(4) maps -2.36 to -2.36 in .train() as in .eval(); its buffers are weight,
  // bias, running_mean and running_var (16 values), with no learnable parameter
  const FROZEN = `${TORCH}
class FrozenBatchNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features) - eps)

    def forward(self, x):
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        bias = self.bias - self.running_mean * scale
        return x * scale.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)

class Stem(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bn = FrozenBatchNorm2d(4)
`;

  it('says it normalizes with stored values in training too, counts 4 buffers per channel, and computes no batch-statistics example', () => {
    const { card, full } = layerAt(FROZEN, 'self.bn = FrozenBatchNorm2d(');
    assert.match(
      card.markdown,
      /\*\*Normalizes\*\* each channel with its stored mean, variance, scale and shift \(buffers it never updates\), in training as in evaluation/,
    );
    assert.match(card.markdown, /no learnable parameters · 16 in buffers\n/);
    assert.match(card.markdown, /\*\*Example\*\* none: it normalizes with its stored statistics/);
    assert.doesNotMatch(card.markdown, /shared by the whole batch/);
    assert.match(full.markdown, /\*\*Training and eval\*\* compute the same thing: the stored mean and var/);
    assert.match(full.markdown, /y = \(x − mean\) \/ √\(var \+ ε\) · γ \+ β/);
    assert.doesNotMatch(full.markdown, /running_mean ← /);
    assert.doesNotMatch(full.markdown, /Train\/eval mismatch/);
  });
});

describe('explain: Keras LayerNormalization(rms_scaling=True)', () => {
  it('the card says it divides by the standard deviation without centring, deprecated, not RMS normalization (Keras 3.15.1 warns so)', () => {
    const { card } = layerAt('import keras\nln = keras.layers.LayerNormalization(rms_scaling=True, epsilon=1e-6)\n', 'ln = ');
    assert.match(card.markdown, /\*\*Normalizes\*\* by the standard deviation over `axis`, without subtracting the mean: `rms_scaling=True` is deprecated/);
  });
});

describe('explain: Flax nnx LayerNorm/RMSNorm parameters', () => {
  it('are counted from num_features (nnx makes them so; Flax 0.12.8: nnx.state(LayerNorm(64, use_scale=False), nnx.Param) holds 64 values)', () => {
    const src = 'from flax import nnx\nrngs = nnx.Rngs(0)\nln = nnx.LayerNorm(64, use_scale=False, rngs=rngs)\nrms = nnx.RMSNorm(64, rngs=rngs)\n';
    assert.match(layerAt(src, 'ln = ').card.markdown, /\*\*Parameters\*\* 64 learnable \(β\)/);
    assert.match(layerAt(src, 'rms = ').card.markdown, /\*\*Parameters\*\* 64 learnable \(γ\)/);
    // and as a formula where num_features is an expression
    const sym = 'from flax import nnx\nclass M(nnx.Module):\n    def __init__(self, d, rngs):\n        self.norm = nnx.LayerNorm(d, rngs=rngs)\n';
    assert.match(layerAt(sym, 'self.norm = ').card.markdown, /\*\*Parameters\*\* 2·`d` learnable \(γ, β\)/);
  });
});

describe("explain: each framework's own tensor names in the parameter count", () => {
  it('Keras gamma/beta/moving_mean/moving_variance, Flax nnx scale/bias/mean/var (the names compute reads and answers with)', () => {
    const keras = layerAt('import keras\nbn = keras.layers.BatchNormalization()\n', 'bn = ').full.markdown;
    assert.match(keras, /2·C learnable \(`gamma`, `beta`\), 2·C buffer values \(`moving_mean`, `moving_variance`\)/);
    const nnx = layerAt('from flax import nnx\nbn = nnx.BatchNorm(64, rngs=nnx.Rngs(0))\n', 'bn = ').full.markdown;
    assert.match(nnx, /\*\*128 learnable parameters:\*\* `scale` \(64,\), `bias` \(64,\) · \*\*128 buffer values:\*\* `mean` \(64,\), `var` \(64,\)/);
  });
});

describe('explain: a worked example sized from a stand-in sample', () => {
  it('names no "instead of" size the code never has (Keras LayerNormalization(axis=[1, 2]) takes its sizes from the input)', () => {
    const { card, full } = layerAt('import keras\nln = keras.layers.LayerNormalization(axis=[1, 2])\n', 'ln = ');
    assert.match(card.markdown, /sizes as if the input had this shape/);
    assert.doesNotMatch(card.markdown + full.markdown, /instead of \(/);
  });
});

describe("explain: GroupNorm(n, n), wav2vec2's one channel per group", () => {
  it('the card says instance normalization, counts 2·n, and the example keeps one channel per group', () => {
    const src = `${TORCH}class Conv(nn.Module):\n    def __init__(self, n_out):\n        super().__init__()\n        self.norm = nn.GroupNorm(n_out, n_out, affine=True)\n`;
    const { card, full } = layerAt(src, 'self.norm = ');
    assert.match(card.markdown, /as many groups as channels: instance normalization/);
    assert.match(card.markdown, /\*\*Parameters\*\* 2·`n_out` learnable/);
    const ex = full.sections.exampleData!;
    if (ex.spec.kind !== 'group_norm') throw new Error('a group norm example');
    assert.equal(ex.spec.numChannels, ex.spec.numGroups);
  });
});

describe("explain: a factory function's parameters (fairseq's LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True))", () => {
  it('their literal defaults stand in for the example, said so, where the call passes the parameters on', () => {
    const src = `${TORCH}def LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True):\n    return torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine)\n`;
    const { card } = layerAt(src, 'return torch.nn.LayerNorm(');
    assert.match(card.markdown, /`elementwise_affine` as `True` \(default of `elementwise_affine` in `LayerNorm`, line 4\)/);
    assert.doesNotMatch(card.markdown, /\*\*Example\*\* none/);
  });

  it('a default written with module constants stands in too, as the value Python computes (trial 10 W4: 1 - TF_MOMENTUM)', () => {
    // Python: 1 - 0.99 == 0.010000000000000009, what torch 2.13 keeps as the BatchNorm's momentum
    const src = `${TORCH}TF_MOMENTUM = 0.99\nclass Stem(nn.Module):\n    def __init__(self, c=16, bn_momentum=1 - TF_MOMENTUM, eps=EPS):\n        super().__init__()\n        self.bn = nn.BatchNorm2d(c, momentum=bn_momentum, eps=eps)\n`;
    const { card } = layerAt(src, 'self.bn = ');
    assert.match(card.markdown, /`bn_momentum` as `0\.010000000000000009` \(default of `bn_momentum` in `Stem\.__init__`, line 6\)/);
    // (a name the module never binds is no value: the class's default stands in, said so)
    assert.match(card.markdown, /`eps` as `1e-05` \(`BatchNorm2d`'s default/);
  });
});

describe("explain: F.normalize's eps (trial 11: it bounds the norm from below, nothing is added)", () => {
  it('says eps is a lower bound of the norm, not added to a variance', () => {
    // torch 2.13: F.normalize(torch.tensor([1e-13, 0.]), dim=0) == [0.1, 0]: x / max(‖x‖, 1e-12)
    const src = `${TORCH}import torch.nn.functional as F\ny = F.normalize(torch.randn(2, 3), dim=-1)\n`;
    const { card } = layerAt(src, 'y = F.normalize');
    assert.match(card.markdown, /`eps=1e-12` default, lower bound of the norm/);
    assert.doesNotMatch(card.markdown, /added to var/);
  });
});
