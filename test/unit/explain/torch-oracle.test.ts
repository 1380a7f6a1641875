/**
 * The hover's numbers and the calculators' answers against PyTorch itself (torch 1.13 at
 * /usr/bin/python3): the worked example, parameter counts, the BatchNorm fold and the running
 * statistics after a number of steps.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { explainLayer } from '../../../src/explain/hover';
import { countTyped } from '../../../src/calc/count';
import { foldIntoConv } from '../../../src/calc/fold';
import { simulateRunningStats } from '../../../src/calc/simulate';
import { seededSample } from '../../../src/core/index';
import { makeLayer } from './layers';

const PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import json, sys, torch
req = json.load(sys.stdin)
out = {}
torch.set_grad_enabled(False)
ex = req['example']
bn = torch.nn.BatchNorm2d(3, momentum=0.99)
bn.train()
x = torch.tensor(ex['input'], dtype=torch.float32).reshape(ex['shape'])
out['example'] = bn(x).flatten().tolist()
def count(m):
    return [sum(p.numel() for p in m.parameters()), sum(b.numel() for b in m.buffers())]
out['counts'] = {
    'bn': count(torch.nn.BatchNorm2d(64)),
    'ln': count(torch.nn.LayerNorm([768])),
    'gn': count(torch.nn.GroupNorm(8, 64)),
    'in': count(torch.nn.InstanceNorm2d(16, affine=True, track_running_stats=True)),
}
f = req['fold']
w, b = torch.nn.utils.fusion.fuse_conv_bn_weights(
    torch.tensor(f['weight']).reshape(f['shape']), torch.tensor(f['bias']),
    torch.tensor(f['mean']), torch.tensor(f['var']), f['eps'], torch.tensor(f['gamma']), torch.tensor(f['beta']))
out['fold'] = {'weight': w.flatten().tolist(), 'bias': b.tolist()}
s = req['sim']
bn1 = torch.nn.BatchNorm1d(1, momentum=s['momentum'], affine=False)
bn1.train()
batch = torch.tensor(s['batch'], dtype=torch.float32).reshape(-1, 1)
trace = []
for _ in range(s['steps']):
    bn1(batch)
    trace.append([bn1.running_mean.item(), bn1.running_var.item()])
out['sim'] = trace
print(json.dumps(out))
`;

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

/** The batch the simulator builds: mean exactly μ, unbiased variance exactly σ². */
function exactBatch(n: number, mean: number, variance: number): number[] {
  const z = Array.from({ length: n }, (_, i) => i - (n - 1) / 2);
  const ss = z.reduce((a, v) => a + v * v, 0);
  const scale = Math.sqrt((variance * (n - 1)) / ss);
  return z.map((v) => Math.fround(mean + v * scale));
}

describe('explain and calc against PyTorch', function () {
  this.timeout(60000);
  const opts = { decimals: 4, seed: 3 };
  const hover = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [64], { momentum: 0.99 }), opts);
  const ex = hover.sections.exampleData!;
  const fold = foldIntoConv({ weightShape: [3, 2, 2, 2], bias: [0.5, -0.25, 0], eps: 1e-3, seed: 11 });
  assert.ok(fold.ok);
  const sim = simulateRunningStats({
    momentum: 0.1,
    convention: 'new-weight',
    storedVariance: 'unbiased',
    dataMean: 5,
    dataVar: 4,
    batchSize: 8,
    tolerancePct: 1,
  });
  assert.ok(sim.ok);
  let torch: {
    example: number[];
    counts: Record<string, [number, number]>;
    fold: { weight: number[]; bias: number[] };
    sim: [number, number][];
  } | null = null;

  before(function () {
    if (!torchAvailable()) {
      // CI installs python3-torch (see .ci/run); on a machine without it say so instead of failing.
      console.warn(`      PyTorch is not importable by ${PYTHON}; these comparisons need it`);
      this.skip();
    }
    const request = {
      example: { shape: ex.shape, input: Array.from(ex.input) },
      fold: {
        shape: fold.value.weightShape,
        // the weight the calculator sampled, since none was given
        weight: Array.from(seededSample([3, 2, 2, 2], 11).data),
        bias: [0.5, -0.25, 0],
        mean: fold.value.bn.runningMean,
        var: fold.value.bn.runningVar,
        eps: 1e-3,
        gamma: fold.value.bn.gamma,
        beta: fold.value.bn.beta,
      },
      sim: { momentum: 0.1, batch: exactBatch(8, 5, 4), steps: 60 },
    };
    const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(request), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    torch = JSON.parse(r.stdout);
  });

  it('the hover worked example equals nn.BatchNorm2d in training mode on the same sample', () => {
    const t = torch!.example;
    assert.equal(t.length, ex.output.length);
    t.forEach((v, i) => assert.ok(Math.abs(v - ex.output[i]) < 2e-6, `element ${i}: torch ${v}, hover ${ex.output[i]}`));
  });

  it('parameter and buffer counts equal numel() of the PyTorch modules', () => {
    const c = torch!.counts;
    for (const [typed, key] of [
      ['BatchNorm2d(64)', 'bn'],
      ['nn.LayerNorm([768])', 'ln'],
      ['GroupNorm(8, 64)', 'gn'],
      ['InstanceNorm2d(16, affine=True, track_running_stats=True)', 'in'],
    ] as const) {
      const r = countTyped(typed);
      assert.ok(r.ok, typed);
      assert.deepEqual([r.value.parameters, r.value.buffers], c[key], typed);
    }
  });

  it('the fold equals torch.nn.utils.fusion.fuse_conv_bn_weights', () => {
    const t = torch!.fold;
    t.weight.forEach((v, i) => assert.ok(Math.abs(v - fold.value.foldedWeight[i]) < 1e-5, `weight ${i}`));
    t.bias.forEach((v, i) => assert.ok(Math.abs(v - fold.value.foldedBias[i]) < 1e-5, `bias ${i}`));
    assert.ok(fold.value.check.maxAbsDiff < 1e-5);
  });

  it("the simulator's step counts match PyTorch's running statistics step by step", () => {
    const trace = torch!.sim;
    const firstWithin = (k: 0 | 1, target: number, tol: number) => trace.findIndex((s) => Math.abs(s[k] - target) <= tol) + 1;
    assert.equal(firstWithin(0, 5, 0.05), sim.value.mean.simulated);
    assert.equal(firstWithin(1, 4, 0.04), sim.value.variance.simulated);
    assert.equal(sim.value.mean.closedForm, 44);
    assert.equal(sim.value.variance.closedForm, 41);
  });
});
