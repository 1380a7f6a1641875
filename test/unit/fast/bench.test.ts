import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleavedMedians, TorchTimer } from '../../../bench/core';

const TORCH_PYTHON = '/usr/bin/python3';
const hasTorch = (() => {
  try {
    execFileSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('bench harness', () => {
  it('interleaved medians time every function each round', () => {
    const calls = [0, 0];
    const [a, b] = interleavedMedians([() => calls[0]++, () => calls[1]++], 2, 5);
    assert.deepEqual(calls, [7, 7]);
    assert.ok(a >= 0 && b >= 0);
  });

  (existsSync(TORCH_PYTHON) ? it : it.skip)('reports why PyTorch is unavailable instead of failing', async () => {
    const missing = await TorchTimer.start('/nonexistent/python3');
    assert.equal(missing.timer, null);
    assert.match(missing.reason!, /not found/);
    // the real script under a Python where `import torch` fails
    const dir = mkdtempSync(join(tmpdir(), 'normlens-bench-'));
    const python = join(dir, 'python-without-torch');
    writeFileSync(
      python,
      `#!/bin/sh\nexec ${TORCH_PYTHON} -c 'import sys; sys.modules["torch"] = None; sys.argv = sys.argv[1:]; exec(open(sys.argv[0]).read())' "$@"\n`,
    );
    chmodSync(python, 0o755);
    try {
      const r = await TorchTimer.start(python);
      assert.equal(r.timer, null);
      assert.match(r.reason!, /^torch unavailable: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (hasTorch ? it : it.skip)('times single-thread PyTorch on request and rejects unknown cases', async function () {
    this.timeout(120_000);
    const { timer, reason } = await TorchTimer.start(TORCH_PYTHON);
    assert.ok(timer, reason);
    try {
      assert.match(timer.version, /^1\.13/);
      const t = await timer.time('rms_norm', 2);
      assert.equal(t.length, 2);
      assert.ok(t.every((ms) => ms > 0 && ms < 10_000));
      await assert.rejects(timer.time('nope', 1), /expected 'CASE COUNT'/);
    } finally {
      timer.close();
    }
  });
});
