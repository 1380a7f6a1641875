/**
 * Core benchmarks: BatchNorm training forward on (32,64,56,56), LayerNorm and RMSNorm on
 * (8,512,768), float32, through runLayer (fast kernels, then the reference path alone) and
 * through the WebAssembly kernels with the data already in wasm memory; each beside a
 * Float32Array copy of the same bytes (the memory-bandwidth bound) and single-thread PyTorch.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runLayer, seededSample, defaultParams, defaultState, FLOAT32_EPS, type CoreLayerSpec, type RunRequest } from '../src/core';
import { fastBackend, fastMode, setFastMode, wasmKernels, type FastMode } from '../src/core/fast';

export interface CoreRow {
  name: string;
  ms: number;
  copyBoundMs: number;
  torchMs: number | null;
  note?: string;
}

/**
 * Medians in ms of several functions timed in alternating rounds, so a change in machine load
 * during the run affects all of them alike (their ratios stay meaningful).
 */
export function interleavedMedians(fns: (() => unknown)[], warmup: number, repeats: number): number[] {
  for (let i = 0; i < warmup; i++) for (const f of fns) f();
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < repeats; i++) {
    fns.forEach((f, k) => {
      const t0 = performance.now();
      f();
      times[k].push(performance.now() - t0);
    });
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    const mid = t.length >> 1;
    return t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
  });
}

/**
 * PyTorch timings from bench/torch_bench.py --serve under the torch-carrying Python, asked for
 * one case at a time so they can alternate with ours.
 */
