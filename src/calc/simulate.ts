/**
 * "Running-statistics simulator": how many training steps until BatchNorm's running mean and
 * variance are within x% of the data's, for a momentum. Answered twice: in closed form, and by
 * running the core's BatchNorm update step by step (optionally on noisy batches).
 */
import { runLayer, seededSample, Tensor } from '../core/index';
import type { LayerState } from '../core/index';
import type { BatchNormSpec } from '../core/spec';
import type { MomentumConvention } from '../core/conversions';
import { fixed, mdTable, pyFloat, textTable } from '../explain/format';
import { Md, md } from '../explain/markdown';
import { newBatchWeight } from '../core/conversions';
import { updateEquation } from '../explain/convention';
import type { CalcOutcome } from './result';

export interface SimulateRequest {
  /** As written in the framework; null = PyTorch's cumulative average. */
  momentum: number | null;
  convention: MomentumConvention;
  /** Variance stored in running_var: unbiased (PyTorch, MLX) or biased (Keras, Flax, Haiku). */
  storedVariance: 'biased' | 'unbiased';
  dataMean: number;
  /** Variance of the data (population). */
  dataVar: number;
  /** Samples per batch (and channel position). */
  batchSize: number;
  /** Within this many percent of the data's value (of its standard deviation when the mean is 0). */
  tolerancePct: number;
  /** Draw batches from the data distribution (seeded) instead of batches with exactly the data's statistics. */
  noise?: boolean;
  seed?: number;
  initialMean?: number;
  initialVar?: number;
  /** Simulation stops here. */
  maxSteps?: number;
}

export interface StatTrack {
  /** What the running value converges to. */
  limit: number;
  target: number;
  tolerance: number;
  /** Closed form (noise-free batches): steps needed, or null when it never gets within tolerance. */
  closedForm: number | null;
  /** First step at which the simulated value is within tolerance (null: not within maxSteps). */
  simulated: number | null;
  /** Simulated value after the last step. */
  final: number;
  /** Standard deviation of the running value around its limit from batch noise (steady state). */
  noiseSd: number;
}

export interface SimulateResult {
  newWeight: number | null;
  /** Steps simulated (at most maxSteps, 1,000,000 and SIMULATION_BUDGET / batch size). */
  steps: number;
  /** The simulation ended before a statistic reached the tolerance the closed form says it reaches. */
  stoppedEarly: boolean;
  /** What ended it: the step limit, or the work budget for this batch size. */
  limitedBy: 'steps' | 'work';
  mean: StatTrack;
  variance: StatTrack;
  /** Running values after each simulated step (at most 200 points, evenly spread). */
  trajectory: { step: number; mean: number; variance: number }[];
}

const DEFAULT_MAX_STEPS = 20000;
/** Largest batch simulated (values per channel): 8 MB of float64 working memory. */
export const MAX_SIMULATED_BATCH = 1_000_000;
/**
 * Values pushed through the core's BatchNorm step in one simulation (steps × batch size), so the
 * time taken does not depend on what was typed (about a second at most); the simulation stops
 * early, and says so, when the closed form's answer lies beyond it.
 */
export const SIMULATION_BUDGET = 8_000_000;

/** Steps t ≥ 0 until |limit + (start − limit)·q^t − target| ≤ tol, with q = 1 − a; null when never. */
export function stepsWithin(start: number, limit: number, target: number, tol: number, a: number): number | null {
  const e = limit - target;
  const d = start - limit;
  if (Math.abs(start - target) <= tol) return 0;
  if (Math.abs(e) > tol) return null;
  if (a <= 0) return null;
  if (a >= 1) return 1;
  const bound = d > 0 ? (tol - e) / d : (tol + e) / -d;
  if (bound <= 0) return null;
  if (bound >= 1) return 0;
  return Math.max(1, Math.ceil(Math.log(bound) / Math.log(1 - a) - 1e-9));
}

/** A batch of n values whose mean is exactly `mean` and whose unbiased variance is exactly `variance`. */
function exactBatch(n: number, mean: number, variance: number): Float32Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = i - (n - 1) / 2;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += z[i] * z[i];
  const scale = Math.sqrt((variance * (n - 1)) / ss);
  return Float32Array.from(z, (v) => mean + v * scale);
}

export function validateTolerance(text: string): string | null {
  const t = text.trim();
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return `tolerance: '${t}' is not a positive number of percent`;
  const x = Number(t);
  if (x <= 0 || x >= 100) return 'tolerance must be between 0 and 100 percent';
  return null;
}

