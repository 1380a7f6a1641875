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

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(reps: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(5, reps); i++) f(i); // warm-up (JIT)
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f(i);
    t.push(performance.now() - t0);
  }
  return median(t);
}

export async function run(): Promise<{ name: string; ms: number; baselineMs: number | null; note?: string }[]> {
  const rows: { name: string; ms: number; baselineMs: number | null; note?: string }[] = [];
  for (const [layout, shape] of [['NCHW', [16, 16, 16, 16]], ['BSD', [64, 32, 32]]] as const) {
    const base = { ...initialState(), layout, shape: shape.map(() => 1), data: [1] } as PanelState;
    const r = reshape(base, shape.slice());
    if (!r.ok) throw new Error(r.message);
    let state = { ...r.state, groups: 4 };
    const env: Env = { profile: profileFor('pytorch', shape.length), fallback: profileFor('pytorch', shape.length) };
    const size = state.data.length;
    const copyMs = time(30, () => {
      Float32Array.from(state.data);
    });
    const editMs = time(30, (i) => {
      const e = setCell(state, (i * 7919) % size, String((i % 13) - 6.5));
      if (!e.ok) throw new Error(e.message);
      state = e.state;
      const v = computeView(state, env);
      cubeView(v, i % size);
    });
    rows.push({
      name: `panel: edit + view model, ${layout} [${shape.join(',')}] (${size} el.)`,
      ms: editMs,
      baselineMs: copyMs,
      note: `budget 16 ms/frame; ${editMs < 16 ? 'within' : 'OVER'}; baseline = Float32Array copy of the data`,
    });
    if (layout === 'BSD') {
      const trainMs = time(3, () => computeTraining({ ...state, trainSteps: 50 }, env));
      rows.push({ name: 'panel: train-vs-eval simulation, 50 batches (after the frame)', ms: trainMs, baselineMs: null, note: 'batches capped at 8192 elements' });
      const noiseMs = time(3, (i) => computeNoise(i + 2));
      rows.push({ name: 'panel: batch-size noise study (after the frame, cached per seed)', ms: noiseMs, baselineMs: null });
    }
  }
  return rows;
}
