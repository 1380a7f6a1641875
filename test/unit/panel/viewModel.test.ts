import { strict as assert } from 'node:assert';
import { runLayer, statGroupIndex, defaultState, Tensor } from '../../../src/core';
import type { CoreLayerSpec } from '../../../src/core/spec';
import type { PanelState } from '../../../src/protocol';
import { parseOpenRequest } from '../../../src/protocol';
import { openPanelUri, decodeCommandUri } from '../../../src/explain/links';
import {
  computeView,
  computeTraining,
  computeNoise,
  computeInsights,
  cubeView,
  shapeProblem,
  gridView,
  methodSetups,
  flatIndex,
  cubeCoords,
} from '../../../src/webview/viewModel';
import type { Env } from '../../../src/webview/viewModel';
import { applyOpenRequest, applyPreset, initialState, parseNested, pasteArray, reshape, setCell, seedExampleData } from '../../../src/webview/edit';
import { NORM_CLASSES, profileFor } from '../../../src/webview/tableData';
import { COMMANDS } from '../../../src/explain/commands';

const envFor = (s: PanelState): Env => ({ profile: profileFor(s.framework, s.shape.length), fallback: profileFor('pytorch', s.shape.length) });

function method(view: ReturnType<typeof computeView>, m: string) {
  const found = view.methods.find((x) => x.method === m);
  assert.ok(found, m);
  return found;
}

/** Float64 reference for one set of values: (x - mean) / sqrt(var + eps), biased variance. */
function normalize(xs: number[], eps: number): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return xs.map((x) => (x - mean) / Math.sqrt(v + eps));
}

describe('panel view model: the seed example [batch=4, seq=3, dim=2]', () => {
  const s = initialState();
  const view = computeView(s, envFor(s));

  it('starts from the seed card tensor: batch b holds [[b, b+1], [b+2, b+3], [b+4, b+5]]', () => {
    assert.deepEqual(s.shape, [4, 3, 2]);
    assert.deepEqual(Array.from(view.input.slice(0, 6)), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(view.input.slice(18, 24)), [4, 5, 6, 7, 8, 9]);
  });

  it('BatchNorm normalizes each feature over batch and sequence (float64 reference)', () => {
    const bn = method(view, 'batch_norm');
    assert.equal(bn.problem, null);
    for (let d = 0; d < 2; d++) {
      const idx = Array.from({ length: 12 }, (_, k) => k * 2 + d);
      const ref = normalize(
        idx.map((i) => s.data[i]),
        1e-5,
      );
      idx.forEach((i, k) => assert.ok(Math.abs(bn.output![i] - ref[k]) < 1e-5, `BN element ${i}: ${bn.output![i]} vs ${ref[k]}`));
    }
    // Feature 0 holds b + 2s: mean 4.5, variance 47/12.
    assert.ok(Math.abs(bn.stats[0].mean - 4.5) < 1e-9);
    assert.ok(Math.abs(bn.stats[0].variance - 47 / 12) < 1e-9);
    assert.equal(bn.stats[0].label, 'dim=0');
  });

  it('LayerNorm normalizes each (batch, seq) position over dim: every pair becomes ≈ [-1, 1]', () => {
    const ln = method(view, 'layer_norm');
    const ref = normalize([1, 2], 1e-5);
    for (let i = 0; i < 24; i += 2) {
      assert.ok(Math.abs(ln.output![i] - ref[0]) < 1e-6);
      assert.ok(Math.abs(ln.output![i + 1] - ref[1]) < 1e-6);
    }
    assert.equal(ln.groupCount, 12);
    assert.equal(ln.stats[1].label, 'batch=0, seq=1');
    assert.equal(ln.stats[1].mean, 3.5);
  });

  it('every output equals the core run independently with the same spec', () => {
    const x = new Tensor([4, 3, 2], seedExampleData());
    const specs: Record<string, CoreLayerSpec> = {
      batch_norm: {
        kind: 'batch_norm',
        numFeatures: 2,
        eps: 1e-5,
        momentum: 0.1,
        hasWeight: true,
        hasBias: true,
        trackRunningStats: true,
        storedVariance: 'unbiased',
        channelAxis: 2,
      },
      layer_norm: { kind: 'layer_norm', normalizedShape: [2], eps: 1e-5, hasWeight: true, hasBias: true },
      rms_norm: { kind: 'rms_norm', normalizedShape: [2], eps: null, hasWeight: true },
      group_norm: { kind: 'group_norm', numGroups: 1, numChannels: 2, eps: 1e-5, hasWeight: true, hasBias: true, channelAxis: 2 },
      instance_norm: {
        kind: 'instance_norm',
        numFeatures: 2,
        eps: 1e-5,
        momentum: 0.1,
        hasWeight: false,
        hasBias: false,
        trackRunningStats: false,
        channelAxis: 2,
      },
    };
    for (const [m, spec] of Object.entries(specs)) {
      const ref = runLayer({ spec, mode: 'train', input: x, state: spec.kind === 'batch_norm' ? defaultState(spec, x.shape) : null });
      const got = method(view, m);
      assert.deepEqual(Array.from(got.output!), Array.from(ref.output.data), m);
      // Group colouring is the core's own statistics-group index.
      assert.deepEqual(Array.from(got.groupIndex!), Array.from(statGroupIndex(spec, x.shape).index), `${m} groups`);
    }
  });

  it('RMSNorm reports the root mean square (no mean) per position', () => {
    const rms = method(view, 'rms_norm');
    assert.ok(Math.abs(rms.stats[0].rms! - Math.sqrt((1 + 4) / 2)) < 1e-9);
    assert.ok(Number.isNaN(rms.stats[0].mean));
  });

  it('the grid shows every element of the small example, one block per batch', () => {
    const g = gridView('BSD', [4, 3, 2]);
    assert.equal(g.blocks.length, 4);
    assert.equal(g.blocks[2].label, 'batch=2');
    assert.equal(g.blocks[2].start, 12);
    assert.equal(g.truncated, false);
  });
});