export function simulateRunningStats(req: SimulateRequest): CalcOutcome<SimulateResult> {
  const n = req.batchSize;
  if (!Number.isInteger(n) || n < 2)
    return { ok: false, message: `batch size must be a whole number ≥ 2 (got ${n}); with 1 value per channel there is no batch variance` };
  if (n > MAX_SIMULATED_BATCH)
    return {
      ok: false,
      message: `batch size ${n} is larger than the ${MAX_SIMULATED_BATCH.toLocaleString('en-US')} values per channel the simulation runs; the closed form does not depend on it beyond the biased-variance factor (n−1)/n`,
    };
  if (req.momentum !== null && !(req.momentum >= 0 && req.momentum <= 1))
    return { ok: false, message: `momentum must be between 0 and 1 (got ${req.momentum})` };
  if (req.momentum === null && req.convention !== 'new-weight')
    return { ok: false, message: 'None (cumulative average) exists only in the new-batch-weight convention' };
  if (!(req.dataVar > 0) || !Number.isFinite(req.dataVar)) return { ok: false, message: `data variance must be positive (got ${req.dataVar})` };
  if (!Number.isFinite(req.dataMean)) return { ok: false, message: 'data mean must be a finite number' };
  if (!(req.tolerancePct > 0 && req.tolerancePct < 100)) return { ok: false, message: 'tolerance must be between 0 and 100 percent' };
  if (req.maxSteps !== undefined && !(Number.isInteger(req.maxSteps) && req.maxSteps >= 1))
    return { ok: false, message: `maxSteps must be a whole number ≥ 1 (got ${req.maxSteps})` };
  // Steps are capped by the request, by 1,000,000 and by the work budget for this batch size.
  const budgetSteps = Math.max(1, Math.floor(SIMULATION_BUDGET / n));
  const maxSteps = Math.min(req.maxSteps ?? DEFAULT_MAX_STEPS, 1_000_000, budgetSteps);
  const limitedBy: SimulateResult['limitedBy'] =
    maxSteps === budgetSteps && budgetSteps < Math.min(req.maxSteps ?? DEFAULT_MAX_STEPS, 1_000_000) ? 'work' : 'steps';
  const m0 = req.initialMean ?? 0;
  const v0 = req.initialVar ?? 1;
  const a = req.momentum === null ? null : newBatchWeight(req.momentum, req.convention);
  const debiased = req.convention === 'decay-debiased';
  const mu = req.dataMean;
  const sigma2 = req.dataVar;
  const tolMean = (req.tolerancePct / 100) * (mu !== 0 ? Math.abs(mu) : Math.sqrt(sigma2));
  const tolVar = (req.tolerancePct / 100) * sigma2;
  // Batches have the data's statistics; what is stored is the unbiased or the biased batch variance.
  const varLimit = req.storedVariance === 'unbiased' ? sigma2 : (sigma2 * (n - 1)) / n;

  // Closed form. A cumulative average, or a zero-debiased average, of identical batches equals
  // the batch from the first step on.
  const closed = (start: number, limit: number, target: number, tol: number) => {
    if (a === null || debiased) {
      if (Math.abs(start - target) <= tol) return 0;
      return Math.abs(limit - target) <= tol ? 1 : null;
    }
    return stepsWithin(start, limit, target, tol, a);
  };
  const meanClosed = closed(m0, mu, mu, tolMean);
  const varClosed = closed(v0, varLimit, sigma2, tolVar);

  // Simulation with the core's BatchNorm update on an (n, 1) batch.
  const spec: BatchNormSpec = {
    kind: 'batch_norm',
    numFeatures: 1,
    eps: 1e-5,
    momentum: a,
    debiasedEma: debiased || undefined,
    hasWeight: false,
    hasBias: false,
    trackRunningStats: true,
    storedVariance: req.storedVariance,
    channelAxis: 1,
  };
  let state: LayerState = { runningMean: Float32Array.of(m0), runningVar: Float32Array.of(v0), numBatchesTracked: 0 };
  const seed = req.seed ?? 0;
  const sd = Math.sqrt(sigma2);
  const deterministic = exactBatch(n, mu, sigma2);
  const within: { mean: number | null; variance: number | null } = {
    mean: Math.abs(m0 - mu) <= tolMean ? 0 : null,
    variance: Math.abs(v0 - sigma2) <= tolVar ? 0 : null,
  };
  const stride = Math.max(1, Math.ceil(maxSteps / 200));
  const trajectory: SimulateResult['trajectory'] = [{ step: 0, mean: m0, variance: v0 }];
  // Without noise, stop once both are settled and the closed form says they stay (monotone approach).
  // (When one never gets within tolerance, ten time constants 10/a show where it settles.)
  const settle = a === null || debiased || a <= 0 ? 1 : Math.ceil(10 / a);
  const needed = req.noise ? maxSteps : Math.min(maxSteps, Math.max(meanClosed ?? settle, varClosed ?? settle) + 1);
  let step: number;
  for (step = 1; step <= needed; step++) {
    let batch: Float32Array;
    if (req.noise) {
      const z = seededSample([n, 1], seed + step).data;
      batch = Float32Array.from(z, (v) => mu + sd * v);
    } else {
      batch = deterministic;
    }
    const res = runLayer({ spec, mode: 'train', input: new Tensor([n, 1], batch), state });
    state = res.state!;
    const rm = state.runningMean[0];
    const rv = state.runningVar[0];
    if (within.mean === null && Math.abs(rm - mu) <= tolMean) within.mean = step;
    if (within.variance === null && Math.abs(rv - sigma2) <= tolVar) within.variance = step;
    if (step % stride === 0 || step === needed) trajectory.push({ step, mean: rm, variance: rv });
  }
  const steps = step - 1;
  // Stopped early: a statistic is still outside the tolerance although the closed form says it gets there later.
  const stoppedEarly = (within.mean === null && meanClosed !== null) || (within.variance === null && varClosed !== null);
  // Steady-state spread of an exponential average of independent batch estimates: √(a / (2 − a)) times theirs.
  const spread = a === null ? 0 : Math.sqrt(a / (2 - a));
  const value: SimulateResult = {
    newWeight: a,
    steps,
    stoppedEarly,
    limitedBy,
    mean: {
      limit: mu,
      target: mu,
      tolerance: tolMean,
      closedForm: meanClosed,
      simulated: within.mean,
      final: state.runningMean[0],
      noiseSd: spread * Math.sqrt(sigma2 / n),
    },
    variance: {
      limit: varLimit,
      target: sigma2,
      tolerance: tolVar,
      closedForm: varClosed,
      simulated: within.variance,
      final: state.runningVar[0],
      noiseSd: spread * varLimit * Math.sqrt(2 / (n - 1)),
    },
    trajectory,
  };
  return { ok: true, value, ...renderSimulation(req, value) };
}

