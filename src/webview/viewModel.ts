/**
 * The panel's view model: from a PanelState to what the panel draws, as plain data. Pure (no
 * DOM), so it runs under Node in the unit tests and benchmark exactly as in the webview. Every
 * number comes from the shared core (runLayer, statGroupIndex, seededSample, conversions).
 *
 * Work is split by how often it changes: `computeView` runs after every edit and must stay well
 * inside a frame for 64k elements; the training simulation, the batch-size study and the
 * exercise's measurements are separate functions the DOM layer runs after the frame.
 */
import { product } from '../core/tensor';
import { runLayer, statGroupIndex, defaultState, seededSample, convertMomentum, Tensor, FLOAT32_EPS } from '../core';
import type { LayerState } from '../core';
import type { CoreLayerSpec } from '../core/spec';
import { NormError } from '../core/errors';
import type { Layout, PanelMethod, PanelState } from '../protocol';
import { PANEL_METHODS, MAX_ELEMENTS, MAX_TRAIN_STEPS } from '../protocol';
export { MAX_TRAIN_STEPS };
import type { FrameworkProfile, MethodProfile } from './profile';

export const METHOD_TITLES: Record<PanelMethod, string> = {
  batch_norm: 'BatchNorm',
  layer_norm: 'LayerNorm',
  rms_norm: 'RMSNorm',
  group_norm: 'GroupNorm',
  instance_norm: 'InstanceNorm',
};

/** Grid cells drawn per tensor; larger tensors are summarised (histograms and statistics still cover every element). */
export const DISPLAY_LIMIT = 384;
export const MAX_GRID_ROWS = 16;
export const MAX_GRID_COLS = 16;
export const MAX_STAT_ROWS = 16;
export const HISTOGRAM_BINS = 24;
/** Distinct group colours; groups beyond this reuse colours (the group number is always in the cell's label). */
export const PALETTE_SIZE = 12;
/** Cube faces are drawn with at most this many cells per axis. */
export const CUBE_MAX_CELLS = 8;

export interface Env {
  profile: FrameworkProfile;
  /** Used for a method the chosen framework has no class for (the panel says so). */
  fallback: FrameworkProfile;
}

export const AXIS_NAMES: Record<Layout, string[]> = {
  NCL: ['N', 'C', 'L'],
  NCHW: ['N', 'C', 'H', 'W'],
  BSD: ['batch', 'seq', 'dim'],
};

/** Index of the axis holding channels/features. */
export const channelAxisOf = (layout: Layout): number => (layout === 'BSD' ? 2 : 1);

/** N, C and the product of the remaining (spatial or sequence) axes, the cube's three edges. */
export function cubeDims(layout: Layout, shape: readonly number[]): { n: number; c: number; s: number } {
  const ch = channelAxisOf(layout);
  let s = 1;
  for (let i = 1; i < shape.length; i++) if (i !== ch) s *= shape[i];
  return { n: shape[0], c: shape[ch], s };
}

/** Flat row-major index of the element at batch n, channel c, spatial position s. */
export function flatIndex(layout: Layout, shape: readonly number[], n: number, c: number, s: number): number {
  return indexer(layout, shape)(n, c, s);
}

/** flatIndex with the dimensions worked out once, for loops. */
export function indexer(layout: Layout, shape: readonly number[]): (n: number, c: number, s: number) => number {
  const { c: C, s: S } = cubeDims(layout, shape);
  return layout === 'BSD' ? (n, c, s) => (n * S + s) * C + c : (n, c, s) => (n * C + c) * S + s;
}

export function cubeCoords(layout: Layout, shape: readonly number[], index: number): { n: number; c: number; s: number } {
  const { c: C, s: S } = cubeDims(layout, shape);
  if (layout === 'BSD') return { n: Math.floor(index / (S * C)), s: Math.floor(index / C) % S, c: index % C };
  return { n: Math.floor(index / (C * S)), c: Math.floor(index / S) % C, s: index % S };
}

export { product };

export function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Problems with a shape, worded for the person typing it; null when acceptable. */
export function shapeProblem(layout: Layout, shape: readonly number[]): string | null {
  const names = AXIS_NAMES[layout];
  if (shape.length !== names.length) return `The ${layout} layout has ${names.length} dimensions (${names.join(', ')}); got ${shape.length}.`;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 1) return `Dimension ${names[i]} must be a whole number ≥ 1; got ${Number.isFinite(d) ? d : String(d)}.`;
  }
  const size = product(shape);
  if (size > MAX_ELEMENTS) {
    return `[${shape.join(', ')}] has ${size.toLocaleString('en-US')} elements; the panel computes up to ${MAX_ELEMENTS.toLocaleString('en-US')} (64k) so every edit redraws within a frame. Make a dimension smaller.`;
  }
  return null;
}