describe('panel view model: GroupNorm groups and shape limits', () => {
  it('a group count that does not divide C is refused with a message listing the valid ones', () => {
    const s = { ...applyPreset(initialState(), 'NCHW'), groups: 3 };
    assert.equal(s.shape[1], 4);
    const gn = method(computeView(s, envFor(s)), 'group_norm');
    assert.equal(gn.output, null);
    assert.equal(gn.problem, 'GroupNorm: 4 channels cannot be split into 3 equal groups (4 is not divisible by 3). Choose one of: 1, 2, 4.');
    const more = method(computeView({ ...s, groups: 8 }, envFor(s)), 'group_norm');
    assert.equal(more.problem, 'GroupNorm: 8 groups is more than the 4 channels. Choose one of: 1, 2, 4.');
  });

  it('GroupNorm with 2 groups colours (n, channel pair) groups exactly as statGroupIndex', () => {
    const s = { ...applyPreset(initialState(), 'NCHW'), groups: 2 };
    const gn = method(computeView(s, envFor(s)), 'group_norm');
    const spec: CoreLayerSpec = { kind: 'group_norm', numGroups: 2, numChannels: 4, eps: 1e-5, hasWeight: true, hasBias: true, channelAxis: 1 };
    assert.deepEqual(Array.from(gn.groupIndex!), Array.from(statGroupIndex(spec, s.shape).index));
    assert.equal(gn.groupCount, 4);
    // Element (n=1, c=3, h=0, w=0) belongs to sample 1's second group.
    assert.equal(gn.groupIndex![flatIndex('NCHW', s.shape, 1, 3, 0)], 3);
  });

  it('shape limits have clear messages, and a refused reshape keeps the data', () => {
    assert.match(shapeProblem('NCL', [64, 33, 32])!, /\[64, 33, 32\] has 67,584 elements; the panel computes up to 65,536/);
    assert.equal(shapeProblem('NCL', [64, 32, 32]), null);
    assert.equal(shapeProblem('NCHW', [2, 0, 3, 3]), 'Dimension C must be a whole number ≥ 1; got 0.');
    assert.equal(shapeProblem('BSD', [2, 3]), 'The BSD layout has 3 dimensions (batch, seq, dim); got 2.');
    const s = initialState();
    const r = reshape(s, [1000, 100, 1]);
    assert.equal(r.ok, false);
    assert.deepEqual(s.data, seedExampleData());
  });

  it('reshaping keeps every value whose coordinates still exist', () => {
    const s = initialState();
    const r = reshape(s, [2, 3, 3]);
    assert.ok(r.ok);
    // batch 0, seq 1 was [3, 4]; now [3, 4, new]
    assert.deepEqual(r.state.data.slice(3, 5), [3, 4]);
    assert.deepEqual(r.state.data.slice(9, 11), [2, 3]);
  });

  it('cell edits accept numbers and refuse the rest without changing the state', () => {
    const s = initialState();
    const r = setCell(s, 5, ' -2.5e1 ');
    assert.ok(r.ok);
    assert.equal(r.state.data[5], -25);
    const bad = setCell(s, 5, 'abc');
    assert.deepEqual(bad, { ok: false, message: '"abc" is not a number; the cell keeps 6.' });
    assert.equal(s.data[5], 6);
  });

  it('pasted arrays: ragged and non-numeric input get specific messages', () => {
    assert.deepEqual(parseNested('[[1, 2], [3]]'), { ok: false, message: 'Ragged array: [1] has 1 entry but the lists before it at that depth have 2.' });
    assert.deepEqual(parseNested('[[1, 2], [3, "a"]]'), { ok: false, message: '[1][1] is ""a"", which is not a number.' });
    assert.deepEqual(parseNested('[[1, [2]], [3, 4]]'), { ok: false, message: 'Ragged array: [0][1] is a list where other entries are numbers.' });
    const s = initialState();
    const two = pasteArray(s, '[[1, 2], [3, 4]]');
    assert.equal(two.ok, false);
    assert.match((two as { message: string }).message, /shape \[2, 2\] \(2 dimensions\)/);
    const ok = pasteArray(s, '[[[1, 2, 3]], [[4, 5, 7]]]');
    assert.ok(ok.ok);
    assert.deepEqual(ok.state.shape, [2, 1, 3]);
  });
});

