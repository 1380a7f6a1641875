/**
 * Looking things up in the framework table: by qualified name, binding a call's arguments to a
 * signature exactly as Python does, and translating a layer into another framework's terms.
 */
import { convertMomentum } from '../core/conversions';
import { pyRepr } from './read';
import { FRAMEWORKS, NORM_CLASSES } from './table';
import type { FrameworkId, FrameworkInfo, NormClassSpec, ParamSpec, PyValue } from './types';

export { FRAMEWORKS, NORM_CLASSES } from './table';
export { pyRepr } from './read';

const byName = new Map<string, NormClassSpec>();
for (const spec of NORM_CLASSES) for (const q of spec.qualifiedNames) byName.set(q, spec);

export function findByQualifiedName(name: string): NormClassSpec | undefined {
  return byName.get(name);
}

export function allQualifiedNames(): string[] {
  return [...byName.keys()];
}

export function frameworkInfo(id: FrameworkId): FrameworkInfo | undefined {
  return FRAMEWORKS.find((f) => f.id === id);
}

export interface BoundArgument {
  value: PyValue;
  /** The user did not write it; the signature's default applies. */
  isDefault: boolean;
}

/**
 * Why a call does not bind to its class's signature, as data: what went wrong, the parameter
 * concerned and the counts. The message is made from it where it is shown (`bindingMessage`),
 * in Python's own words.
 */
export type BindingError =
  | {
      problem: 'unexpected-keyword';
      /** Short name of the callable, e.g. 'BatchNorm2d'. */
      callable: string;
      /** The keyword the signature does not have. */
      param: string;
      /**
       * Refused by the class's own check of **kwargs (Keras 3's base Layer): one ValueError naming every
       * refused keyword with its value, in the order written. Absent: Python's TypeError for this keyword.
       */
      refused?: { layer: string; keywords: [string, PyValue][] };
    }
  | { problem: 'multiple-values'; callable: string; param: string }
  | {
      problem: 'too-many-positional';
      callable: string;
      /** Index of the first extra positional argument (= the most the signature takes). */
      index: number;
      /** Positional parameters the signature takes: without a default, and in all. */
      min: number;
      max: number;
      /** Positional arguments given, and keyword-only arguments given by name. */
      given: number;
      keywordOnlyGiven: number;
    }
  | {
      problem: 'missing-required';
      callable: string;
      /** The first missing parameter. */
      param: string;
      /** Every missing parameter of that kind, in signature order. */
      names: string[];
      keywordOnly: boolean;
    };

/** The exception Python raises for a binding error: TypeError, or the class's own ValueError (Keras). */
export function bindingException(e: BindingError): 'TypeError' | 'ValueError' {
  return e.problem === 'unexpected-keyword' && e.refused ? 'ValueError' : 'TypeError';
}

/**
 * The message Python gives for a binding error: CPython's TypeError wording (3.11), with the callable
 * named by its short name (`BatchNorm2d()`), or Keras 3's "Unrecognized keyword arguments passed to ...".
 */
export function bindingMessage(e: BindingError): string {
  const fn = `${e.callable}()`;
  switch (e.problem) {
    case 'unexpected-keyword':
      if (e.refused) {
        const items = e.refused.keywords.map(([k, v]) => `'${k}': ${pyRepr(v)}`).join(', ');
        return `Unrecognized keyword arguments passed to ${e.refused.layer}: {${items}}`;
      }
      return `${fn} got an unexpected keyword argument '${e.param}'`;
    case 'multiple-values':
      return `${fn} got multiple values for argument '${e.param}'`;
    case 'too-many-positional': {
      const takes = e.min === e.max ? plural(e.max, 'positional argument') : `from ${e.min} to ${e.max} positional arguments`;
      if (e.keywordOnlyGiven) {
        const extra = ` positional argument${e.given === 1 ? '' : 's'} (and ${plural(e.keywordOnlyGiven, 'keyword-only argument')})`;
        return `${fn} takes ${takes} but ${e.given}${extra} were given`;
      }
      return `${fn} takes ${takes} but ${e.given} ${e.given === 1 ? 'was' : 'were'} given`;
    }
    case 'missing-required': {
      const word = `required ${e.keywordOnly ? 'keyword-only ' : 'positional '}argument${e.names.length === 1 ? '' : 's'}`;
      return `${fn} missing ${e.names.length} ${word}: ${quoteList(e.names)}`;
    }
  }
}

