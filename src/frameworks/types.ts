/**
 * Types of the framework table: every normalization class or function NormLens knows, with
 * its arguments in order, defaults, conventions and documentation source. The table itself
 * lives in ./table.ts; nothing else in the code base hard-codes a framework fact.
 */
import type { MomentumConvention } from '../core/conversions';
import type { CoreLayerSpec } from '../core/spec';

/**
 * A Python value as written in source or as a default. Literals become JSON-like values
 * (tuples and lists both become arrays); anything that is not a literal is kept as its
 * source text in `{ expr }`.
 */
export type PyValue = number | string | boolean | null | PyValue[] | { expr: string };

/** Every framework NormLens knows, by id (the framework table, the panel, settings and links use these). */
export const FRAMEWORK_IDS = ['pytorch', 'keras', 'tf_keras', 'flax_linen', 'flax_nnx', 'haiku', 'mlx', 'paddle', 'jax'] as const;
export type FrameworkId = (typeof FRAMEWORK_IDS)[number];

export interface FrameworkInfo {
  id: FrameworkId;
  /** Human name, e.g. 'PyTorch', 'Keras 3'. */
  name: string;
  /** Default data layout of its layers. */
  channels: 'first' | 'last';
  momentumConvention: MomentumConvention | null;
  /**
   * The real package whose `inspect.signature` the table's signatures of this framework are checked against
   * (test/unit/frameworks/signatures.test.ts), e.g. 'torch 2.13'; absent when they follow documentation and
   * source only, so a keyword the table does not know may still exist.
   */
  signaturesFrom?: string;
  /** How train vs inference is chosen, in one sentence (shown in hovers). */
  modeSwitch: string;
  /** Top-level module prefixes that identify it, e.g. ['torch'], ['keras', 'tensorflow.keras']. */
  modules: string[];
  /**
   * The framework's own names of a layer's learnable parameters and running statistics (what `normlens compute`
   * reads and answers with); null where the framework keeps no such thing.
   */
  tensorNames: TensorNames;
}

export interface TensorNames {
  /** Per-feature scale γ: PyTorch `weight`, Keras `gamma`, Flax `scale`. */
  weight: string;
  /** Per-feature shift β: PyTorch `bias`, Keras `beta`, Haiku `offset`. */
  bias: string;
  /** Running mean: PyTorch `running_mean`, Keras `moving_mean`, Flax `mean`. */
  runningMean: string;
  /** Running variance: PyTorch `running_var`, Keras `moving_variance`, Flax `var`. */
  runningVar: string;
  /** Update counter, where the framework keeps one (PyTorch `num_batches_tracked`, Haiku `counter`). */
  counter: string | null;
}

/** An argument of the layer's call (not its constructor) that matters to the numbers. */
export interface CallParam {
  name: string;
  doc: string;
  /** Value when the call leaves it out; absent when the call must give it. */
  default?: PyValue;
  /** The argument chooses batch statistics (training) when it has this value. */
  trainWhen?: boolean;
}

/** What a layer family computes (wider than the core's kinds: also unit/Lp normalization). */
export const LAYER_KINDS = [
  'batch_norm',
  'layer_norm',
  'group_norm',
  'instance_norm',
  'rms_norm',
  'local_response_norm',
  'unit_norm',
  'lp_normalize',
  'standardize',
] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

/**
 * The five normalizations computed from statistics over a group of elements, compared side by
 * side in the panel and offered by the Normalize calculator.
 */
export const NORM_METHODS = ['batch_norm', 'layer_norm', 'rms_norm', 'group_norm', 'instance_norm'] as const satisfies readonly LayerKind[];
export type NormMethod = (typeof NORM_METHODS)[number];

export function isNormMethod(kind: string): kind is NormMethod {
  return (NORM_METHODS as readonly string[]).includes(kind);
}

