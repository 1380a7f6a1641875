import { strict as assert } from 'node:assert';
import { NormError, type RunResult } from '../../../src/core';
import { setFastMode, type FastMode } from '../../../src/core/fast';
import { loadGolden, maxDiff, runGoldenCase, type GoldenResult } from './golden';

const FAMILIES = ['batch_norm', 'instance_norm', 'group_norm', 'layer_norm', 'rms_norm', 'local_response_norm'];

const run = runGoldenCase;

function within(what: string, actual: ArrayLike<number>, expected: readonly (number | string)[], tol: number) {
  const d = maxDiff(actual, expected as never);
  assert.ok(d <= tol, `${what}: max |diff| ${d} exceeds ${tol}\n actual   ${Array.from(actual).slice(0, 8)}\n expected ${expected.slice(0, 8)}`);
}

function compare(r: RunResult, exp: GoldenResult, tol: { output: number; state?: number; grad?: number }, label: string) {
  assert.deepEqual(r.output.shape.length > 0 ? r.output.size : 1, exp.output.length, `${label}: output size`);
  within(`${label} output`, r.output.data, exp.output, tol.output);
  if (exp.state === null) {
    assert.equal(r.state, null, `${label}: layer should keep no running statistics`);
  } else {
    assert.ok(r.state, `${label}: running statistics expected`);
    within(`${label} running_mean`, r.state.runningMean, exp.state.running_mean, tol.state!);
    within(`${label} running_var`, r.state.runningVar, exp.state.running_var, tol.state!);
    assert.equal(r.state.numBatchesTracked, exp.state.num_batches_tracked, `${label}: num_batches_tracked`);
  }
  if (exp.grad) {
    assert.ok(r.grad, `${label}: gradients expected`);
    within(`${label} grad input`, r.grad.input, exp.grad.input, tol.grad!);
    for (const k of ['weight', 'bias'] as const) {
      const e = exp.grad[k];
      if (e === null) assert.equal(r.grad[k], null, `${label}: no ${k} gradient expected`);
      else within(`${label} grad ${k}`, r.grad[k]!, e, tol.grad!);
    }
  }
}

// Every case runs with the accelerated kernels allowed (the default) and with the reference
// path alone, so both are held to PyTorch.
for (const fast of ['auto', 'off'] as FastMode[]) {
  for (const family of FAMILIES) {
    const { cases } = loadGolden(family);
    describe(`golden ${family} (PyTorch 2.13, fast kernels ${fast})`, () => {
      before(() => setFastMode(fast));
      after(() => setFastMode('auto'));
      it('has cases', () => assert.ok(cases.length >= 5));
      for (const c of cases) {
        it(c.id, () => {
          if (c.error) {
            assert.throws(
              () => run(c),
              (e: unknown) => {
                assert.ok(e instanceof NormError, `expected a NormError, got ${String(e)}`);
                assert.equal(e.type, c.error!.type);
                assert.equal(e.message, c.error!.message);
                return true;
              },
            );
            return;
          }
          const r = run(c);
          compare(r, c.expected!, c.tol!, 'vs torch float32');
          compare(r, c.reference64!, c.tol64!, 'vs torch float64');
        });
      }
    });
  }
}