export interface MethodSetup {
  method: PanelMethod;
  title: string;
  /** The framework's class name, or null when it has none (then `note` says whose default is used). */
  className: string | null;
  spec: CoreLayerSpec | null;
  weight: Float32Array | null;
  bias: Float32Array | null;
  /** Why the method cannot run on this input (e.g. GroupNorm divisibility); null when it can. */
  problem: string | null;
  notes: string[];
}

export function momentumNewWeight(
  state: PanelState,
  env: Env,
): { value: number; debiased: boolean; written: number; convention: string; param: string; borrowed: boolean } {
  const p = env.profile;
  const convention = p.momentumConvention ?? 'new-weight';
  let written = state.momentum ?? p.momentumDefault;
  const borrowed = written === null;
  if (written === null) {
    // The framework has no default (it requires the argument): start from the fallback's value, in this framework's terms.
    const fb = env.fallback;
    if (fb.momentumDefault === null) throw new Error(`the framework table gives no BatchNorm momentum default for ${fb.name}`);
    written = convertMomentum(fb.momentumDefault, fb.momentumConvention ?? 'new-weight', convention);
  }
  return {
    value: convertMomentum(written, convention, 'new-weight'),
    debiased: convention === 'decay-debiased',
    written,
    convention,
    param: p.momentumParam ?? 'momentum',
    borrowed,
  };
}

/**
 * What this framework's class needs to normalize per channel on this layout, when the layout's
 * channel axis is not the one the class reads: channels-first classes (PyTorch's BatchNorm1d,
 * GroupNorm, InstanceNorm1d) take channels on dim 1, so (batch, seq, dim) needs a transpose;
 * channels-last classes (Keras, Flax, Haiku, MLX) normalize the last axis unless told otherwise.
 */
export function layoutNote(method: PanelMethod, layout: Layout, profile: FrameworkProfile, mp: MethodProfile, channels: number): string | null {
  if (method !== 'batch_norm' && method !== 'group_norm' && method !== 'instance_norm') return null;
  const channelsLastLayout = layout === 'BSD';
  if (profile.channels === 'first' && channelsLastLayout) {
    return `${mp.className} reads channels on dim 1 (N, C, L): on (batch, seq, dim) it would take seq as the channels and raise unless seq = ${channels}. Write ${mp.className}(...)(x.transpose(1, 2)).transpose(1, 2) to normalize per dim, as shown here.`;
  }
  if (profile.channels === 'last' && !channelsLastLayout) {
    const axis = mp.cls.roles.axis;
    const last = layout === 'NCL' ? '(N, L, C)' : '(N, H, W, C)';
    return axis
      ? `${mp.className} normalizes the last axis by default: for this channels-first layout pass ${axis}=1, or transpose the input to ${last}.`
      : `${mp.className} expects channels last: transpose the input to ${last} (and back) to get what is shown here.`;
  }
  return null;
}