export interface Binding {
  /** What the call gave, bound to parameter names, in signature order (extra **kwargs last). */
  arguments: Record<string, PyValue>;
  /** Every parameter that has a value, in signature order: given or default. */
  effective: Record<string, BoundArgument>;
  errors: BindingError[];
}

export interface BindOptions {
  /** The call also passes `*args`: positional count is unknown, so missing ones are not errors. */
  starArgs?: boolean;
  /** The call also passes `**kwargs`: unknown keywords may supply anything missing. */
  starKwargs?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/**
 * Bind positional and keyword arguments to a signature the way CPython does (the same checks in
 * the same order, with CPython's messages; `self` is not counted, and the callable is named by
 * its short name, e.g. `BatchNorm2d()`).
 */
export function bindArguments(
  spec: NormClassSpec,
  positional: readonly PyValue[],
  keywords: Readonly<Record<string, PyValue>>,
  options: BindOptions = {},
): Binding {
  const callable = spec.name;
  const params = spec.params;
  const positionalParams = params.filter((q) => !q.keywordOnly);
  const given = new Map<string, PyValue>();
  const errors: BindingError[] = [];
  const extraKeywords: Record<string, PyValue> = {};

  // Same order as CPython: keywords are matched (and rejected) before the positional count is checked.
  positional.forEach((v, i) => {
    if (i < positionalParams.length) given.set(positionalParams[i].name, v);
  });
  const unrecognized: Record<string, PyValue> = {};
  for (const [name, v] of Object.entries(keywords)) {
    const param = params.find((q) => q.name === name);
    if (!param) {
      if (spec.varKeywords && (!spec.kwargsAccepted || spec.kwargsAccepted.names.includes(name))) extraKeywords[name] = v;
      else if (spec.varKeywords) unrecognized[name] = v;
      else errors.push({ problem: 'unexpected-keyword', callable, param: name });
      continue;
    }
    if (given.has(name)) {
      errors.push({ problem: 'multiple-values', callable, param: name });
      continue;
    }
    given.set(name, v);
  }
  if (positional.length > positionalParams.length) {
    const max = positionalParams.length;
    const min = positionalParams.filter((q) => !('default' in q)).length;
    const keywordOnlyGiven = Object.keys(keywords).filter((k) => params.some((q) => q.name === k && q.keywordOnly)).length;
    errors.push({ problem: 'too-many-positional', callable, index: max, min, max, given: positional.length, keywordOnlyGiven });
  }
  // CPython reports missing positional parameters first, then missing keyword-only ones.
  {
    const lacking = (keywordOnly: boolean) =>
      params.filter((q) => !!q.keywordOnly === keywordOnly && !('default' in q) && !given.has(q.name)).map((q) => q.name);
    const missingPos = options.starArgs || options.starKwargs ? [] : lacking(false);
    const missingKw = options.starKwargs ? [] : lacking(true);
    if (missingPos.length) errors.push({ problem: 'missing-required', callable, param: missingPos[0], names: missingPos, keywordOnly: false });
    else if (missingKw.length) errors.push({ problem: 'missing-required', callable, param: missingKw[0], names: missingKw, keywordOnly: true });
  }

  // The class's own refusal of keywords its **kwargs does not take (Keras 3: one ValueError naming them all),
  // raised in the body, so after every binding error the call itself would raise.
  const unknownNames = Object.keys(unrecognized);
  if (unknownNames.length && spec.kwargsAccepted) {
    const refused = { layer: spec.kwargsAccepted.layer, keywords: Object.entries(unrecognized) };
    for (const name of unknownNames) errors.push({ problem: 'unexpected-keyword', callable, param: name, refused });
  }

  const args: Record<string, PyValue> = {};
  const effective: Record<string, BoundArgument> = {};
  for (const q of params) {
    if (given.has(q.name)) {
      args[q.name] = given.get(q.name)!;
      effective[q.name] = { value: given.get(q.name)!, isDefault: false };
    } else if ('default' in q) {
      effective[q.name] = { value: q.default!, isDefault: true };
    }
  }
  Object.assign(args, extraKeywords);
  return { arguments: args, effective, errors };
}

/** Plain values of an effective-argument record. */
export function effectiveValues(effective: Readonly<Record<string, BoundArgument>>): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(effective)) out[k] = v.value;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Translation between frameworks

