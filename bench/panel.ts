/**
 * The comparison panel's re-render budget: after a cell edit of a 64k-element tensor the view
 * model (all five methods through the core, group indices, statistics, histograms, grid) must be
 * recomputed well inside a 16 ms frame. Baseline: a plain Float32Array copy of the same data,
 * the least any recompute must do.
 */
import { computeView, computeTraining, cubeView, computeNoise } from '../src/webview/viewModel';
import type { Env } from '../src/webview/viewModel';
import { initialState, reshape, setCell } from '../src/webview/edit';
import { profileFor } from '../src/webview/tableData';
import type { PanelState } from '../src/protocol';
import { loadavg } from 'node:os';

const loadAverage = (): string | null => {
  const l = loadavg()[0];
  return l > 0 ? l.toFixed(1) : null;
};

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall-clock and CPU milliseconds per call (CPU time is what the work costs when the machine is shared). */
function time(reps: number, f: (i: number) => void): { wall: number; cpu: number } {
  for (let i = 0; i < Math.min(5, reps); i++) f(i); // warm-up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f(i);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

export async function run(): Promise<{ name: string; ms: number; baselineMs: number | null; note?: string }[]> {
  const rows: { name: string; ms: number; baselineMs: number | null; note?: string }[] = [];
  for (const [layout, shape] of [
    ['NCHW', [16, 16, 16, 16]],
    ['BSD', [64, 32, 32]],
  ] as const) {
    const base = { ...initialState(), layout, shape: shape.map(() => 1), data: [1] } as PanelState;
    const r = reshape(base, shape.slice());
    if (!r.ok) throw new Error(r.message);
    let state = { ...r.state, groups: 4 };
    const env: Env = { profile: profileFor('pytorch', shape.length), fallback: profileFor('pytorch', shape.length) };
    const size = state.data.length;
    const copy = time(30, () => {
      Float32Array.from(state.data);
    });
    const edit = time(30, (i) => {
      const e = setCell(state, (i * 7919) % size, String((i % 13) - 6.5));
      if (!e.ok) throw new Error(e.message);
      state = e.state;
      const v = computeView(state, env);
      cubeView(v, i % size);
    });
    const load = loadAverage();
    rows.push({
      name: `panel: cell edit → view model, ${layout} [${shape.join(',')}] (${size} el.)`,
      ms: edit.wall,
      baselineMs: copy.wall,
      note: `budget 16 ms/frame: ${edit.wall < 16 ? 'within' : 'over'} (wall); CPU time ${edit.cpu.toFixed(2)} ms${load ? `; load average ${load}` : ''}; baseline = Float32Array copy of the data`,
    });
    if (layout === 'BSD') {
      const train = time(3, () => computeTraining({ ...state, trainSteps: 50 }, env));
      rows.push({
        name: 'panel: train-vs-eval simulation, 50 batches (after the frame)',
        ms: train.wall,
        baselineMs: null,
        note: `batches capped at 8192 elements; CPU ${train.cpu.toFixed(1)} ms`,
      });
      const noise = time(3, (i) => computeNoise(i + 2, env));
      rows.push({
        name: 'panel: batch-size noise study (after the frame, cached per seed)',
        ms: noise.wall,
        baselineMs: null,
        note: `CPU ${noise.cpu.toFixed(1)} ms`,
      });
    }
  }
  return rows;
}