export class TorchTimer {
  private lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly version: string,
  ) {}

  /** Starts the server; null with the reason when torch (or its Python) is unavailable. */
  static async start(python = '/usr/bin/python3'): Promise<{ timer: TorchTimer | null; reason?: string }> {
    const script = [path.join(__dirname, '..', 'bench', 'torch_bench.py'), path.join(__dirname, 'torch_bench.py')].find(existsSync);
    if (!script) return { timer: null, reason: 'bench/torch_bench.py not found' };
    if (!existsSync(python)) return { timer: null, reason: `${python} not found` };
    const child = spawn(python, [script, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const t = new TorchTimer(child, '');
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        t.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', () => t.push(null));
    child.on('error', () => t.push(null));
    const hello = await t.next();
    if (hello === null) return { timer: null, reason: `torch bench did not start: ${stderr.trim().split('\n').pop() ?? ''}` };
    const info = JSON.parse(hello) as { torch: string | null; reason?: string };
    if (!info.torch) {
      child.kill();
      return { timer: null, reason: info.reason ?? 'torch unavailable' };
    }
    return { timer: Object.assign(t, { version: info.torch }) };
  }

  private push(line: string | null): void {
    if (line === null) this.closed = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(line);
    } else if (line !== null) this.lines.push(line);
  }

  private next(): Promise<string | null> {
    if (this.lines.length) return Promise.resolve(this.lines.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** `count` timings in ms of one case, measured inside the Python process. */
  async time(key: string, count: number): Promise<number[]> {
    this.child.stdin.write(`${key} ${count}\n`);
    const line = await this.next();
    if (line === null) throw new Error('torch bench exited');
    const parsed = JSON.parse(line);
    if (!Array.isArray(parsed)) throw new Error(`torch bench: ${parsed.error ?? line}`);
    return parsed as number[];
  }

  close(): void {
    this.child.stdin.end();
  }
}

const BURST = 3;

const median = (t: number[]) => {
  const s = t.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

interface Case {
  key: 'batch_norm' | 'layer_norm' | 'rms_norm';
  label: string;
  shape: number[];
  spec: CoreLayerSpec;
  repeats: number;
  /** Goal for the fast kernels, as a fraction of single-thread PyTorch's time. */
  target: number;
}

export const CASES: Case[] = [
  {
    key: 'batch_norm',
    label: 'BatchNorm2d train (32,64,56,56)',
    shape: [32, 64, 56, 56],
    spec: {
      kind: 'batch_norm',
      numFeatures: 64,
      eps: 1e-5,
      momentum: 0.1,
      hasWeight: true,
      hasBias: true,
      trackRunningStats: true,
      storedVariance: 'unbiased',
      channelAxis: 1,
      allowedRanks: [4],
      layerName: 'BatchNorm2d',
    },
    repeats: 15,
    target: 0.5,
  },
  {
    key: 'layer_norm',
    label: 'LayerNorm(768) (8,512,768)',
    shape: [8, 512, 768],
    spec: { kind: 'layer_norm', normalizedShape: [768], eps: 1e-5, hasWeight: true, hasBias: true },
    repeats: 31,
    target: 1.0,
  },
  {
    key: 'rms_norm',
    label: 'RMSNorm(768) (8,512,768)',
    shape: [8, 512, 768],
    spec: { kind: 'rms_norm', normalizedShape: [768], eps: null, hasWeight: true },
    repeats: 31,
    target: 0.7,
  },
];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The resident-data kernel call for one case, on tensors allocated in wasm memory. */
function residentKernel(c: Case, x: Float32Array, params: { weight?: Float32Array | null; bias?: Float32Array | null }) {
  const k = wasmKernels();
  if (!k) return null;
  const xin = k.alloc(x.length);
  xin.data.set(x);
  const out = k.alloc(x.length);
  const w = params.weight ?? null;
  const b = params.bias ?? null;
  const [n, ch] = c.shape;
  const cols = c.shape[c.shape.length - 1];
  const spec = c.spec;
  const run =
    spec.kind === 'batch_norm'
      ? () => k.batchNormTrain(xin, n, ch, x.length / (n * ch), w, b, spec.eps, out)
      : spec.kind === 'layer_norm'
        ? () => k.layerNorm(xin, x.length / cols, cols, w, b, spec.eps, out)
        : spec.kind === 'rms_norm'
          ? () => k.rmsNorm(xin, x.length / cols, cols, w, spec.eps ?? FLOAT32_EPS, out)
          : null;
  if (!run) {
    xin.free();
    out.free();
    return null;
  }
  return { run, output: () => out.data, free: () => (xin.free(), out.free()) };
}

/**
 * Per case: the reference path (beside the copy), then rounds that time PyTorch, the copy bound,
 * runLayer with the fast kernels and the resident kernel in turn; medians over all runs.
 */
export async function runCoreBench(torch: TorchTimer | null, scale = 1): Promise<CoreRow[]> {
  const rows: CoreRow[] = [];
  const saved: FastMode = fastMode();
  try {
    for (const c of CASES) {
      const reps = Math.max(3, Math.round(c.repeats * scale));
      const x = seededSample(c.shape, 7);
      const params = defaultParams(c.spec, c.shape);
      const state = defaultState(c.spec, c.shape);
      const req: RunRequest = { spec: c.spec, mode: 'train', input: x, params, state };
      const src = x.data;
      const dst = new Float32Array(src.length);
      const copy = () => dst.set(src);

      setFastMode('off');
      const reference = runLayer(req).output.data;
      const [refMs, refCopyMs] = interleavedMedians([() => runLayer(req), copy], 2, Math.max(3, Math.ceil(reps / 3)));

      setFastMode(saved);
      const backend = fastBackend();
      const fastOut = runLayer(req).output.data;
      const resident = residentKernel(c, src, params);
      const fns = [copy, () => runLayer(req), ...(resident ? [resident.run] : [])];
      const times = fns.map(() => [] as number[]);
      const torchTimes: number[] = [];
      if (torch) await torch.time(c.key, 3);
      for (let i = 0; i < 3; i++) for (const f of fns) f();
      // Rounds of BURST back-to-back runs per contender: most runs find their own data in cache,
      // as in a plain loop, while load changes during the run still hit every contender alike.
      for (let r = 0; r < Math.ceil(reps / BURST); r++) {
        if (torch) torchTimes.push(...(await torch.time(c.key, BURST)));
        fns.forEach((f, k) => {
          for (let b = 0; b < BURST; b++) {
            const t0 = performance.now();
            f();
            times[k].push(performance.now() - t0);
          }
        });
      }
      const [copyBoundMs, fastMs, residentMs] = times.map(median);
      const torchMs = torch ? median(torchTimes) : null;
      const goal = (ms: number) => (torchMs === null ? '' : `; goal ≤${c.target.toFixed(1)}× torch ${ms <= c.target * torchMs ? 'met' : 'missed'}`);

      rows.push({ name: `${c.label} runLayer reference JS`, ms: refMs, copyBoundMs: refCopyMs, torchMs, note: 'float64 two-pass reference path' });
      rows.push({
        name: `${c.label} runLayer`,
        ms: fastMs,
        copyBoundMs,
        torchMs,
        note: `${backend} kernels incl. copies; max|Δ| vs reference ${maxAbsDiff(fastOut, reference).toExponential(1)}${goal(fastMs)}`,
      });
      if (resident) {
        rows.push({
          name: `${c.label} wasm kernel resident`,
          ms: residentMs,
          copyBoundMs,
          torchMs,
          note: `data in wasm memory; max|Δ| vs reference ${maxAbsDiff(resident.output(), reference).toExponential(1)}${goal(residentMs)}`,
        });
        resident.free();
      }
    }
  } finally {
    setFastMode(saved);
  }
  return rows;
}