/** Builds the core spec of each method for this state, or the reason it cannot run. */
export function methodSetups(state: PanelState, env: Env): MethodSetup[] {
  const { layout, shape } = state;
  const ch = channelAxisOf(layout);
  const C = shape[ch];
  const normalizedShape = layout === 'BSD' ? [shape[shape.length - 1]] : shape.slice(1);
  const normLen = product(normalizedShape);
  const out: MethodSetup[] = [];
  for (const method of PANEL_METHODS) {
    const own = env.profile.methods[method];
    const mp = own ?? env.fallback.methods[method];
    const notes: string[] = [];
    if (!own)
      notes.push(`${env.profile.name} has no built-in ${METHOD_TITLES[method]}; shown with ${env.fallback.name}'s defaults${mp ? ` (${mp.className})` : ''}.`);
    const transpose = mp ? layoutNote(method, layout, own ? env.profile : env.fallback, mp, C) : null;
    if (transpose) notes.push(transpose);
    const eps = state.eps ?? mp?.eps ?? null;
    const fill = (n: number, v: number) => new Float32Array(n).fill(v);
    let spec: CoreLayerSpec | null = null;
    let weight: Float32Array | null = fill(C, state.gamma);
    let bias: Float32Array | null = fill(C, state.beta);
    let problem: string | null = null;
    const epsNumber = eps ?? FLOAT32_EPS; // what eps=None means where a framework allows it
    switch (method) {
      case 'batch_norm': {
        const m = momentumNewWeight(state, env);
        spec = {
          kind: 'batch_norm',
          numFeatures: C,
          eps: epsNumber,
          momentum: m.value,
          debiasedEma: m.debiased || undefined,
          hasWeight: true,
          hasBias: true,
          trackRunningStats: true,
          storedVariance: env.profile.storedVariance,
          channelAxis: ch,
          layerName: mp?.className,
          // Keras, Flax, Haiku and MLX normalize a batch of one and accept ε = 0; PyTorch (and Paddle) refuse.
          ...(env.profile.id === 'pytorch' || env.profile.id === 'paddle' ? {} : { checks: 'none' as const }),
        };
        break;
      }
      case 'layer_norm':
        spec = { kind: 'layer_norm', normalizedShape, eps: epsNumber, hasWeight: true, hasBias: true };
        weight = fill(normLen, state.gamma);
        bias = fill(normLen, state.beta);
        break;
      case 'rms_norm':
        spec = { kind: 'rms_norm', normalizedShape, eps, hasWeight: true };
        weight = fill(normLen, state.gamma);
        bias = null;
        if (state.beta !== 0) notes.push('RMSNorm has no shift β; only γ applies.');
        break;
      case 'group_norm': {
        const G = state.groups;
        if (G > C) problem = `GroupNorm: ${G} groups is more than the ${C} channels. Choose one of: ${divisors(C).join(', ')}.`;
        else if (C % G !== 0)
          problem = `GroupNorm: ${C} channels cannot be split into ${G} equal groups (${C} is not divisible by ${G}). Choose one of: ${divisors(C).join(', ')}.`;
        else spec = { kind: 'group_norm', numGroups: G, numChannels: C, eps: epsNumber, hasWeight: true, hasBias: true, channelAxis: ch };
        break;
      }
      case 'instance_norm':
        spec = {
          // Running statistics are off (trackRunningStats false), so momentum is never used here.
          kind: 'instance_norm',
          numFeatures: C,
          eps: epsNumber,
          momentum: null,
          hasWeight: true,
          hasBias: true,
          trackRunningStats: false,
          channelAxis: ch,
          batchedRank: shape.length,
          layerName: mp?.className,
        };
        if (mp?.affine === false) notes.push(`${mp.className} has affine=False by default; γ and β are applied here to compare like with like.`);
        break;
    }
    out.push({ method, title: METHOD_TITLES[method], className: mp?.className ?? null, spec, weight, bias, problem, notes });
  }
  return out;
}

export interface Histogram {
  min: number;
  max: number;
  counts: Uint32Array;
  maxCount: number;
}

function range(data: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // NaN compares false both ways and is skipped.
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return [min, max];
}

function binCounts(data: Float32Array, min: number, scale: number, bins: number): Uint32Array {
  const counts = new Uint32Array(bins);
  const last = bins - 1;
  for (let i = 0; i < data.length; i++) {
    let b = Math.floor((data[i] - min) * scale);
    if (b > last) b = last;
    if (b >= 0) counts[b] = counts[b] + 1; // NaN gives NaN, skipped
  }
  return counts;
}

/** Counts over the whole tensor in `bins` equal bins between its min and max. */
export function histogram(data: Float32Array, bins = HISTOGRAM_BINS): Histogram {
  const [min, max] = range(data);
  if (data.length === 0 || !Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 0, counts: new Uint32Array(bins), maxCount: 0 };
  const counts = binCounts(data, min, max > min ? bins / (max - min) : 0, bins);
  let maxCount = 0;
  for (let i = 0; i < bins; i++) if (counts[i] > maxCount) maxCount = counts[i];
  return { min, max, counts, maxCount };
}

export interface GridBlock {
  label: string;
  /** Flat index of the block's first element; rows/cols below index from it. */
  start: number;
  rows: number;
  cols: number;
  /** Row stride in the flat data (the tensor's last dimension). */
  stride: number;
}

export interface GridView {
  blocks: GridBlock[];
  rowLabel: string;
  colLabel: string;
  shown: number;
  total: number;
  truncated: boolean;
}

/** The tensor as 2-D blocks over its last two axes, capped at DISPLAY_LIMIT cells. */
export function gridView(layout: Layout, shape: readonly number[]): GridView {
  const names = AXIS_NAMES[layout];
  const rank = shape.length;
  const R = shape[rank - 2];
  const Cc = shape[rank - 1];
  const rows = Math.min(R, MAX_GRID_ROWS);
  const cols = Math.min(Cc, MAX_GRID_COLS);
  const blockCount = product(shape.slice(0, rank - 2));
  const perBlock = rows * cols;
  const maxBlocks = Math.max(1, Math.floor(DISPLAY_LIMIT / perBlock));
  const blocks: GridBlock[] = [];
  for (let b = 0; b < Math.min(blockCount, maxBlocks); b++) {
    const idx: string[] = [];
    let rem = b;
    for (let a = rank - 3; a >= 0; a--) {
      idx.unshift(`${names[a]}=${rem % shape[a]}`);
      rem = Math.floor(rem / shape[a]);
    }
    blocks.push({ label: idx.join(', '), start: b * R * Cc, rows, cols, stride: Cc });
  }
  const shown = blocks.length * perBlock;
  const total = product(shape);
  return { blocks, rowLabel: names[rank - 2], colLabel: names[rank - 1], shown, total, truncated: shown < total };
}

