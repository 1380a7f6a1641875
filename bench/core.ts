/**
 * Core benchmarks: BatchNorm training forward on (32,64,56,56), LayerNorm and RMSNorm on
 * (8,512,768), float32, through runLayer (fast kernels, then the reference path alone) and
 * through the WebAssembly kernels with the data already in wasm memory; each beside a
 * Float32Array copy of the same bytes (the memory-bandwidth bound) and single-thread PyTorch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runLayer, seededSample, defaultParams, defaultState, type CoreLayerSpec, type RunRequest } from '../src/core';
import { fastBackend, fastMode, setFastMode, wasmKernels, type FastMode } from '../src/core/fast';

export interface CoreRow {
  name: string;
  ms: number;
  copyBoundMs: number;
  torchMs: number | null;
  note?: string;
}

export interface TorchMedians {
  version: string;
  batch_norm: number;
  layer_norm: number;
  rms_norm: number;
}

/** Median wall time in ms of `fn` after `warmup` untimed calls. */
export function medianMs(fn: () => unknown, warmup: number, repeats: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

/** Runs bench/torch_bench.py under the torch-carrying Python; null with a reason otherwise. */
export function torchMedians(repeats: number, python = '/usr/bin/python3'): { torch: TorchMedians | null; reason?: string } {
  const script = [path.join(__dirname, '..', 'bench', 'torch_bench.py'), path.join(__dirname, 'torch_bench.py')].find(existsSync);
  if (!script) return { torch: null, reason: 'bench/torch_bench.py not found' };
  if (!existsSync(python)) return { torch: null, reason: `${python} not found` };
  try {
    const out = execFileSync(python, [script, String(repeats)], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const parsed = JSON.parse(out.trim().split('\n').pop() ?? '{}');
    if (parsed.torch === null) return { torch: null, reason: parsed.reason ?? 'torch unavailable' };
    return { torch: { version: parsed.torch, batch_norm: parsed.batch_norm, layer_norm: parsed.layer_norm, rms_norm: parsed.rms_norm } };
  } catch (e) {
    return { torch: null, reason: `torch bench failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

interface Case {
  key: 'batch_norm' | 'layer_norm' | 'rms_norm';
  label: string;
  shape: number[];
  spec: CoreLayerSpec;
  repeats: number;
}

export const CASES: Case[] = [
  {
    key: 'batch_norm',
    label: 'BatchNorm2d train (32,64,56,56)',
    shape: [32, 64, 56, 56],
    spec: {
      kind: 'batch_norm', numFeatures: 64, eps: 1e-5, momentum: 0.1, hasWeight: true, hasBias: true,
      trackRunningStats: true, storedVariance: 'unbiased', channelAxis: 1, allowedRanks: [4], layerName: 'BatchNorm2d',
    },
    repeats: 15,
  },
  {
    key: 'layer_norm',
    label: 'LayerNorm(768) (8,512,768)',
    shape: [8, 512, 768],
    spec: { kind: 'layer_norm', normalizedShape: [768], eps: 1e-5, hasWeight: true, hasBias: true },
    repeats: 31,
  },
  {
    key: 'rms_norm',
    label: 'RMSNorm(768) (8,512,768)',
    shape: [8, 512, 768],
    spec: { kind: 'rms_norm', normalizedShape: [768], eps: null, hasWeight: true },
    repeats: 31,
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
  const run =
    c.key === 'batch_norm'
      ? () => k.batchNormTrain(xin, n, ch, x.length / (n * ch), w, b, 1e-5, out)
      : c.key === 'layer_norm'
        ? () => k.layerNorm(xin, x.length / 768, 768, w, b, 1e-5, out)
        : () => k.rmsNorm(xin, x.length / 768, 768, w, 1.1920928955078125e-7, out);
  return { run, output: () => out.data, free: () => (xin.free(), out.free()) };
}

export function runCoreBench(torch: TorchMedians | null, scale = 1): CoreRow[] {
  const rows: CoreRow[] = [];
  const saved: FastMode = fastMode();
  for (const c of CASES) {
    const reps = Math.max(3, Math.round(c.repeats * scale));
    const x = seededSample(c.shape, 7);
    const params = defaultParams(c.spec, c.shape);
    const state = defaultState(c.spec, c.shape);
    const req: RunRequest = { spec: c.spec, mode: 'train', input: x, params, state };
    const torchMs = torch ? torch[c.key] : null;

    const src = x.data;
    const dst = new Float32Array(src.length);
    const copyBoundMs = medianMs(() => dst.set(src), 3, reps);

    setFastMode('off');
    const reference = runLayer(req).output.data;
    const refMs = medianMs(() => runLayer(req), 2, reps);

    setFastMode(saved);
    const backend = fastBackend();
    const fastOut = runLayer(req).output.data;
    const fastMs = medianMs(() => runLayer(req), 3, reps);
    rows.push({
      name: `${c.label} runLayer`, ms: fastMs, copyBoundMs, torchMs,
      note: `${backend} kernels incl. copies; max|Δ| vs reference ${maxAbsDiff(fastOut, reference).toExponential(1)}`,
    });
    rows.push({ name: `${c.label} runLayer reference JS`, ms: refMs, copyBoundMs, torchMs, note: 'float64 two-pass reference path' });

    const resident = residentKernel(c, src, params);
    if (resident) {
      const ms = medianMs(resident.run, 3, reps);
      rows.push({
        name: `${c.label} wasm kernel resident`, ms, copyBoundMs, torchMs,
        note: `data in wasm memory; max|Δ| vs reference ${maxAbsDiff(resident.output(), reference).toExponential(1)}`,
      });
      resident.free();
    }
  }
  setFastMode(saved);
  return rows;
}
