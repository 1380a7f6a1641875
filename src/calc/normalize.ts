/**
 * "Normalize values": numbers in, the chosen normalization's output and per-group statistics out,
 * computed by the core.
 */
import { runLayer, Tensor, defaultParams, defaultState, statGroupIndex } from '../core/index';
import type { CoreLayerSpec } from '../core/spec';
import { NormError } from '../core/errors';
import { MAX_ELEMENTS } from '../protocol';
import { fixed, mdTable, nestedText, pyFloat, shapeText, textTable } from '../explain/format';
import { Md, md } from '../explain/markdown';
import { parseNumbers } from './parse';
import { NORM_METHODS, type NormMethod } from '../frameworks/types';
import type { CalcOutcome } from './result';

/** The kinds the calculator normalizes: the five compared methods (frameworks/types NORM_METHODS). */
export type NormalizeKind = NormMethod;

const DESCRIPTIONS: Record<NormalizeKind, { label: string; detail: string }> = {
  batch_norm: { label: 'BatchNorm', detail: 'per channel, across the batch (and positions)' },
  layer_norm: { label: 'LayerNorm', detail: 'per sample, across its last dimensions (features)' },
  rms_norm: { label: 'RMSNorm', detail: 'per sample, divides by the root mean square; no mean subtraction' },
  group_norm: { label: 'GroupNorm', detail: 'per sample and group of channels' },
  instance_norm: { label: 'InstanceNorm', detail: 'per sample and channel, across positions' },
};

export const NORMALIZE_KINDS: { kind: NormalizeKind; label: string; detail: string }[] = NORM_METHODS.map((kind) => ({ kind, ...DESCRIPTIONS[kind] }));

export interface NormalizeRequest {
  values: number[];
  shape: number[];
  kind: NormalizeKind;
  /** Channel axis for BatchNorm/GroupNorm/InstanceNorm (default 1; negative counts from the end). */
  channelAxis?: number;
  /** How many trailing dimensions LayerNorm/RMSNorm normalize over (default 1). */
  normalizedDims?: number;
  /** GroupNorm's number of groups. */
  groups?: number;
  /** null only for RMSNorm (float32 machine epsilon). */
  eps: number | null;
  /** Scale γ: one number for all, or one per channel (per normalized element for LayerNorm/RMSNorm). */
  gamma?: number | number[];
  /** Shift β, like γ. Ignored by RMSNorm. */
  beta?: number | number[];
  mode?: 'train' | 'eval';
  /** BatchNorm in eval mode: the running statistics used (default 0 and 1, as freshly initialised). */
  runningMean?: number | number[];
  runningVar?: number | number[];
}

export interface GroupRow {
  group: number;
  mean: number;
  /** Biased variance; for RMSNorm the mean square. */
  variance: number;
  count: number;
  /** The output's own mean and (biased) variance over the same group: about 0 and 1 before γ and β. */
  outputMean: number;
  outputVariance: number;
}

export interface NormalizeResult {
  spec: CoreLayerSpec;
  /** Shape the core computed on (a 1-D list for BatchNorm is a batch of one feature: (m, 1)). */
  computedShape: number[];
  shape: number[];
  output: number[];
  groups: GroupRow[];
  /** 'batch' when the statistics are the input's own; 'running' for BatchNorm in eval. */
  statsSource: 'batch' | 'running';
  statLabel: 'variance' | 'mean square';
}

/** Validation for an ε field: a non-negative number. Returns a message, or null when valid. */
export function validateEps(text: string): string | null {
  const t = text.trim();
  if (t === '') return 'enter ε, e.g. 1e-5';
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return `ε: '${t}' is not a number`;
  const x = Number(t);
  if (x < 0) return `ε must be non-negative (got ${t})`;
  if (!Number.isFinite(x)) return 'ε must be finite';
  return null;
}

/** Validation for a GroupNorm group count against the channel count (when known). */
export function validateGroups(text: string, channels?: number): string | null {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return `groups must be a whole number (got '${t}')`;
  const g = Number(t);
  if (g < 1) return `groups must be at least 1 (got ${g})`;
  if (channels !== undefined && channels % g !== 0) return `${channels} channels are not divisible into ${g} groups`;
  return null;
}