describe('panel view model: frameworks come from the framework table', () => {
  it('Keras: BatchNormalization ε 1e-3 and momentum 0.99 (old-average weight) → 0.01 of the new batch', () => {
    const s = { ...initialState(), framework: 'keras' as const };
    const bn = methodSetups(s, envFor(s)).find((m) => m.method === 'batch_norm')!;
    assert.equal(bn.className, 'BatchNormalization');
    assert.ok(bn.spec && bn.spec.kind === 'batch_norm');
    assert.equal(bn.spec.eps, 1e-3);
    assert.ok(Math.abs(bn.spec.momentum! - 0.01) < 1e-12);
    assert.equal(bn.spec.storedVariance, 'biased');
  });

  it('PyTorch: momentum 0.1 of the new batch, unbiased running_var, RMSNorm eps None', () => {
    const s = initialState();
    const setups = methodSetups(s, envFor(s));
    const bn = setups.find((m) => m.method === 'batch_norm')!.spec!;
    assert.ok(bn.kind === 'batch_norm');
    assert.equal(bn.momentum, 0.1);
    assert.equal(bn.storedVariance, 'unbiased');
    const rms = setups.find((m) => m.method === 'rms_norm')!.spec!;
    assert.ok(rms.kind === 'rms_norm');
    assert.equal(rms.eps, null);
  });

  it('Haiku: decay_rate has no default, so PyTorch’s 0.1 is written as decay 0.9 with zero-debiasing', () => {
    const s = { ...initialState(), framework: 'haiku' as const };
    const bn = methodSetups(s, envFor(s)).find((m) => m.method === 'batch_norm')!.spec!;
    assert.ok(bn.kind === 'batch_norm');
    assert.ok(Math.abs(bn.momentum! - 0.1) < 1e-12);
    assert.equal(bn.debiasedEma, true);
    const t = computeTraining({ ...s, trainSteps: 2 }, envFor(s));
    assert.match(t.momentumText, /^Haiku: decay_rate 0\.9 \(no default: PyTorch's, in Haiku's terms\)/);
  });

  it('Keras momentum 0.9 gives the same running statistics as PyTorch momentum 0.1', () => {
    const base = { ...initialState(), trainSteps: 12 };
    const torch = computeTraining({ ...base, momentum: 0.1 }, envFor(base));
    const kerasState = { ...base, framework: 'keras' as const, momentum: 0.9, eps: 1e-5 };
    const keras = computeTraining(kerasState, envFor(kerasState));
    assert.equal(torch.problem, null);
    for (let k = 0; k < torch.channels.length; k++) {
      torch.runningMean[k].forEach((v, t) => assert.ok(Math.abs(v - keras.runningMean[k][t]) < 1e-5, `mean ch${k} step ${t}`));
    }
  });

  it('a hover link for GroupNorm(8, 64) opens with C = 64 and 8 groups', () => {
    const r = applyOpenRequest(
      initialState(),
      { framework: 'pytorch', kind: 'group_norm', args: { num_groups: 8, num_channels: 64, eps: 1e-5, affine: true } },
      NORM_CLASSES,
    );
    assert.deepEqual(r.notes, []);
    const s = r.state;
    assert.equal(s.shape[1], 64);
    assert.equal(s.layout === 'NCL' || s.layout === 'NCHW', true);
    assert.equal(s.groups, 8);
    assert.equal(s.focus, 'group_norm');
    const gn = method(computeView(s, envFor(s)), 'group_norm');
    assert.equal(gn.problem, null);
    assert.equal(gn.groupCount, s.shape[0] * 8);
  });

  it('a link asking for more groups than the example has channels keeps the example and says why', () => {
    for (const num_groups of [1e9, 1e12]) {
      const r = applyOpenRequest(initialState(), { framework: 'pytorch', kind: 'group_norm', args: { num_groups, num_channels: 64 } }, NORM_CLASSES);
      assert.equal(r.state.shape[1], 64);
      assert.ok(r.state.groups >= 1 && r.state.groups <= 64);
      assert.deepEqual(r.notes, [`${num_groups} groups do not fit the 64 channels of the example; it keeps ${r.state.groups}.`]);
      const view = computeView(r.state, envFor(r.state));
      assert.ok(method(view, 'group_norm').groupCount! <= r.state.shape[0] * 64);
    }
  });
});

