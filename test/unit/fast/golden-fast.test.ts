import { strict as assert } from 'node:assert';
import { fastUsage, setFastMode, wasmKernels, type FastMode } from '../../../src/core/fast';
import { batchNormTrainJs } from '../../../src/core/fast/js';
import { f32, loadGolden, maxDiff, runGoldenCase } from '../core/golden';

// The PyTorch golden cases of the three accelerated layers, run through each fast backend.
const run = runGoldenCase;

const modes: FastMode[] = wasmKernels() ? ['wasm', 'js'] : ['js'];

for (const mode of modes) {
  describe(`golden cases through the ${mode} fast kernels`, () => {
    before(() => setFastMode(mode));
    after(() => setFastMode('auto'));
    for (const family of ['batch_norm', 'layer_norm', 'rms_norm']) {
      const cases = loadGolden(family).cases.filter((c) => !c.error && c.expected);
      it(`${family}: ${cases.length} cases within PyTorch's tolerances, most through the fast path`, () => {
        const before = fastUsage().served;
        for (const c of cases) {
          const r = run(c);
          const d = maxDiff(r.output.data, c.expected!.output);
          assert.ok(d <= c.tol!.output, `${c.id}: output off by ${d} > ${c.tol!.output}`);
          if (c.expected!.state) {
            const s = c.expected!.state;
            assert.ok(maxDiff(r.state!.runningMean, s.running_mean) <= c.tol!.state!, `${c.id}: running_mean ${r.state!.runningMean} vs ${s.running_mean}`);
            assert.ok(maxDiff(r.state!.runningVar, s.running_var) <= c.tol!.state!, `${c.id}: running_var`);
          }
          if (c.expected!.grad) {
            const g = c.expected!.grad;
            assert.ok(maxDiff(r.grad!.input, g.input) <= c.tol!.grad!, `${c.id}: grad input`);
            if (g.weight) assert.ok(maxDiff(r.grad!.weight!, g.weight) <= c.tol!.grad!, `${c.id}: grad weight`);
            if (g.bias) assert.ok(maxDiff(r.grad!.bias!, g.bias) <= c.tol!.grad!, `${c.id}: grad bias`);
          }
        }
        const served = fastUsage().served - before;
        // BatchNorm eval and narrow planes stay on the reference path; the rest must not.
        assert.ok(served >= (family === 'batch_norm' ? 1 : cases.length / 2), `${family}: only ${served} calls took the fast path`);
      });
    }

    it('batch_norm: the kernel itself on every channels-first training case, narrow planes included', () => {
      const cases = loadGolden('batch_norm').cases.filter(
        (c) =>
          !c.error &&
          c.expected &&
          !c.more_inputs &&
          c.spec.kind === 'batch_norm' &&
          c.spec.channelAxis === 1 &&
          (c.mode === 'train' || !c.spec.trackRunningStats) &&
          c.input.shape.every((d) => d > 0) &&
          c.input.shape.length >= 2,
      );
      assert.ok(cases.length >= 15, `only ${cases.length} cases`);
      const k = wasmKernels();
      for (const c of cases) {
        const spec = c.spec as { eps: number };
        const [n, ch, ...rest] = c.input.shape;
        const s = rest.reduce((a, b) => a * b, 1);
        const x = f32(c.input.data);
        const w = c.params?.weight ? f32(c.params.weight) : null;
        const b = c.params?.bias ? f32(c.params.bias) : null;
        const r = mode === 'wasm' ? k!.batchNormTrain(x, n, ch, s, w, b, spec.eps) : batchNormTrainJs(x, n, ch, s, w, b, spec.eps);
        // eps = 0 on a constant channel divides by zero; that case belongs to the reference path
        if (Array.from(r.variance).some((v) => v + spec.eps === 0)) continue;
        const d = maxDiff(r.output, c.expected!.output);
        assert.ok(d <= c.tol!.output, `${c.id}: output off by ${d} > ${c.tol!.output}`);
      }
    });
  });
}
