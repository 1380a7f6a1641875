/**
 * The hover's worked example: the layer cut down to a few channels (or features), run by the
 * core in training mode on a seeded sample, so every number shown is computed, not quoted.
 */
import { runLayer, seededSample, statGroupIndex, defaultParams, defaultState } from '../core/index';
import type { CoreLayerSpec } from '../core/spec';

export interface WorkedExample {
  /** The reduced spec the core ran (same kind, ε, axes and flags; fewer channels/features). */
  spec: CoreLayerSpec;
  shape: number[];
  seed: number;
  mode: 'train';
  input: Float32Array;
  output: Float32Array;
  /** Per statistics group, in layout order. */
  mean: number[];
  /** Biased variance (RMSNorm: mean square). */
  variance: number[];
  /** Element indices of each group shown (at most the first few groups). */
  groupElements: number[][];
  /** What was cut down, in words, or null when the layer is shown at full size. */
  reduced: string | null;
}

const MAX_CHANNELS = 3;
const MAX_FEATURES = 4;

function resolveAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** A small input shape for `rank` with `channels` on `axis`, other axes 2 (the batch 2, or 4 for (N, C)). */
function smallShape(rank: number, axis: number, channels: number): number[] {
  const shape = new Array<number>(rank).fill(2);
  if (rank === 2) shape[axis === 0 ? 1 : 0] = 4;
  shape[axis] = channels;
  return shape;
}

/** Builds the reduced spec and sample shape for a layer, or says why there is no example. */
export function exampleSetup(core: CoreLayerSpec, rank: number): { spec: CoreLayerSpec; shape: number[]; reduced: string | null } | { error: string } {
  switch (core.kind) {
    case 'batch_norm': {
      const c = core.numFeatures ?? MAX_CHANNELS;
      const c2 = Math.min(c, MAX_CHANNELS);
      const r = core.allowedRanks ? (core.allowedRanks.includes(rank) ? rank : core.allowedRanks[0]) : rank;
      const axis = resolveAxis(core.channelAxis, r);
      return {
        spec: { ...core, numFeatures: core.numFeatures === null ? null : c2 },
        shape: smallShape(r, axis, c2),
        reduced: core.numFeatures === null ? 'the channel count comes from the input' : c2 < c ? `${c2} of the ${c} channels` : null,
      };
    }
    case 'instance_norm': {
      const c = core.numFeatures ?? MAX_CHANNELS;
      const c2 = Math.min(c, MAX_CHANNELS);
      const r = core.batchedRank ?? rank;
      const axis = resolveAxis(core.channelAxis, r);
      const shape = new Array<number>(r).fill(2);
      shape[axis] = c2;
      if (r === 3) shape[axis === 1 ? 2 : 1] = 4;
      return { spec: { ...core, numFeatures: core.numFeatures === null ? null : c2 }, shape, reduced: c2 < c ? `${c2} of the ${c} channels` : null };
    }
    case 'group_norm': {
      const { numGroups: g, numChannels: c } = core;
      if (g <= 0 || c % g !== 0) return { error: `${c} channels do not split into ${g} groups` };
      const g2 = Math.min(g, 2);
      const per = c / g;
      const per2 = Math.min(per, 2);
      const c2 = g2 * per2;
      const axis = resolveAxis(core.channelAxis, rank);
      // what the example keeps of the layer, in its own terms: groups and channels per group
      const ch = (n: number) => `${n} channel${n === 1 ? '' : 's'}`;
      const reduced =
        c2 === c
          ? null
          : g2 < g && per2 < per
            ? `${g2} of the ${g} groups, ${per2} of the ${per} channels of each`
            : g2 < g
              ? `${g2} of the ${g} groups of ${ch(per)}`
              : `${per2} of the ${per} channels of each of the ${g} group${g === 1 ? '' : 's'}`;
      return { spec: { ...core, numGroups: g2, numChannels: c2 }, shape: smallShape(rank, axis, c2), reduced };
    }
    case 'layer_norm':
    case 'rms_norm': {
      const ns = core.normalizedShape;
      const cap = ns.length === 1 ? MAX_FEATURES : 2;
      const ns2 = ns.map((d) => Math.min(d, cap));
      const changed = ns2.some((d, i) => d !== ns[i]);
      return {
        spec: { ...core, normalizedShape: ns2 },
        shape: [2, ...ns2],
        reduced: changed ? `normalized shape (${ns2.join(', ')}) instead of (${ns.join(', ')})` : null,
      };
    }
    case 'local_response_norm':
      return { error: 'LocalResponseNorm divides by a window of neighbouring channels, with no per-group statistics to tabulate' };
  }
}

/**
 * The layer run on a seeded sample of a small shape, fresh (training mode, fresh running statistics). `gamma`: the
 * scale each channel starts at (1, as every framework initializes it; 2 for a forward scaling by weight + 1 with
 * the weight at 1, see LayerOrigin.scaleOffset).
 */
export function workedExample(core: CoreLayerSpec, rank: number, seed: number, maxGroups = 4, gamma = 1): WorkedExample | { error: string } {
  const setup = exampleSetup(core, rank);
  if ('error' in setup) return setup;
  const { spec, shape } = setup;
  const input = seededSample(shape, seed);
  let result: ReturnType<typeof runLayer>;
  try {
    const params = defaultParams(spec, shape);
    if (gamma !== 1) params.weight?.fill(gamma);
    result = runLayer({ spec, mode: 'train', input, params, state: defaultState(spec, shape) });
  } catch (e) {
    // the framework's own refusal at the forward (LayerNorm([]) builds, its forward raises)
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const stats = result.stats;
  if (!stats) return { error: 'the core returned no statistics' };
  const { index } = statGroupIndex(spec, shape);
  const groupElements: number[][] = [];
  const shown = Math.min(maxGroups, stats.mean.length);
  for (let g = 0; g < shown; g++) groupElements.push([]);
  for (let i = 0; i < index.length; i++) if (index[i] < shown) groupElements[index[i]].push(i);
  return {
    spec,
    shape,
    seed,
    mode: 'train',
    input: input.data,
    output: result.output.data,
    mean: Array.from(stats.mean),
    variance: Array.from(stats.variance),
    groupElements,
    reduced: setup.reduced,
  };
}