export interface Translation {
  spec: NormClassSpec;
  /** Qualified name to write, e.g. 'keras.layers.BatchNormalization'. */
  qualifiedName: string;
  /** Arguments to write (required ones and those that differ from the target's defaults), in signature order. */
  args: Record<string, PyValue>;
  /** The call as Python source, e.g. 'keras.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-05)'. */
  code: string;
  /** What differs or could not be carried over. */
  notes: string[];
}

const paramOf = (spec: NormClassSpec, name: string | undefined): ParamSpec | undefined => (name ? spec.params.find((q) => q.name === name) : undefined);

const isLiteral = (v: PyValue | undefined): boolean => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v));

/** Whether a layer has learnable scale/shift, read through its roles. */
function affineOf(spec: NormClassSpec, v: Record<string, PyValue>): { weight: PyValue; bias: PyValue } {
  const r = spec.roles;
  let weight: PyValue = true;
  let bias: PyValue = true;
  if (r.affine) weight = bias = v[r.affine];
  if (r.scale) weight = v[r.scale];
  if (r.bias) bias = r.affine ? (v[r.affine] === true ? v[r.bias] : v[r.affine]) : v[r.bias];
  if (spec.kind === 'rms_norm') bias = false;
  return { weight, bias };
}

/** The target framework's class for the same kind of layer, matching the input rank when it has variants. */
function counterpart(from: NormClassSpec, to: FrameworkId, inputRank?: number): NormClassSpec | undefined {
  const pool = NORM_CLASSES.filter((c) => c.framework === to && c.kind === from.kind);
  if (pool.length === 0) return undefined;
  const modules = pool.filter((c) => c.form === from.form);
  const candidates = modules.length ? modules : pool;
  // The class's own dimensionality, else the input rank when the caller knows it (a BatchNormalization after a
  // Conv2D sees rank 4: BatchNorm2d), else the variant without a dimensionality or the first.
  const dim = /(\d)d$/i.exec(from.name)?.[1] ?? (inputRank && inputRank >= 3 && inputRank <= 5 ? String(inputRank - 2) : undefined);
  const plain = candidates.filter((c) => !/^(Lazy|Sync)/.test(c.name));
  const list = plain.length ? plain : candidates;
  if (dim) {
    const same = list.find((c) => new RegExp(`${dim}d$`, 'i').test(c.name));
    if (same) return same;
  }
  return list.find((c) => !/\dd$/i.test(c.name)) ?? list[0];
}

/**
 * Where a per-channel layer reads its features: channels 'first' (axis 1), 'last' (axis −1 or rank − 1) or on
 * another axis, from its axis argument (Keras `axis`, Flax `axis`/`feature_axes`) or else its framework's layout.
 */
function channelLayout(
  spec: NormClassSpec,
  v: Record<string, PyValue>,
  fallback: 'first' | 'last',
  rank: number | undefined,
): { channels: 'first' | 'last'; axis?: number; rank?: number } | { channels: 'other'; axis: number; rank?: number } {
  const raw = spec.roles.axis ? v[spec.roles.axis] : undefined;
  const one = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof one !== 'number' || !Number.isInteger(one)) return { channels: fallback };
  const resolved = rank && one < 0 ? one + rank : one;
  // On a rank-2 input (N, C) the first and the last feature axis are the same.
  if (rank === 2 && resolved === 1) return { channels: fallback };
  if (resolved === 1) return { channels: 'first', axis: 1 };
  if (one === -1 || (rank && resolved === rank - 1)) return { channels: 'last', axis: -1 };
  return { channels: 'other', axis: resolved, rank };
}

/**
 * The equivalent layer in another framework's terms, for the same input layout: eps carried over
 * as a value (defaults differ), momentum converted between conventions, channel and group counts,
 * learnable scale/shift and running-statistics flags mapped by role.
 */
