/**
 * The producer table (src/frameworks/producers.ts) against the real classes: the positional
 * parameters the checks bind a conv's or linear layer's arguments to are the leading parameters of
 * the class's signature in torch 2.13, Keras 3.15.1 and Flax 0.12.8 (inspect.signature in
 * .venv-frameworks), and every parameter the table names (output count, bias, activation, layout)
 * exists there.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PRODUCERS } from '../../../src/frameworks/producers';
import { FRAMEWORKS_PYTHON } from '../venv';

const PY = FRAMEWORKS_PYTHON;

const SCRIPT = `
import importlib, inspect, json, sys, os
os.environ.setdefault("KERAS_BACKEND", "jax")
out = {}
for q in json.load(sys.stdin):
    mod, _, name = q.rpartition(".")
    try:
        cls = getattr(importlib.import_module(mod), name)
    except Exception as e:
        out[q] = {"error": f"{type(e).__name__}: {e}"}
        continue
    target = cls if hasattr(cls, "__dataclass_fields__") else cls.__init__
    params = [p for p in inspect.signature(target).parameters.values() if p.name != "self"]
    out[q] = {"positional": [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)], "all": [p.name for p in params]}
print(json.dumps(out))
`;

describe('producers: the table against the real classes', () => {
  it('binds positional arguments as torch 2.13, Keras 3.15.1 and Flax 0.12.8 do, and names parameters they have', function () {
    this.timeout(300000);
    if (!existsSync(PY)) this.skip();
    const specs = PRODUCERS.filter((p) => /^(torch|keras|flax)\./.test(p.qualifiedNames[0]));
    const r = spawnSync(PY, ['-c', SCRIPT], { input: JSON.stringify(specs.map((p) => p.qualifiedNames[0])), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const real = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, { positional?: string[]; all?: string[]; error?: string }>;
    const wrong: string[] = [];
    for (const p of specs) {
      const q = p.qualifiedNames[0];
      const sig = real[q];
      if (!sig.positional || !sig.all) {
        wrong.push(`${q}: ${sig.error}`);
        continue;
      }
      const lead = sig.positional.slice(0, p.positional.length);
      if (lead.join() !== p.positional.join()) wrong.push(`${q}: positional ${p.positional.join()} but the class takes ${lead.join()}`);
      for (const name of [p.inParam, p.bias.param, p.activationParam, p.layoutParam])
        if (name && !sig.all.includes(name)) wrong.push(`${q}: no parameter ${name}`);
      // (a depthwise conv has no output count of its own: in_channels × depth_multiplier)
      if (!sig.all.includes(p.outParam) && !/Depthwise/.test(q)) wrong.push(`${q}: no parameter ${p.outParam}`);
    }
    assert.deepEqual(wrong, []);
    // the Keras convolutions a channels-first model may use are all there
    for (const name of ['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'SeparableConv2D', 'DepthwiseConv2D'])
      assert.ok(
        specs.some((p) => p.qualifiedNames[0] === `keras.layers.${name}`),
        name,
      );
  });
});