export interface StatRow {
  group: number;
  label: string;
  mean: number;
  variance: number;
  /** RMSNorm: root mean square (its only statistic). */
  rms: number | null;
  count: number;
}

export interface MethodView {
  method: PanelMethod;
  title: string;
  className: string | null;
  /** Over which elements the statistics are taken, in words for this layout. */
  over: string;
  problem: string | null;
  notes: string[];
  spec: CoreLayerSpec | null;
  output: Float32Array | null;
  groupIndex: Int32Array | null;
  groupCount: number;
  stats: StatRow[];
  statsTruncated: boolean;
  histogram: Histogram | null;
}

export interface View {
  state: PanelState;
  axisNames: string[];
  size: number;
  input: Float32Array;
  grid: GridView;
  inputHistogram: Histogram;
  methods: MethodView[];
  momentum: ReturnType<typeof momentumNewWeight>;
}

function overText(method: PanelMethod, layout: Layout, shape: readonly number[], groups: number): string {
  const names = AXIS_NAMES[layout];
  const ch = names[channelAxisOf(layout)];
  const rest = names.filter((_, i) => i !== 0 && i !== channelAxisOf(layout));
  const normalized = layout === 'BSD' ? [names[2]] : names.slice(1);
  switch (method) {
    case 'batch_norm':
      return `per ${ch}, over ${[names[0], ...rest].join(' · ')}`;
    case 'layer_norm':
      return `per ${layout === 'BSD' ? `${names[0]} · ${names[1]} position` : names[0]}, over ${normalized.join(' · ')}`;
    case 'rms_norm':
      return `root mean square per ${layout === 'BSD' ? `${names[0]} · ${names[1]} position` : names[0]}, over ${normalized.join(' · ')} (no mean subtracted)`;
    case 'group_norm':
      return `per ${names[0]} and group of ${shape[channelAxisOf(layout)] % groups === 0 ? shape[channelAxisOf(layout)] / groups : '?'} ${ch}, over those ${ch}${rest.length ? ' · ' + rest.join(' · ') : ''}`;
    case 'instance_norm':
      return `per ${names[0]} and ${ch}, over ${rest.join(' · ')}`;
  }
}

function groupLabel(method: PanelMethod, layout: Layout, shape: readonly number[], g: number, groups: number): string {
  const names = AXIS_NAMES[layout];
  const ch = channelAxisOf(layout);
  const C = shape[ch];
  switch (method) {
    case 'batch_norm':
      return `${names[ch]}=${g}`;
    case 'layer_norm':
    case 'rms_norm':
      return layout === 'BSD' ? `${names[0]}=${Math.floor(g / shape[1])}, ${names[1]}=${g % shape[1]}` : `${names[0]}=${g}`;
    case 'group_norm': {
      const per = C / groups;
      const k = g % groups;
      return `${names[0]}=${Math.floor(g / groups)}, group ${k} (${names[ch]} ${k * per}–${(k + 1) * per - 1})`;
    }
    case 'instance_norm':
      return `${names[0]}=${Math.floor(g / C)}, ${names[ch]}=${g % C}`;
  }
}

// statGroupIndex depends only on spec and shape, not on values: cache it so value edits skip it.
const groupIndexCache = new Map<string, { groups: number; index: Int32Array }>();
function cachedGroupIndex(spec: CoreLayerSpec, shape: readonly number[]): { groups: number; index: Int32Array } {
  const key = JSON.stringify(spec) + '|' + shape.join(',');
  let hit = groupIndexCache.get(key);
  if (!hit) {
    if (groupIndexCache.size > 32) groupIndexCache.clear();
    hit = statGroupIndex(spec, shape);
    groupIndexCache.set(key, hit);
  }
  return hit;
}