describe('panel view model: cube, training, batch size, insights', () => {
  it('the cube shades exactly the hovered element’s statistics group', () => {
    const s = applyPreset(initialState(), 'NCHW'); // [2, 4, 3, 3]
    const view = computeView(s, envFor(s));
    const idx = flatIndex('NCHW', s.shape, 1, 2, 4);
    assert.deepEqual(cubeCoords('NCHW', s.shape, idx), { n: 1, c: 2, s: 4 });
    const cv = cubeView(view, idx);
    const bn = cv.methods.find((m) => m.method === 'batch_norm')!;
    assert.equal(bn.groupSize, 2 * 9); // one channel over N·H·W
    // Front face (C across, spatial down, at n=1): only column c=2 is shaded.
    for (let r = 0; r < bn.front.rows; r++) for (let q = 0; q < bn.front.cols; q++) assert.equal(bn.front.share[r * bn.front.cols + q], q === 2 ? 1 : 0);
    const ln = cv.methods.find((m) => m.method === 'layer_norm')!;
    assert.equal(ln.groupSize, 4 * 9);
    assert.ok(ln.front.share.every((v) => v === 1));
    const inst = cv.methods.find((m) => m.method === 'instance_norm')!;
    assert.equal(inst.groupSize, 9);
    // Top face (C across, N in depth, at the hovered spatial position): only (n=1, c=2).
    assert.equal(
      inst.top.share.reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(inst.top.share[1 * inst.top.cols + 2], 1);
  });

  it('running statistics approach the data’s and eval then differs from train', () => {
    const s = { ...initialState(), trainSteps: 300 };
    const t = computeTraining(s, envFor(s));
    assert.equal(t.steps, 300);
    assert.equal(t.numBatchesTracked, 300);
    const last = t.runningMean[0][300];
    assert.ok(Math.abs(last - t.targetMean[0]) < 0.35 * Math.sqrt(t.targetVar[0]), `${last} vs ${t.targetMean[0]}`);
    assert.equal(t.runningMean[0][0], 0); // initial running_mean
    assert.ok(t.evalMaxAbsDiff! > 0);
    const fresh = computeTraining({ ...s, trainSteps: 0 }, envFor(s));
    assert.ok(fresh.evalMaxAbsDiff! > t.evalMaxAbsDiff!, 'untrained running stats are further off');
  });

  it('batch size 1 fails in training with PyTorch’s message; the error shrinks as batches grow', () => {
    const n = computeNoise(1, envFor(initialState()));
    const one = n.points.find((p) => p.batch === 1)!;
    assert.match(one.problem!, /Expected more than 1 value per channel when training/);
    const two = n.points.find((p) => p.batch === 2)!.meanError!;
    const big = n.points[n.points.length - 1].meanError!;
    assert.ok(big < two / 4, `${big} vs ${two}`);
    // A batch of two normalizes every value to ±1 (up to ε).
    for (const v of n.batchOfTwo) assert.ok(Math.abs(Math.abs(v) - 1) < 1e-3 || Math.abs(v) < 1e-6, String(v));
  });

  it('insights: LayerNorm ignores the other samples, BatchNorm does not; GroupNorm(C groups) = InstanceNorm', () => {
    const s = initialState();
    const ins = computeInsights(s, envFor(s));
    assert.equal(ins.layerNormCrossTalk, 0);
    assert.ok(ins.batchNormCrossTalk! > 0.1);
    assert.ok(ins.groupCVsInstance! < 1e-5);
    const img = applyPreset(s, 'NCHW');
    assert.ok(computeInsights(img, envFor(img)).groupOneVsLayer! < 1e-5);
  });
});

describe('panel: hover links end to end (without the editor)', () => {
  it('a hover link URI decodes to an open request the panel accepts and applies', () => {
    const uri = openPanelUri({ framework: 'pytorch', kind: 'layer_norm', args: { normalized_shape: [768], eps: 1e-6, elementwise_affine: true, bias: true } });
    const decoded = decodeCommandUri(uri);
    assert.ok(decoded && decoded.command === COMMANDS.openPanel.id);
    const parsed = parseOpenRequest(decoded.arg);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    const { state, notes } = applyOpenRequest(initialState(), parsed.value, NORM_CLASSES);
    assert.deepEqual(notes, []);
    assert.equal(state.layout, 'BSD');
    assert.deepEqual(state.shape, [4, 3, 768]);
    assert.equal(state.eps, 1e-6);
    assert.equal(state.focus, 'layer_norm');
    const ln = method(computeView(state, envFor(state)), 'layer_norm');
    assert.equal(ln.groupCount, 12);
    assert.equal(ln.stats[0].count, 768);
  });

  it('Keras GroupNormalization(groups=4) reads the group count by role; other kinds get a note', () => {
    const s0 = applyPreset(initialState(), 'NCHW'); // C = 4
    const r = applyOpenRequest(s0, { framework: 'keras', kind: 'group_norm', args: { groups: 4, axis: -1, epsilon: 1e-3 } }, NORM_CLASSES);
    assert.equal(r.state.framework, 'keras');
    assert.equal(r.state.groups, 4);
    assert.equal(r.state.eps, 1e-3);
    const other = applyOpenRequest(s0, { framework: 'pytorch', kind: 'local_response_norm', args: { size: 2 } }, NORM_CLASSES);
    assert.match(other.notes[0], /local response norm is not among them/);
    assert.deepEqual(other.state.data, s0.data);
  });
});

describe("panel: a hover link opens the preset of the layer's rank", () => {
  it('a 2-D GroupNorm(32, 320) opens (N, C, H, W), a BatchNorm1d (N, C, L)', () => {
    const gn = applyOpenRequest(
      initialState(),
      { framework: 'pytorch', kind: 'group_norm', args: { num_groups: 32, num_channels: 320 }, rank: 4 },
      NORM_CLASSES,
    );
    assert.equal(gn.state.layout, 'NCHW');
    assert.equal(gn.state.shape[1], 320);
    assert.equal(gn.state.groups, 32);
    const bn = applyOpenRequest(initialState(), { framework: 'pytorch', kind: 'batch_norm', args: { num_features: 8 }, rank: 3 }, NORM_CLASSES);
    assert.equal(bn.state.layout, 'NCL');
    assert.equal(bn.state.shape[1], 8);
    // Without a rank the old choice stands (the link of an older hover).
    assert.equal(
      applyOpenRequest(initialState(), { framework: 'pytorch', kind: 'group_norm', args: { num_groups: 32, num_channels: 320 } }, NORM_CLASSES).state.layout,
      'NCL',
    );
  });
});

describe('panel: layout cards say when a framework needs a transpose', () => {
  const notesOf = (s: PanelState, method: string) => methodSetups(s, envFor(s)).find((m) => m.method === method)!.notes;
  it('PyTorch on (batch, seq, dim): BatchNorm1d needs x.transpose(1, 2); on (N, C, L) nothing to say', () => {
    const s = initialState();
    assert.equal(s.layout, 'BSD');
    const bn = notesOf({ ...s, framework: 'pytorch' }, 'batch_norm');
    assert.ok(
      bn.some((n) =>
        /BatchNorm1d reads channels on dim 1 .* raise unless seq = 2\. Write BatchNorm1d\(\.\.\.\)\(x\.transpose\(1, 2\)\)\.transpose\(1, 2\)/.test(n),
      ),
      JSON.stringify(bn),
    );
    assert.ok(notesOf({ ...s, framework: 'pytorch' }, 'group_norm').some((n) => /transpose\(1, 2\)/.test(n)));
    assert.ok(!notesOf({ ...s, framework: 'pytorch' }, 'layer_norm').some((n) => /transpose/.test(n)));
    const ncl = applyPreset({ ...s, framework: 'pytorch' }, 'NCL');
    assert.ok(!notesOf(ncl, 'batch_norm').some((n) => /transpose/.test(n)));
  });
  it('Keras on (N, C, H, W): axis=1 or a transpose to channels last; on (batch, seq, dim) nothing to say', () => {
    const s = applyPreset({ ...initialState(), framework: 'keras' }, 'NCHW');
    assert.ok(
      notesOf(s, 'batch_norm').some((n) =>
        /BatchNormalization normalizes the last axis by default: .* pass axis=1, or transpose the input to \(N, H, W, C\)/.test(n),
      ),
      JSON.stringify(notesOf(s, 'batch_norm')),
    );
    assert.ok(!notesOf({ ...initialState(), framework: 'keras' }, 'batch_norm').some((n) => /transpose/.test(n)));
  });
});