/**
 * Validation of a per-channel (or per-element) field against the shape typed before it: one
 * number, or exactly `count` of them (γ, β, running mean and variance). `nonNegative` for
 * variances. Returns a message, or null when valid.
 */
export function validatePerGroup(text: string, count: number, what: string, unit: string, nonNegative = false): string | null {
  const r = parseNumbers(text);
  if (!r.ok) return r.message;
  if (r.values.length !== 1 && r.values.length !== count) {
    return `${what}: ${r.values.length} values for ${count} ${unit}${count === 1 ? '' : 's'}; give one number or ${count} (one per ${unit}, index 0 to ${count - 1})`;
  }
  if (nonNegative && r.values.some((v) => v < 0)) return `${what} cannot be negative`;
  return null;
}

/** How many γ values a layer of `kind` takes for `shape`: channels on `channelAxis`, or the trailing `normalizedDims` elements. */
export function perGroupCount(kind: NormalizeKind, shape: readonly number[], channelAxis?: number, normalizedDims?: number): number {
  if (kind === 'layer_norm' || kind === 'rms_norm') return shape.slice(shape.length - (normalizedDims ?? 1)).reduce((a, b) => a * b, 1);
  const rank = shape.length;
  const axis = (channelAxis ?? 1) < 0 ? (channelAxis ?? 1) + rank : (channelAxis ?? 1);
  return shape[axis] ?? 1;
}

function expandPerChannel(v: number | number[] | undefined, n: number, fallback: number, what: string, unit: string): Float32Array | string {
  if (v === undefined) return new Float32Array(n).fill(fallback);
  if (typeof v === 'number') return new Float32Array(n).fill(v);
  if (v.length === 1) return new Float32Array(n).fill(v[0]);
  if (v.length !== n) return `${what} has ${v.length} values; give one number or ${n} (one per ${unit})`;
  return Float32Array.from(v);
}

function label(kind: NormalizeKind): string {
  return DESCRIPTIONS[kind].label;
}