export function renderSimulation(req: SimulateRequest, r: SimulateResult, decimals = 4): { markdown: Md; text: string; copyText: string } {
  const f = (x: number) => fixed(x, decimals);
  const steps = (x: number | null, closedForm: number | null) =>
    x !== null ? String(x) : closedForm !== null ? `not within ${r.steps} steps (stopped early)` : `never (within ${r.steps} steps)`;
  const closed = (x: number | null) => (x === null ? 'never' : String(x));
  const update = req.momentum === null ? 'cumulative average: running ← running + (batch − running) / t' : updateEquation(req.momentum, req.convention);
  const header = ['', 'data', 'converges to', `within ${pyFloat(req.tolerancePct)}% after (closed form)`, 'simulated', 'after last step', 'noise ±1 sd'];
  const rows = [
    [
      'mean',
      f(r.mean.target),
      f(r.mean.limit),
      closed(r.mean.closedForm),
      steps(r.mean.simulated, r.mean.closedForm),
      f(r.mean.final),
      req.noise ? f(r.mean.noiseSd) : '—',
    ],
    [
      'variance',
      f(r.variance.target),
      f(r.variance.limit),
      closed(r.variance.closedForm),
      steps(r.variance.simulated, r.variance.closedForm),
      f(r.variance.final),
      req.noise ? f(r.variance.noiseSd) : '—',
    ],
  ];
  const notes: string[] = [];
  if (r.stoppedEarly) {
    notes.push(
      `The simulation stopped early, after ${r.steps} steps (${r.limitedBy === 'work' ? `the work limit of ${SIMULATION_BUDGET.toLocaleString('en-US')} values for batches of ${req.batchSize}` : 'the step limit'}); the closed form gives the number of steps beyond that.`,
    );
  }
  if (r.variance.limit !== r.variance.target) {
    notes.push(
      `The stored variance is the biased batch variance, so with batches of ${req.batchSize} it settles at σ²·(n−1)/n = ${f(r.variance.limit)}, ${pyFloat(Number((100 / req.batchSize).toPrecision(3)))}% below the data's.`,
    );
  }
  if (req.noise) {
    notes.push(
      `Batches of ${req.batchSize} are drawn from the data distribution (seed ${req.seed ?? 0}); smaller batches make the batch statistics, and so the running ones, noisier.`,
    );
  } else {
    notes.push("Every batch has exactly the data's mean and variance, so the closed form and the simulation must agree.");
  }
  if (req.tolerancePct > 0 && req.dataMean === 0) notes.push('The data mean is 0, so the tolerance for the mean is taken relative to the standard deviation.');
  const title = `Running statistics with ${update}`;
  // Numbers and our own wording only.
  const markdown = Md.join(
    [
      md`**${Md.raw(title)}**`,
      Md.raw(''),
      mdTable(
        header.map(Md.raw),
        rows.map((row) => row.map(Md.raw)),
      ),
      Md.raw(''),
      ...notes.map((n) => md`- ${Md.raw(n)}`),
    ],
    '\n',
  );
  const text = [title, '', textTable(header, rows), '', ...notes.map((n) => `- ${n}`)].join('\n');
  const copyText = JSON.stringify({
    mean: { closedForm: r.mean.closedForm, simulated: r.mean.simulated },
    variance: { closedForm: r.variance.closedForm, simulated: r.variance.simulated },
  });
  return { markdown, text, copyText };
}