/** How a layer is told to use the batch's statistics at its call, where no argument of the class says it. */
const TRAINING_CALL: Partial<Record<FrameworkId, string>> = { keras: 'training=True', tf_keras: 'training=True', haiku: 'is_training=True' };

export function translate(
  spec: NormClassSpec,
  effective: Readonly<Record<string, BoundArgument | PyValue>>,
  toFramework: FrameworkId,
  options: {
    inputRank?: number;
    inputShape?: readonly number[];
    /** The learnable tensors the layer has when code other than its arguments decides (a subclass's `self.weight = None`). */
    tensors?: { weight?: boolean; bias?: boolean };
  } = {},
): Translation | { error: string } {
  const v: Record<string, PyValue> = {};
  for (const [k, e] of Object.entries(effective)) {
    v[k] = e !== null && typeof e === 'object' && 'isDefault' in e ? (e as BoundArgument).value : (e as PyValue);
  }
  // Keras LayerNormalization(rms_scaling=True) is x·rsqrt(var(x) + ε)·γ: neither LayerNorm nor RMSNorm anywhere else.
  if (v.rms_scaling === true) {
    return {
      error: `${spec.name}(rms_scaling=True) divides x (uncentred) by its standard deviation; ${frameworkInfo(toFramework)?.name ?? toFramework} has no layer that computes this`,
    };
  }
  let target = counterpart(spec, toFramework, options.inputRank ?? options.inputShape?.length);
  const toInfo = frameworkInfo(toFramework);
  const fromInfo = frameworkInfo(spec.framework);
  if (!toInfo || !fromInfo) return { error: `unknown framework ${toFramework}` };
  // An instance norm where the target has none: its group norm with a group per channel (Keras documents
  // GroupNormalization(groups=-1) as instance normalization; 3.15.1 matches InstanceNorm2d to 4.8e-7).
  let perChannel: NormClassSpec | undefined;
  if (!target && spec.kind === 'instance_norm') {
    const gn = counterpart({ ...spec, kind: 'group_norm' }, toFramework, options.inputRank ?? options.inputShape?.length);
    if (gn?.groupsPerChannel !== undefined && gn.roles.groups) target = perChannel = gn;
  }
  if (!target) return { error: `${toInfo.name} has no ${spec.kind.replace(/_/g, ' ')} layer` };
  if (perChannel && spec.roles.trackRunningStats && v[spec.roles.trackRunningStats] === true)
    return {
      error: `${spec.name} here keeps running statistics for evaluation; ${toInfo.name}'s ${perChannel.name} keeps none (it always normalizes with each sample's own statistics)`,
    };
  const out: Record<string, PyValue> = {};
  const notes: string[] = [];
  const r = spec.roles;
  const t = target.roles;
  const set = (name: string | undefined, value: PyValue) => {
    if (name && paramOf(target, name)) out[name] = value;
  };

  // Counts
  if (r.channels && t.channels && v[r.channels] !== undefined) set(t.channels, v[r.channels]);
  if (r.groups && t.groups && v[r.groups] !== undefined) set(t.groups, v[r.groups]);
  // Flax's group_size (num_groups=None): groups of that many channels. A target without it takes the count C / group_size,
  // known only where the channel count is (read below, once the input's sizes are in).
  const groupSize = r.groups && v[r.groups] === null && v.group_size !== null && v.group_size !== undefined ? v.group_size : undefined;
  if (groupSize !== undefined && t.groups) {
    if (paramOf(target, 'group_size')) set('group_size', groupSize);
    else delete out[t.groups];
  }
  if (perChannel) {
    set(t.groups, perChannel.groupsPerChannel!);
    notes.push(
      `${toInfo.name} has no instance norm class: ${perChannel.name} with ${t.groups}=${pyRepr(perChannel.groupsPerChannel!)} (one group per channel) computes it.`,
    );
  }
  // MLX's GroupNorm puts feature c in group c mod num_groups unless pytorch_compatible=True; the others group consecutive features
  const interleaves = (s: NormClassSpec, vals: Record<string, PyValue>) =>
    !!paramOf(s, 'pytorch_compatible') &&
    vals.pytorch_compatible !== true &&
    r.groups !== undefined &&
    vals[r.groups] !== 1 &&
    vals[r.groups] !== vals[r.channels ?? ''];
  if (paramOf(target, 'pytorch_compatible') && !interleaves(spec, v)) set('pytorch_compatible', true);
  if (interleaves(spec, v) && !paramOf(target, 'pytorch_compatible'))
    notes.push(
      `${spec.name} here puts feature c in group c mod ${r.groups} (pytorch_compatible=False); ${target.name} groups consecutive features: reorder the features, or build it with pytorch_compatible=True.`,
    );
  if (r.normalizedShape && v[r.normalizedShape] !== undefined) {
    const shape = v[r.normalizedShape];
    const k = Array.isArray(shape) ? shape.length : 1;
    const axes: PyValue = k === 1 ? -1 : Array.from({ length: k }, (_, i) => i - k);
    if (t.normalizedShape) set(t.normalizedShape, shape);
    else if (t.channels && (typeof shape === 'number' || (Array.isArray(shape) && shape.length === 1))) {
      // Flax nnx LayerNorm/RMSNorm(num_features): the size of the one normalized dim.
      set(t.channels, Array.isArray(shape) ? shape[0] : shape);
    } else if (t.axis) {
      set(t.axis, axes);
      // Flax keeps scale/offset on feature_axes, which must cover the same axes.
      if (paramOf(target, 'feature_axes')) set('feature_axes', axes);
      // Flax nnx sizes its flat scale/bias by num_features: the product of the feature axes' sizes (0.12.8
      // reshapes a (prod,) parameter to the feature axes; a tuple of sizes is refused).
      if (t.channels && Array.isArray(shape) && shape.every((d) => typeof d === 'number')) {
        set(
          t.channels,
          (shape as number[]).reduce((a, d) => a * d, 1),
        );
      }
    }
  }
  // Sizes the source takes from its input (Keras, Flax linen) but the target needs written out (PyTorch num_features,
  // normalized_shape; Flax nnx num_features): read from the input shape when the caller knows it.
  const shape = options.inputShape;
  if (shape && shape.length >= 2) {
    const rank = shape.length;
    const axisValue = r.axis ? v[r.axis] : -1;
    const axes = (Array.isArray(axisValue) ? axisValue : [axisValue]).filter((a): a is number => typeof a === 'number');
    const perPosition = spec.kind === 'layer_norm' || spec.kind === 'rms_norm' || spec.kind === 'standardize';
    if (t.channels && out[t.channels] === undefined && !('default' in (paramOf(target, t.channels) ?? {}))) {
      const ax = perPosition ? rank - 1 : fromInfo.channels === 'first' ? 1 : axes.length === 1 ? (axes[0] + rank) % rank : rank - 1;
      set(t.channels, shape[ax]);
    }
    if (t.normalizedShape && out[t.normalizedShape] === undefined && perPosition && axes.length) {
      const k = axes.length;
      set(t.normalizedShape, k === 1 ? shape[rank - 1] : shape.slice(rank - k));
    }
  }
  // A group per channel written as the source's own marker (Keras groups=-1): the target's marker, else the channel count
  if (r.groups && t.groups && spec.groupsPerChannel !== undefined && v[r.groups] === spec.groupsPerChannel && !perChannel) {
    delete out[t.groups];
    const axisValue = r.axis ? v[r.axis] : -1;
    const ax = typeof axisValue === 'number' && shape ? (axisValue + shape.length) % shape.length : undefined;
    const count = (t.channels ? out[t.channels] : undefined) ?? (ax !== undefined && shape ? shape[ax] : undefined);
    if (target.groupsPerChannel !== undefined) set(t.groups, target.groupsPerChannel);
    else if (typeof count === 'number') set(t.groups, count);
    else notes.push(`${target.name} needs ${t.groups} = the channel count (${spec.name} here has one group per channel).`);
  }
  // Per-position layers written with axes on both sides (Keras axis → Haiku axis, Flax reduction_axes).
  if ((spec.kind === 'layer_norm' || spec.kind === 'rms_norm') && r.axis && t.axis && out[t.axis] === undefined && isLiteral(v[r.axis])) {
    set(t.axis, v[r.axis]);
    if (paramOf(target, 'feature_axes')) {
      // The scale spans the source's feature axes: Flax's own feature_axes, Keras's normalized axes.
      const feature = spec.params.some((q) => q.name === 'feature_axes') && isLiteral(v.feature_axes) ? v.feature_axes : v[r.axis];
      set('feature_axes', feature);
      // Flax nnx: num_features is the product of the feature axes' sizes (see above).
      const list = Array.isArray(feature) ? feature : [feature];
      if (t.channels && shape && list.every((a) => typeof a === 'number' && Number.isInteger(a) && a >= -shape.length && a < shape.length)) {
        set(
          t.channels,
          (list as number[]).reduce((acc, a) => acc * shape[(a + shape.length) % shape.length], 1),
        );
      }
    }
  }
  if (groupSize !== undefined && t.groups && !paramOf(target, 'group_size')) {
    const fromShape = shape && shape.length >= 2 ? shape[fromInfo.channels === 'first' ? 1 : shape.length - 1] : undefined;
    const count = t.channels && typeof out[t.channels] === 'number' ? out[t.channels] : r.channels ? v[r.channels] : fromShape;
    if (typeof count === 'number' && typeof groupSize === 'number' && groupSize > 0 && count % groupSize === 0) set(t.groups, count / groupSize);
    else
      notes.push(
        `${target.name} needs ${t.groups} = C / ${pyRepr(groupSize)}: ${spec.name} here splits the input's C channels into groups of ${pyRepr(groupSize)}.`,
      );
  }
  const channelsParam = t.channels ? paramOf(target, t.channels) : undefined;
  if (t.channels && !(channelsParam && Object.hasOwn(channelsParam, 'default')) && out[t.channels] === undefined) {
    notes.push(`${target.name} needs ${t.channels}: the channel count of the input.`);
  }

  // Channel layout: where the source's features are (its framework's default, or its axis argument: Keras
  // BatchNormalization(axis=1) reads channels first), and whether the target takes them there.
  if (spec.kind === 'batch_norm' || spec.kind === 'group_norm' || spec.kind === 'instance_norm') {
    const layout = channelLayout(spec, v, fromInfo.channels, options.inputRank ?? options.inputShape?.length);
    const explicit = layout.channels !== fromInfo.channels;
    if (layout.channels === 'other') {
      const where = layout.rank ? `axis ${layout.axis} of a rank-${layout.rank} input` : `axis ${layout.axis}`;
      if (!t.axis) {
        return {
          error: `${spec.name} here reads its features on ${where}; ${target.name} reads them on ${toInfo.channels === 'last' ? 'the last axis' : 'axis 1'}: move that axis first (NormLens does not write the move)`,
        };
      }
      set(t.axis, layout.axis);
    } else if (explicit && t.axis) {
      // The target takes the same axis as an argument (Keras axis, Flax axis/feature_axes): no transpose.
      set(t.axis, layout.channels === 'first' ? 1 : -1);
    } else if (layout.channels !== toInfo.channels) {
      if (t.axis && toInfo.channels === 'last' && (toFramework === 'keras' || toFramework === 'tf_keras')) {
        set(t.axis, 1);
      } else {
        notes.push(
          `${toInfo.name} expects channels ${toInfo.channels} (${toInfo.channels === 'last' ? 'N, ..., C' : 'N, C, ...'}); ${explicit ? `${spec.name} here reads` : `${fromInfo.name} uses`} channels ${layout.channels}: transpose the input.`,
        );
      }
    }
  }

  // eps
  if (r.eps && t.eps) {
    const e = v[r.eps];
    const targetDefault = paramOf(target, t.eps)?.default;
    if (e === null && spec.kind === 'rms_norm') {
      if (targetDefault !== null) {
        // (the machine epsilon of the input's dtype: float64's for a float64 layer)
        const dtype = v.dtype;
        const dtypeText =
          typeof dtype === 'string' ? dtype : dtype && typeof dtype === 'object' && !Array.isArray(dtype) && 'expr' in dtype ? String(dtype.expr) : '';
        const f64 = /(^|\.)(float64|double)$/.test(dtypeText);
        set(t.eps, f64 ? 2 ** -52 : 1.1920928955078125e-7);
        notes.push(
          `${spec.name} eps=None means ${f64 ? 'float64 machine epsilon (2.22e-16)' : 'float32 machine epsilon (1.19e-7)'}; written out for ${target.name}.`,
        );
      }
    } else if (e !== undefined) {
      set(t.eps, e);
      if (isLiteral(e) && isLiteral(targetDefault) && e !== targetDefault) {
        // (one name in both frameworks, LayerNorm to Flax's LayerNorm: each by its qualified name)
        const same = target.name === spec.name;
        notes.push(`${same ? target.id : target.name}'s default ${t.eps} is ${pyRepr(targetDefault)}, ${same ? spec.id : spec.name}'s here is ${pyRepr(e)}.`);
      }
    }
  }

  // Momentum
  if (r.momentum && t.momentum && v[r.momentum] !== undefined) {
    const m = v[r.momentum];
    const fc = fromInfo.momentumConvention;
    const tc = toInfo.momentumConvention;
    if (m === null) notes.push(`momentum=None (cumulative average) has no equivalent in ${toInfo.name}.`);
    else if (typeof m === 'number' && fc && tc && m >= 0 && m <= 1) {
      const converted = Math.round(convertMomentum(m, fc, tc) * 1e12) / 1e12;
      set(t.momentum, converted);
      if (fc !== tc) notes.push(`momentum ${m} in ${fromInfo.name}'s convention is ${converted} in ${toInfo.name}'s.`);
      if (tc === 'decay-debiased' && fc !== 'decay-debiased') notes.push(`${toInfo.name} also divides its average by (1 − decay^t) (zero-debiasing).`);
    } else if (typeof m === 'number' && fc && tc && Number.isFinite(m)) {
      // outside [0, 1] the running average overshoots (or moves away from the batch); both update rules are
      // linear in it, so 1 − m in the other convention updates exactly as m does here
      const flips = (fc === 'new-weight') !== (tc === 'new-weight');
      const converted = flips ? Math.round((1 - m) * 1e12) / 1e12 : m;
      set(t.momentum, converted);
      notes.push(
        `momentum ${m} lies outside [0, 1]: each update moves the running statistics past the batch's (or away from them)${flips ? `; ${converted} in ${toInfo.name}'s convention updates them the same way` : ''}.`,
      );
      if (tc === 'decay-debiased' && fc !== 'decay-debiased') notes.push(`${toInfo.name} also divides its average by (1 − decay^t) (zero-debiasing).`);
    } else set(t.momentum, m);
  }

  // Learnable scale / shift
  const { weight, bias } = { ...affineOf(spec, v), ...options.tensors };
  if (t.affine) {
    set(t.affine, weight === true || bias === true);
    if (weight !== bias && !t.scale && !t.bias && target.kind !== 'rms_norm' && spec.kind !== 'rms_norm') {
      notes.push(`${target.name} cannot have a scale without a shift (or the reverse).`);
    }
    if (t.bias && paramOf(target, t.bias)) set(t.bias, bias);
  } else {
    if (t.scale) set(t.scale, weight);
    if (t.bias) set(t.bias, bias);
  }
  if (r.trackRunningStats && t.trackRunningStats && v[r.trackRunningStats] !== undefined) set(t.trackRunningStats, v[r.trackRunningStats]);
  // an InstanceNorm that keeps running statistics normalizes with them in evaluation; one that keeps none never does
  if (spec.kind === 'instance_norm' && target.kind === 'instance_norm' && r.trackRunningStats && v[r.trackRunningStats] === true && !t.trackRunningStats)
    notes.push(
      `${spec.name} here keeps running statistics and normalizes with them in evaluation; ${target.name} keeps none (each sample's own statistics, always): evaluation outputs differ.`,
    );
  // A BatchNorm without running statistics normalizes with the batch's own in evaluation too: a target without the
  // flag gets that only by being called in training mode always (its momentum then changes nothing).
  const keepsNone = spec.kind === 'batch_norm' && r.trackRunningStats !== undefined && v[r.trackRunningStats] === false;
  if (keepsNone && !t.trackRunningStats) {
    const train = target.modeArg ? `${target.modeArg.name}=${pyRepr(target.modeArg.trainWhen)}` : TRAINING_CALL[toFramework];
    const how = train ? `call it with ${train}` : 'keep it in training mode';
    notes.push(`${spec.name} here keeps no running statistics, so evaluation uses the batch's statistics too: ${how} in evaluation as well.`);
  }

  // A BatchNorm fixed in inference mode (Flax use_running_average=True at construction, Keras trainable=False, which
  // Keras 3 runs with its moving statistics even under training=True): the target must be told so too.
  const alwaysEval =
    spec.kind === 'batch_norm' &&
    ((spec.modeArg?.name === 'use_running_average' && v.use_running_average === true) ||
      ((spec.framework === 'keras' || spec.framework === 'tf_keras') && v.trainable === false));
  if (alwaysEval) {
    if (target.modeArg?.name === 'use_running_average' && paramOf(target, 'use_running_average')) set('use_running_average', true);
    else {
      const how =
        toFramework === 'pytorch'
          ? 'call .eval() on it'
          : target.modeArg
            ? `call it with ${target.modeArg.name}=${pyRepr(!target.modeArg.trainWhen)}`
            : TRAINING_CALL[toFramework]
              ? `call it with ${TRAINING_CALL[toFramework]!.replace('True', 'False')}`
              : 'use it in inference mode only';
      notes.push(`${spec.name} here always normalizes with its running statistics: ${how}, or it normalizes with each batch's.`);
    }
  }
  // Flax's fast variance (its default, E[x²] − E[x]²) loses digits when the mean is large against the spread; the others
  // subtract the mean first. A Flax target computes as the source does only with the source's choice.
  if (spec.kind !== 'rms_norm' && target.kind !== 'rms_norm') {
    const fast = (s: NormClassSpec, vals: Record<string, PyValue>) => {
      const q = paramOf(s, 'use_fast_variance');
      return !!q && (vals.use_fast_variance !== undefined ? vals.use_fast_variance : q.default) === true;
    };
    const sourceFast = fast(spec, v);
    if (paramOf(target, 'use_fast_variance')) set('use_fast_variance', sourceFast);
    else if (sourceFast)
      notes.push(
        `${spec.name} here computes the variance as E[x²] − E[x]² (use_fast_variance=True), which loses precision when the mean is large against the spread; ${target.name} subtracts the mean first, so outputs can differ on such inputs.`,
      );
  }

  // Keep required arguments and those that differ from the target's defaults, in signature order.
  const args: Record<string, PyValue> = {};
  for (const q of target.params) {
    if (!(q.name in out)) continue;
    if ('default' in q && JSON.stringify(q.default) === JSON.stringify(out[q.name])) continue;
    args[q.name] = out[q.name];
  }
  // Flax nnx's rngs: required, but any key gives the same numbers; written so the code runs as shown.
  for (const q of target.params) if (q.plumbing && !('default' in q) && q.name === 'rngs') args[q.name] = { expr: 'flax.nnx.Rngs(0)' };
  // (a count already explained above is not listed again)
  for (const q of target.params) {
    if (!('default' in q) && !q.tensor && !(q.name in args) && !notes.some((n) => n.startsWith(`${target.name} needs ${q.name}`)))
      notes.push(`${target.name} requires ${q.name}.`);
  }
  if (target.framework === 'flax_linen' && target.modeArg?.name === 'use_running_average' && !('use_running_average' in args) && !keepsNone) {
    notes.push(
      "Call it with use_running_average=False in training (apply(..., mutable=['batch_stats'])) and True in evaluation; Flax linen requires it at construction or call.",
    );
  }
  // Required arguments go positionally only while every earlier positional slot is filled; after a gap (a required
  // argument NormLens cannot supply) they must be keywords, or they would land in the wrong slot.
  const positional: string[] = [];
  for (const q of target.params.filter((x) => !x.keywordOnly && !x.tensor)) {
    if ('default' in q || !(q.name in args)) break;
    positional.push(q.name);
  }
  const parts = Object.entries(args).map(([k, val]) => (positional.includes(k) ? pyRepr(val) : `${k}=${pyRepr(val)}`));
  const qualifiedName = target.qualifiedNames[0];
  return { spec: target, qualifiedName, args, code: `${qualifiedName}(${parts.join(', ')})`, notes };
}