export function normalizeValues(req: NormalizeRequest): CalcOutcome<NormalizeResult> {
  const { values, kind } = req;
  const mode = req.mode ?? 'train';
  if (values.length === 0) return { ok: false, message: 'no numbers given' };
  if (values.length > MAX_ELEMENTS) return { ok: false, message: `${values.length} values; at most ${MAX_ELEMENTS} here` };
  if (req.shape.length > 8 || !req.shape.every((d) => Number.isInteger(d) && d >= 1)) {
    return { ok: false, message: 'the shape must be at most 8 whole numbers ≥ 1' };
  }
  const size = req.shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) {
    return { ok: false, message: `shape ${shapeText(req.shape)} needs ${size} values, got ${values.length}` };
  }
  if (req.eps !== null && !(req.eps >= 0)) return { ok: false, message: `ε must be non-negative (got ${req.eps})` };
  if (req.eps === null && kind !== 'rms_norm') return { ok: false, message: 'ε None is only meaningful for RMSNorm' };
  if (values.some((x) => !Number.isFinite(x))) return { ok: false, message: 'values must be finite numbers' };

  let shape = req.shape.slice();
  const rank = shape.length;
  const axisOf = (a: number) => (a < 0 ? a + shape.length : a);
  let spec: CoreLayerSpec;
  let paramCount: number;
  let unit: string;
  switch (kind) {
    case 'batch_norm': {
      // A plain list is one feature observed over a batch of m examples.
      if (rank === 1) shape = [shape[0], 1];
      const axis = axisOf(req.channelAxis ?? 1);
      if (axis < 0 || axis >= shape.length) return { ok: false, message: `channel axis ${req.channelAxis} is outside the ${shape.length}-D input` };
      paramCount = shape[axis];
      unit = 'channel';
      spec = {
        kind: 'batch_norm',
        numFeatures: paramCount,
        eps: req.eps as number,
        momentum: 0.1,
        hasWeight: true,
        hasBias: true,
        trackRunningStats: true,
        storedVariance: 'unbiased',
        channelAxis: axis,
      };
      break;
    }
    case 'layer_norm':
    case 'rms_norm': {
      const k = req.normalizedDims ?? 1;
      if (!Number.isInteger(k) || k < 1 || k > rank) {
        return { ok: false, message: `normalize over 1 to ${rank} trailing dimension${rank === 1 ? '' : 's'} (got ${k})` };
      }
      const normalizedShape = shape.slice(rank - k);
      paramCount = normalizedShape.reduce((a, b) => a * b, 1);
      unit = 'normalized element';
      spec =
        kind === 'layer_norm'
          ? { kind, normalizedShape, eps: req.eps as number, hasWeight: true, hasBias: true }
          : { kind, normalizedShape, eps: req.eps, hasWeight: true };
      break;
    }
    case 'group_norm': {
      if (rank < 2) return { ok: false, message: 'GroupNorm needs at least 2 dimensions (N, C, …): enter rows, one per sample' };
      const axis = axisOf(req.channelAxis ?? 1);
      if (axis < 1 || axis >= rank) return { ok: false, message: `channel axis ${req.channelAxis} must be one of the non-batch axes` };
      const channels = shape[axis];
      const groups = req.groups ?? 1;
      if (!Number.isInteger(groups) || groups < 1) return { ok: false, message: `groups must be a positive integer (got ${groups})` };
      if (channels % groups !== 0) return { ok: false, message: `${channels} channels are not divisible into ${groups} groups` };
      paramCount = channels;
      unit = 'channel';
      spec = { kind, numGroups: groups, numChannels: channels, eps: req.eps as number, hasWeight: true, hasBias: true, channelAxis: axis };
      break;
    }
    case 'instance_norm': {
      if (rank < 3) return { ok: false, message: 'InstanceNorm needs (N, C, L) or more dimensions: a nested array of rank 3 or more' };
      const axis = axisOf(req.channelAxis ?? 1);
      if (axis < 1 || axis >= rank) return { ok: false, message: `channel axis ${req.channelAxis} must be one of the non-batch axes` };
      paramCount = shape[axis];
      unit = 'channel';
      spec = {
        kind,
        numFeatures: paramCount,
        eps: req.eps as number,
        momentum: 0.1,
        hasWeight: true,
        hasBias: true,
        trackRunningStats: false,
        channelAxis: axis,
        batchedRank: rank,
      };
      break;
    }
    default:
      return { ok: false, message: `unknown kind ${String(kind)}` };
  }

  const weight = expandPerChannel(req.gamma, paramCount, 1, 'γ', unit);
  if (typeof weight === 'string') return { ok: false, message: weight };
  const bias = expandPerChannel(req.beta, paramCount, 0, 'β', unit);
  if (typeof bias === 'string') return { ok: false, message: bias };

  const input = new Tensor(shape, Float32Array.from(values));
  let state = defaultState(spec, shape);
  let statsSource: 'batch' | 'running' = 'batch';
  if (kind === 'batch_norm' && mode === 'eval' && state) {
    const rm = expandPerChannel(req.runningMean, paramCount, 0, 'running mean', unit);
    if (typeof rm === 'string') return { ok: false, message: rm };
    const rv = expandPerChannel(req.runningVar, paramCount, 1, 'running variance', unit);
    if (typeof rv === 'string') return { ok: false, message: rv };
    if (rv.some((v) => v < 0)) return { ok: false, message: 'running variance must be non-negative' };
    state = { runningMean: rm, runningVar: rv, numBatchesTracked: 0 };
    statsSource = 'running';
  }
  const params = defaultParams(spec, shape);
  if (params.weight) params.weight = weight;
  if (params.bias && kind !== 'rms_norm') params.bias = bias;

  let result;
  try {
    result = runLayer({ spec, mode, input, params, state });
  } catch (e) {
    if (e instanceof NormError) return { ok: false, message: e.message };
    throw e;
  }

  // The output's statistics per group, to show the normalization did what it says.
  const { groups: groupCount, index } = statGroupIndex(spec, shape);
  const sum = new Float64Array(groupCount);
  const n = new Float64Array(groupCount);
  const out = result.output.data;
  for (let i = 0; i < out.length; i++) {
    sum[index[i]] += out[i];
    n[index[i]]++;
  }
  const oMean = Array.from(sum, (v, g) => v / n[g]);
  const oVar = new Float64Array(groupCount);
  for (let i = 0; i < out.length; i++) oVar[index[i]] += (out[i] - oMean[index[i]]) ** 2;
  const outStats = (g: number) => ({ outputMean: oMean[g] ?? NaN, outputVariance: n[g] ? oVar[g] / n[g] : NaN });

  let groups: GroupRow[];
  if (statsSource === 'running' && state) {
    groups = Array.from(state.runningMean, (m, i) => ({ group: i, mean: m, variance: state!.runningVar[i], count: size / paramCount, ...outStats(i) }));
  } else if (result.stats) {
    const st = result.stats;
    groups = Array.from(st.mean, (m, i) => ({ group: i, mean: m, variance: st.variance[i], count: st.count, ...outStats(i) }));
  } else {
    groups = [];
  }
  const value: NormalizeResult = {
    spec,
    computedShape: shape,
    shape: req.shape.slice(),
    output: Array.from(result.output.data),
    groups,
    statsSource,
    statLabel: kind === 'rms_norm' ? 'mean square' : 'variance',
  };
  return { ok: true, value, ...renderNormalize(req, value) };
}