export interface ParamSpec {
  name: string;
  /** Default value; absent when the argument is required. */
  default?: PyValue;
  /** true when the argument can only be given by keyword (after `*` in the signature). */
  keywordOnly?: boolean;
  /** One line: what the argument means. */
  doc: string;
  /**
   * The argument is a tensor operand of a function (input, weight, running_mean...), not a
   * setting: `normlens compute` fills it from the request's input/params/state.
   */
  tensor?: boolean;
  /** Only in newer releases than some users have (e.g. PyTorch LayerNorm `bias`, 2.1+). */
  since?: string;
  /**
   * Not in the signature: taken from **kwargs by the class itself (Keras LayerNormalization pops `rms_scaling`).
   * Listed so that it binds, shows in hovers and reaches toCore; the signature test skips it.
   */
  viaKwargs?: boolean;
  /**
   * Framework plumbing that cannot change the numbers and that JSON cannot carry (Flax nnx `rngs`): required by
   * the real signature, but `normlens compute` supplies it when a request leaves it out.
   */
  plumbing?: boolean;
}

/**
 * Which parameter plays which role, so that rules and explanations can ask "where is the
 * channel count" without knowing each framework's spelling.
 */
export interface ParamRoles {
  channels?: string;
  groups?: string;
  eps?: string;
  momentum?: string;
  normalizedShape?: string;
  axis?: string;
  affine?: string;
  scale?: string;
  bias?: string;
  trackRunningStats?: string;
}

export interface NormClassSpec {
  /** Canonical qualified name, e.g. 'torch.nn.BatchNorm2d'. */
  id: string;
  framework: FrameworkId;
  /** Every importable path that denotes it, canonical first (e.g. also 'torch.nn.modules.batchnorm.BatchNorm2d'). */
  qualifiedNames: string[];
  /** Short name, e.g. 'BatchNorm2d'. */
  name: string;
  kind: LayerKind;
  /** 'module': a class constructed then called; 'function': called on the input directly. */
  form: 'module' | 'function';
  /** Constructor (or function) parameters in signature order, excluding self. */
  params: ParamSpec[];
  /** The signature ends in **kwargs (e.g. Keras layers accept name=, dtype=...). */
  varKeywords?: boolean;
  /**
   * The group count that means one group per channel (instance normalization), when the class has such a
   * sentinel: Keras's GroupNormalization(groups=-1).
   */
  groupsPerChannel?: number;
  /**
   * When **kwargs accepts only some names (Keras 3's base Layer: name, dtype, trainable...), those names; any other
   * keyword is refused with the class's own ValueError, worded by `bindingMessage` (e.g. Keras's "Unrecognized keyword arguments passed to
   * BatchNormalization: {'fused': False}").
   */
  kwargsAccepted?: { names: string[]; /** The layer's name in the refusal ("Unrecognized keyword arguments passed to BatchNormalization"). */ layer: string };
  /**
   * The argument that chooses batch statistics vs running statistics at construction or call,
   * and the value that means training (batch statistics): F.batch_norm `training=True`,
   * Flax `use_running_average=False`.
   */
  modeArg?: { name: string; trainWhen: boolean };
  /**
   * Call-time arguments that choose the mode (Keras `training`, Flax `use_running_average`, Haiku `is_training`), in
   * the call's order; `normlens compute` takes them from the request's "call" object.
   */
  callParams?: CallParam[];
  /** Names of its parameters/statistics where they differ from its framework's (Keras RMSNormalization: `scale`). */
  tensorNames?: Partial<TensorNames>;
  /** Release that introduced it, when recent (e.g. PyTorch RMSNorm: '2.4'). */
  since?: string;
  roles: ParamRoles;
  /** Expected input layout in words, e.g. '(N, C, H, W)'. */
  inputShape: string;
  /** Where statistics are taken, in words, e.g. 'over N, H, W for each channel C'. */
  statistics: string;
  /** Variance stored in running statistics, where there are any. */
  storedVariance?: 'biased' | 'unbiased';
  /** Where the facts come from (documentation page or source file). */
  source: string;
  /** Notes worth showing (framework-specific behaviour). */
  notes?: string[];
  /**
   * Translate effective arguments (every parameter bound, defaults filled in) into the core's
   * canonical spec, given the input's rank (and full shape) when known; layers whose axes are
   * sized from the input (Keras LayerNormalization, Flax LayerNorm...) need the shape. Returns a message when the arguments
   * cannot be computed (e.g. an argument that is an expression, or a kind the core lacks).
   */
  toCore?(args: Record<string, PyValue>, inputRank?: number, inputShape?: readonly number[]): CoreLayerSpec | { error: string };
}
