/**
 * Starting values for the calculators from what a calculator link carries (a CalcStart, made by
 * explain/links startFromLayer from the layer under the cursor or a hover): its kind, ε, momentum
 * and convention, channels, groups, axes.
 */
import type { CoreLayerSpec } from '../core/spec';
import { findByQualifiedName, frameworkInfo } from '../frameworks/index';
import { isNormMethod, type FrameworkId, type PyValue } from '../frameworks/types';
import type { MomentumConvention } from '../core/conversions';
import type { CalcStart } from '../explain/links';
import type { NormalizeKind } from './normalize';

export interface LayerSeed {
  framework: FrameworkId;
  qualifiedName: string;
  /** Kind for the normalize calculator, when it computes this kind. */
  kind: NormalizeKind | null;
  /** ε as the core uses it (null: RMSNorm's machine epsilon). */
  eps: number | null;
  /** Momentum as written, in the framework's own convention (null: cumulative average). */
  momentum: number | null | undefined;
  convention: MomentumConvention | null;
  storedVariance: 'biased' | 'unbiased' | null;
  channels: number | null;
  groups: number | null;
  /** Channel axis (negative counts from the end) for per-channel kinds. */
  channelAxis: number | null;
  /** Trailing dimensions normalized (LayerNorm/RMSNorm). */
  normalizedDims: number | null;
}

export function seedFromStart(start: CalcStart): LayerSeed | { error: string } {
  const spec = findByQualifiedName(start.qualifiedName);
  if (!spec) return { error: `${start.qualifiedName} is not a layer NormLens knows` };
  const info = frameworkInfo(spec.framework);
  // Fill anything the link left out with the class's defaults.
  const values: Record<string, PyValue> = {};
  for (const p of spec.params) {
    if (p.name in start.args) values[p.name] = start.args[p.name];
    else if (p.default !== undefined) values[p.name] = p.default;
  }
  let core: CoreLayerSpec | null = null;
  if (spec.toCore) {
    for (const rank of [4, 3, 2]) {
      const r = spec.toCore(values, rank, undefined);
      if (!('error' in r)) {
        core = r;
        break;
      }
    }
  }
  const mName = spec.roles.momentum;
  const m = mName ? values[mName] : undefined;
  const momentum = typeof m === 'number' || m === null ? m : undefined;
  const seed: LayerSeed = {
    framework: spec.framework,
    qualifiedName: start.qualifiedName,
    kind: isNormMethod(spec.kind) ? spec.kind : null,
    eps: null,
    momentum,
    convention: info?.momentumConvention ?? null,
    storedVariance: spec.storedVariance ?? null,
    channels: null,
    groups: null,
    channelAxis: null,
    normalizedDims: null,
  };
  const epsName = spec.roles.eps;
  const e = epsName ? values[epsName] : undefined;
  if (typeof e === 'number') seed.eps = e;
  if (core) {
    switch (core.kind) {
      case 'batch_norm':
      case 'instance_norm':
        seed.eps = core.eps;
        seed.channels = core.numFeatures;
        seed.channelAxis = core.channelAxis;
        if (core.kind === 'batch_norm') seed.storedVariance = core.storedVariance;
        break;
      case 'group_norm':
        seed.eps = core.eps;
        seed.channels = core.numChannels;
        seed.groups = core.numGroups;
        seed.channelAxis = core.channelAxis;
        break;
      case 'layer_norm':
      case 'rms_norm':
        seed.eps = core.eps;
        seed.normalizedDims = core.normalizedShape.length;
        break;
      default:
        break;
    }
  } else {
    const g = spec.roles.groups ? values[spec.roles.groups] : undefined;
    if (typeof g === 'number') seed.groups = g;
    const c = spec.roles.channels ? values[spec.roles.channels] : undefined;
    if (typeof c === 'number') seed.channels = c;
  }
  return seed;
}