function groupName(kind: NormalizeKind): string {
  switch (kind) {
    case 'batch_norm':
      return 'channel';
    case 'group_norm':
      return 'sample, group';
    case 'instance_norm':
      return 'sample, channel';
    default:
      return 'row';
  }
}

function groupLabel(r: NormalizeResult, kind: NormalizeKind, i: number): string {
  if (kind === 'group_norm' && r.spec.kind === 'group_norm') return `${Math.floor(i / r.spec.numGroups) + 1}, ${(i % r.spec.numGroups) + 1}`;
  if (kind === 'instance_norm') {
    const c = r.computedShape[(r.spec as { channelAxis: number }).channelAxis];
    return `${Math.floor(i / c) + 1}, ${(i % c) + 1}`;
  }
  return String(i + 1);
}

export function renderNormalize(req: NormalizeRequest, r: NormalizeResult, decimals = 4): { markdown: Md; text: string; copyText: string } {
  const epsText = req.eps === null ? 'None (float32 machine ε)' : pyFloat(req.eps);
  const title = `${label(req.kind)} (${req.mode ?? 'train'}) on ${shapeText(req.shape)}, ε = ${epsText}`;
  const statHeader = r.statsSource === 'running' ? ['running mean', 'running var'] : r.statLabel === 'mean square' ? ['mean square'] : ['mean', 'variance'];
  const rows = r.groups.map((g, i) => [
    Md.raw(groupLabel(r, req.kind, i)),
    ...(r.statLabel === 'mean square' ? [fixed(g.variance, decimals)] : [fixed(g.mean, decimals), fixed(g.variance, decimals)]),
    Md.raw(String(g.count)),
    md`${fixed(g.outputMean, decimals)} / ${fixed(g.outputVariance, decimals)}`,
  ]);
  const header = [groupName(req.kind), ...statHeader, 'n', 'output mean / var'].map(Md.raw);
  const out = nestedText(r.output, req.shape, decimals);
  const note = req.kind === 'batch_norm' && req.shape.length === 1 ? 'The list is read as a batch of one feature.\n' : '';
  // Numbers, shapes and labels of ours only.
  const markdown = Md.join(
    [md`**${Md.raw(title)}**`, Md.raw(''), ...(note ? [Md.raw(note)] : []), mdTable(header, rows), Md.raw(''), Md.raw('Output:'), Md.fence(out)],
    '\n',
  );
  const text = [title, note.trimEnd(), textTable(header, rows), '', 'output:', out as string].filter((l) => l !== '').join('\n');
  return { markdown, text, copyText: nestedText(r.output, req.shape, null) };
}