export function errorText(e: unknown): string {
  if (e instanceof NormError) return e.type === 'InputError' ? e.message : `${e.type}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Runs every method in training mode (batch statistics) on the state's input. */
export function computeView(state: PanelState, env: Env): View {
  const input = Float32Array.from(state.data);
  const tensor = new Tensor(state.shape, input);
  const methods: MethodView[] = [];
  for (const setup of methodSetups(state, env)) {
    const view: MethodView = {
      method: setup.method,
      title: setup.title,
      className: setup.className,
      over: overText(setup.method, state.layout, state.shape, state.groups),
      problem: setup.problem,
      notes: setup.notes,
      spec: setup.spec,
      output: null,
      groupIndex: null,
      groupCount: 0,
      stats: [],
      statsTruncated: false,
      histogram: null,
    };
    methods.push(view);
    if (!setup.spec) continue;
    try {
      const res = runLayer({
        spec: setup.spec,
        mode: 'train',
        input: tensor,
        params: { weight: setup.weight, bias: setup.bias },
        state: setup.spec.kind === 'batch_norm' ? defaultState(setup.spec, state.shape) : null,
      });
      view.output = res.output.data;
      const gi = cachedGroupIndex(setup.spec, state.shape);
      view.groupIndex = gi.index;
      view.groupCount = gi.groups;
      if (res.stats) {
        const n = Math.min(gi.groups, MAX_STAT_ROWS);
        const isRms = setup.method === 'rms_norm';
        for (let g = 0; g < n; g++) {
          const v = res.stats.variance[g];
          view.stats.push({
            group: g,
            label: groupLabel(setup.method, state.layout, state.shape, g, state.groups),
            mean: isRms ? NaN : res.stats.mean[g],
            variance: v,
            rms: isRms ? Math.sqrt(v) : null,
            count: res.stats.count,
          });
        }
        view.statsTruncated = gi.groups > n;
      }
      view.histogram = histogram(view.output);
    } catch (e) {
      view.problem = errorText(e);
      view.output = null;
    }
  }
  return {
    state,
    axisNames: AXIS_NAMES[state.layout],
    size: input.length,
    input,
    grid: gridView(state.layout, state.shape),
    inputHistogram: histogram(input),
    methods,
    momentum: momentumNewWeight(state, env),
  };
}

export interface CubeFace {
  /** Cells along the face's horizontal and vertical axes. */
  cols: number;
  rows: number;
  /** Fraction (0..1) of the elements under each cell, row-major, that share the hovered element's statistics. */
  share: Float32Array;
  /** Cell holding the hovered element itself. */
  hoveredCell: number;
}

export interface CubeMethod {
  method: PanelMethod;
  title: string;
  available: boolean;
  /** Elements sharing statistics with the hovered one, over the whole tensor. */
  groupSize: number;
  front: CubeFace; // C across, spatial down, at the hovered n
  top: CubeFace; // C across, N in depth, at the hovered spatial position
  side: CubeFace; // N in depth, spatial down, at the hovered c
}

export interface CubeView {
  dims: { n: number; c: number; s: number };
  labels: { n: string; c: string; s: string };
  hovered: { index: number; n: number; c: number; s: number };
  methods: CubeMethod[];
}

/** Splits an axis of `len` into at most CUBE_MAX_CELLS bins; returns each bin's [start, end). */
function bins(len: number): [number, number][] {
  const k = Math.min(len, CUBE_MAX_CELLS);
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) out.push([Math.floor((i * len) / k), Math.floor(((i + 1) * len) / k)]);
  return out;
}

const binOf = (len: number, i: number): number => Math.min(Math.floor((i * Math.min(len, CUBE_MAX_CELLS)) / len), CUBE_MAX_CELLS - 1);

/**
 * The N × C × (spatial) cube of the Group Normalization paper's figure, cut through the hovered
 * element: each face is a slice through it, shaded where elements share its statistics.
 */
export function cubeView(view: View, hoveredIndex: number): CubeView {
  const { layout, shape } = view.state;
  const dims = cubeDims(layout, shape);
  const idx = Math.max(0, Math.min(view.size - 1, Math.floor(hoveredIndex)));
  const h = cubeCoords(layout, shape, idx);
  const names = AXIS_NAMES[layout];
  const ch = channelAxisOf(layout);
  const labels = { n: names[0], c: names[ch], s: names.filter((_, i) => i !== 0 && i !== ch).join('·') };
  const nb = bins(dims.n);
  const cb = bins(dims.c);
  const sb = bins(dims.s);
  const face = (
    hb: [number, number][],
    vb: [number, number][],
    at: (a: number, b: number) => number,
    hoveredCell: number,
    gi: Int32Array,
    g: number,
  ): CubeFace => {
    const share = new Float32Array(hb.length * vb.length);
    for (let r = 0; r < vb.length; r++) {
      for (let q = 0; q < hb.length; q++) {
        let hit = 0;
        let all = 0;
        for (let a = hb[q][0]; a < hb[q][1]; a++) {
          for (let b = vb[r][0]; b < vb[r][1]; b++) {
            all++;
            if (gi[at(a, b)] === g) hit++;
          }
        }
        share[r * hb.length + q] = all ? hit / all : 0;
      }
    }
    return { cols: hb.length, rows: vb.length, share, hoveredCell };
  };
  const at = indexer(layout, shape);
  const methods: CubeMethod[] = view.methods.map((m) => {
    const empty: CubeFace = { cols: 0, rows: 0, share: new Float32Array(0), hoveredCell: -1 };
    if (!m.groupIndex) return { method: m.method, title: m.title, available: false, groupSize: 0, front: empty, top: empty, side: empty };
    const gi = m.groupIndex;
    const g = gi[idx];
    // Every method's groups are equally sized: the core reports that size with the statistics.
    const groupSize = m.stats[0]?.count ?? 0;
    const front = face(cb, sb, (c, s) => at(h.n, c, s), binOf(dims.s, h.s) * cb.length + binOf(dims.c, h.c), gi, g);
    const top = face(cb, nb, (c, n) => at(n, c, h.s), binOf(dims.n, h.n) * cb.length + binOf(dims.c, h.c), gi, g);
    const side = face(nb, sb, (n, s) => at(n, h.c, s), binOf(dims.s, h.s) * nb.length + binOf(dims.n, h.n), gi, g);
    return { method: m.method, title: m.title, available: true, groupSize, front, top, side };
  });
  return { dims, labels, hovered: { index: idx, ...h }, methods };
}

// ---------------------------------------------------------------------------------------------
// Train vs eval: running statistics over a stream of batches drawn like the input.

export interface TrainingView {
  /** Shape of each simulated batch (the input's, with trailing axes cut so it stays cheap). */
  batchShape: number[];
  steps: number;
  /** Channels plotted (at most 4). */
  channels: number[];
  /** Per plotted channel: the distribution the batches are drawn from. */
  targetMean: number[];
  targetVar: number[];
  /** Per plotted channel, per step 0..steps: running_mean and running_var after that step. */
  runningMean: number[][];
  runningVar: number[][];
  numBatchesTracked: number;
  /** Eval on a new batch from the same distribution: train-mode output versus eval-mode output. */
  evalMaxAbsDiff: number | null;
  evalMeanAbsDiff: number | null;
  /** First few elements of the new batch, its train output and eval output. */
  evalSample: { input: number; train: number; eval: number }[];
  momentumText: string;
  problem: string | null;
}

const TRAIN_BATCH_LIMIT = 8192;

function channelMoments(state: PanelState): { mean: Float64Array; std: Float64Array } {
  const { layout, shape, data } = state;
  const { n: N, c: C, s: S } = cubeDims(layout, shape);
  const at = indexer(layout, shape);
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) sum[c] += data[at(n, c, s)];
  const cnt = N * S;
  for (let c = 0; c < C; c++) sum[c] /= cnt;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let s = 0; s < S; s++) {
        const d = data[at(n, c, s)] - sum[c];
        sq[c] += d * d;
      }
  const std = new Float64Array(C);
  for (let c = 0; c < C; c++) std[c] = Math.sqrt(sq[c] / cnt);
  return { mean: sum, std };
}

/** A batch of `shape` whose channel c is mean[c] + std[c]·z with z from the core's seeded sampler. */
function drawBatch(layout: Layout, shape: number[], mean: Float64Array, std: Float64Array, seed: number): Tensor {
  const z = seededSample(shape, seed).data;
  const out = new Float32Array(z.length);
  const { n: N, c: C, s: S } = cubeDims(layout, shape);
  const at = indexer(layout, shape);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let s = 0; s < S; s++) {
        const i = at(n, c, s);
        out[i] = mean[c] + std[c] * z[i];
      }
  return new Tensor(shape, out);
}

export function simulationBatchShape(layout: Layout, shape: readonly number[]): number[] {
  const out = shape.slice();
  const ch = channelAxisOf(layout);
  for (let a = out.length - 1; a >= 1 && product(out) > TRAIN_BATCH_LIMIT; a--) {
    if (a === ch) continue;
    out[a] = Math.max(1, Math.floor(TRAIN_BATCH_LIMIT / (product(out) / out[a])));
  }
  return out;
}

export function computeTraining(state: PanelState, env: Env): TrainingView {
  const setup = methodSetups(state, env).find((s) => s.method === 'batch_norm')!;
  const batchShape = simulationBatchShape(state.layout, state.shape);
  const mom = momentumNewWeight(state, env);
  const momentumText = `${env.profile.name}: ${mom.param} ${mom.written}${mom.borrowed ? ` (no default: ${env.fallback.name}'s, in ${env.profile.name}'s terms)` : ''} (${mom.convention === 'new-weight' ? 'weight of the new batch' : mom.convention === 'decay-debiased' ? 'decay kept on the old average, divided by 1 − decay^t before use' : 'weight kept on the old average'}) → running = (1 − ${round(mom.value)})·running + ${round(mom.value)}·batch`;
  const { mean, std } = channelMoments(state);
  const C = mean.length;
  const channels = Array.from({ length: Math.min(C, 4) }, (_, i) => i);
  const view: TrainingView = {
    batchShape,
    steps: 0,
    channels,
    targetMean: channels.map((c) => mean[c]),
    targetVar: channels.map((c) => std[c] * std[c]),
    runningMean: channels.map(() => []),
    runningVar: channels.map(() => []),
    numBatchesTracked: 0,
    evalMaxAbsDiff: null,
    evalMeanAbsDiff: null,
    evalSample: [],
    momentumText,
    problem: null,
  };
  const spec = setup.spec;
  if (!spec || spec.kind !== 'batch_norm') {
    view.problem = setup.problem ?? 'BatchNorm cannot run on this input.';
    return view;
  }
  const steps = Math.min(state.trainSteps, MAX_TRAIN_STEPS);
  const params = { weight: setup.weight, bias: setup.bias };
  let st: LayerState | null = defaultState(spec, batchShape);
  const record = (s: LayerState | null) => {
    channels.forEach((c, k) => {
      view.runningMean[k].push(s ? s.runningMean[c] : NaN);
      view.runningVar[k].push(s ? s.runningVar[c] : NaN);
    });
  };
  try {
    record(st);
    for (let t = 1; t <= steps; t++) {
      const batch = drawBatch(state.layout, batchShape, mean, std, state.seed * 7919 + t);
      st = runLayer({ spec, mode: 'train', input: batch, params, state: st }).state;
      record(st);
    }
    view.steps = steps;
    view.numBatchesTracked = st?.numBatchesTracked ?? 0;
    const fresh = drawBatch(state.layout, batchShape, mean, std, state.seed * 7919 + 1_000_003);
    const train = runLayer({ spec, mode: 'train', input: fresh, params, state: st && cloneState(st) }).output.data;
    const evalOut = runLayer({ spec, mode: 'eval', input: fresh, params, state: st && cloneState(st) }).output.data;
    let maxD = 0;
    let sumD = 0;
    for (let i = 0; i < train.length; i++) {
      const d = Math.abs(train[i] - evalOut[i]);
      if (d > maxD) maxD = d;
      sumD += d;
    }
    view.evalMaxAbsDiff = maxD;
    view.evalMeanAbsDiff = sumD / train.length;
    for (let i = 0; i < Math.min(6, train.length); i++) view.evalSample.push({ input: fresh.data[i], train: train[i], eval: evalOut[i] });
  } catch (e) {
    view.problem = errorText(e);
  }
  return view;
}

function cloneState(s: LayerState): LayerState {
  return { runningMean: s.runningMean.slice(), runningVar: s.runningVar.slice(), numBatchesTracked: s.numBatchesTracked };
}

const round = (x: number): string => String(Number(x.toPrecision(6)));

// ---------------------------------------------------------------------------------------------
// Batch dependency: how far a batch's mean and variance stray from the data's as the batch shrinks.

export const NOISE_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128];
const NOISE_TRIALS = 48;
const NOISE_FEATURES = 8;

export interface NoisePoint {
  batch: number;
  /** Root-mean-square error of the batch mean / batch variance against the whole sample's. */
  meanError: number | null;
  varError: number | null;
  problem: string | null;
}

export interface NoiseView {
  points: NoisePoint[];
  populationVar: number;
  /** With batch size 2 each normalized value is ±1 (times a factor just under 1 from ε): the first few, as computed. */
  batchOfTwo: number[];
}

export function computeNoise(seed: number, env: Env): NoiseView {
  const F = NOISE_FEATURES;
  // The chosen framework's BatchNorm (its ε and class name), on (batch, features) inputs.
  const bn = env.profile.methods.batch_norm ?? env.fallback.methods.batch_norm;
  const bnSpec: CoreLayerSpec = {
    kind: 'batch_norm',
    numFeatures: F,
    eps: bn?.eps ?? FLOAT32_EPS,
    momentum: null,
    hasWeight: false,
    hasBias: false,
    trackRunningStats: false,
    storedVariance: env.profile.storedVariance,
    channelAxis: 1,
    layerName: bn?.className,
  };
  const maxB = NOISE_BATCH_SIZES[NOISE_BATCH_SIZES.length - 1];
  // The reference: one large sample from the same generator.
  const big = seededSample([maxB * NOISE_TRIALS, F], seed ^ 0x5eed);
  const ref = runLayer({ spec: bnSpec, mode: 'train', input: big }).stats!;
  const points: NoisePoint[] = [];
  let batchOfTwo: number[] = [];
  for (const b of NOISE_BATCH_SIZES) {
    let se = 0;
    let sv = 0;
    let k = 0;
    let problem: string | null = null;
    for (let t = 0; t < NOISE_TRIALS; t++) {
      const x = seededSample([b, F], seed * 104729 + b * 1000 + t);
      try {
        const r = runLayer({ spec: bnSpec, mode: 'train', input: x });
        if (b === 2 && t === 0) batchOfTwo = Array.from(r.output.data.slice(0, 4));
        for (let f = 0; f < F; f++) {
          se += (r.stats!.mean[f] - ref.mean[f]) ** 2;
          sv += (r.stats!.variance[f] - ref.variance[f]) ** 2;
          k++;
        }
      } catch (e) {
        problem = errorText(e);
        break;
      }
    }
    points.push({ batch: b, meanError: problem ? null : Math.sqrt(se / k), varError: problem ? null : Math.sqrt(sv / k), problem });
  }
  let pv = 0;
  for (let f = 0; f < F; f++) pv += ref.variance[f];
  return { points, populationVar: pv / F, batchOfTwo };
}

// ---------------------------------------------------------------------------------------------
// Measurements the exercise points at.

export interface Insights {
  /** Largest change of sample 0's output when every other sample in the batch is replaced. */
  batchNormCrossTalk: number | null;
  layerNormCrossTalk: number | null;
  /** GroupNorm with one group equals LayerNorm over all but N (channels-first layouts), as computed. */
  groupOneVsLayer: number | null;
  /** GroupNorm with one group per channel equals InstanceNorm, as computed. */
  groupCVsInstance: number | null;
  /** Mean of RMSNorm's output over sample 0: not zero, since RMSNorm does not centre. */
  rmsOutputMean: number | null;
}

export function computeInsights(state: PanelState, env: Env): Insights {
  const setups = methodSetups(state, env);
  const { layout, shape } = state;
  const N = shape[0];
  const per = product(shape) / N;
  const input = Float32Array.from(state.data);
  const out: Insights = { batchNormCrossTalk: null, layerNormCrossTalk: null, groupOneVsLayer: null, groupCVsInstance: null, rmsOutputMean: null };
  const run = (s: MethodSetup, data: Float32Array, spec: CoreLayerSpec | null = s.spec) => {
    if (!spec) return null;
    try {
      const bnState = spec.kind === 'batch_norm' ? defaultState(spec, shape) : null;
      return runLayer({ spec, mode: 'train', input: new Tensor(shape, data), params: { weight: s.weight, bias: s.bias }, state: bnState }).output.data;
    } catch {
      return null;
    }
  };
  const maxDiff = (a: Float32Array | null, b: Float32Array | null, n: number) => {
    if (!a || !b) return null;
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };
  const get = (m: PanelMethod) => setups.find((s) => s.method === m)!;
  if (N > 1) {
    // Same sample 0, different companions: layout puts sample 0 first in every layout here.
    const other = input.slice();
    const noise = seededSample(shape, state.seed + 17).data;
    for (let i = per; i < other.length; i++) other[i] = noise[i] * 3 + 2;
    out.batchNormCrossTalk = maxDiff(run(get('batch_norm'), input), run(get('batch_norm'), other), per);
    out.layerNormCrossTalk = maxDiff(run(get('layer_norm'), input), run(get('layer_norm'), other), per);
  }
  const gn = get('group_norm');
  const C = shape[channelAxisOf(layout)];
  if (layout !== 'BSD') {
    const g1: CoreLayerSpec = {
      kind: 'group_norm',
      numGroups: 1,
      numChannels: C,
      eps: (get('layer_norm').spec as { eps: number }).eps,
      hasWeight: true,
      hasBias: true,
      channelAxis: 1,
    };
    const ln = get('layer_norm');
    const a = run({ ...gn, weight: new Float32Array(C).fill(1), bias: new Float32Array(C).fill(0) }, input, g1);
    const b = run({ ...ln, weight: new Float32Array(per).fill(1), bias: new Float32Array(per).fill(0) }, input);
    out.groupOneVsLayer = maxDiff(a, b, input.length);
  }
  const inst = get('instance_norm');
  if (inst.spec) {
    const gc: CoreLayerSpec = {
      kind: 'group_norm',
      numGroups: C,
      numChannels: C,
      eps: (inst.spec as { eps: number }).eps,
      hasWeight: true,
      hasBias: true,
      channelAxis: channelAxisOf(layout),
    };
    out.groupCVsInstance = maxDiff(run({ ...gn }, input, gc), run(inst, input), input.length);
  }
  const rms = run(get('rms_norm'), input);
  if (rms) {
    let s = 0;
    for (let i = 0; i < per; i++) s += rms[i];
    out.rmsOutputMean = s / per;
  }
  return out;
}
