/**
 * What the recognizer reports about a Python source text. Positions are 0-based lines and
 * 0-based columns in UTF-16 code units (the unit VS Code and LSP use), so they map directly
 * onto editor ranges; the CLI converts to 1-based for people.
 */
import type { NormClassSpec, PyValue } from '../frameworks/types';
import type { BindingError } from '../frameworks/index';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
  /** Offsets into the scanned text (UTF-16 code units), start inclusive, end exclusive. */
  startOffset: number;
  endOffset: number;
}

export interface CallArgument {
  /** Keyword name, or undefined for a positional argument. */
  name?: string;
  /** '*' for `*args`, '**' for `**kwargs`, undefined otherwise. */
  star?: '*' | '**';
  /** The literal value, or { expr } holding the source text when it is not a literal. */
  value: PyValue;
  /** Source text of the value expression. */
  text: string;
  /** Range of the whole argument (keyword included). */
  range: Range;
  /** Range of the value expression only. */
  valueRange: Range;
  /** Set by the semantic model: a `**mapping` of the call (as written) that may set this value instead (see EffectiveArgument). */
  maySetBy?: string;
  /** Set by the semantic model, for a `**mapping`: the keys it may hold, when the code fixes them. */
  keys?: string[];
}

export interface ScannedCall {
  /** Callee as written, whitespace and comments removed: 'nn.BatchNorm2d'. */
  callee: string;
  /** Range of the callee's dotted name. */
  calleeRange: Range;
  /** Range of the last name segment (e.g. 'BatchNorm2d'), where hovers anchor. */
  nameRange: Range;
  /** From the callee's start to the closing parenthesis. */
  range: Range;
  args: CallArgument[];
  /** False when the call was cut off (no closing parenthesis before the text broke). */
  complete: boolean;
  /** Index (in the same call list) of the nearest call whose parentheses enclose this one. */
  parent?: number;
  /** Which argument of `parent` (0-based, in written order) contains this call. */
  parentArg?: number;
  /** True when this call is that whole argument (`Seq(nn.BatchNorm2d(3))`), not part of it. */
  wholeArg?: boolean;
  /**
   * Assignment target when the call is the whole right side of `target = call(...)` (also
   * `self.bn = ...`, `x: T = ...`; for `a = b = call()` the nearest one, 'b').
   */
  target?: string;
}

/**
 * Every call of a scan, in text order, read without building objects: offsets and callees come
 * from compact rows, and `call(k)` builds (and keeps) the ScannedCall of one row when needed.
 * A DocumentIndex's rows are valid until its next edit.
 */
export interface CallRows {
  readonly count: number;
  /** range.startOffset of call k. */
  start(k: number): number;
  /** range.endOffset of call k. */
  end(k: number): number;
  complete(k: number): boolean;
  callee(k: number): string;
  call(k: number): ScannedCall;
}

/** A lexical or bracket problem; what follows it may be lost, nothing before it is. */
export interface ScanError {
  message: string;
  range: Range;
}

/** A module-level name rebound by assignment, `def` or `class` (it no longer denotes an import). */
export interface Rebinding {
  local: string;
  /** Offset from which the new meaning applies (end of the statement). */
  at: number;
}

export interface ScanResult {
  calls: ScannedCall[];
  imports: ImportBinding[];
  errors: ScanError[];
  rebinds: Rebinding[];
}

export interface ImportBinding {
  /** Local name bound in the module: 'nn', 'F', 'BN2d'. */
  local: string;
  /** What it denotes: 'torch.nn', 'torch.nn.BatchNorm2d'. */
  target: string;
  range: Range;
}

export interface EffectiveArgument {
  value: PyValue;
  /** True when the user did not write it and the framework's default applies. */
  isDefault: boolean;
  /** Range of what the user wrote, when written. */
  range?: Range;
  /**
   * A `**mapping` (as written) that may replace this value: a user class passes its own
   * parameter's default on to the framework class, and the call gives that class a mapping that
   * may hold the parameter.
   */
  maySetBy?: string;
  /** Other literal values other callers give it (the same class reached through their own partials). */
  alternatives?: PyValue[];
  /**
   * An expression the code gives only numbers, several of them, at this call (`c` of `for c in [64, 48]`, of a
   * comprehension over a literal tuple, of a local function called with literals only): those numbers, in the order
   * the code gives them. The value stays the expression: which one reaches the call depends on the run.
   */
  oneOf?: number[];
  /**
   * The statement, as written with its class, that certainly sets this value once the layer is
   * built (`self.eps = 1e-6 in LN` after its `super().__init__`, `self.bn.eps = 1e-3`): the layer
   * computes with it, not with what it was built with.
   */
  setAfter?: string;
}

/** How a layer was found: the last way its class reached the call. */
export type FoundVia = 'import' | 'alias' | 'attribute' | 'parameter-default' | 'call' | 'partial' | 'subclass' | 'custom-module';

/** Where a layer's class comes from, for layers not written as a direct call of a framework class. */
export interface LayerOrigin {
  via: FoundVia;
  /** In words, Markdown-free: "default of `norm_layer`, line 117" (lines 1-based). */
  how: string;
  /** 0-based line the explanation points at. */
  line?: number;
  /** The user class, for subclasses and custom modules (line 0-based; path when in another file). */
  definedBy?: { name: string; line: number; path?: string };
  /** Every framework class the call may build, when more than one (qualified names). */
  candidates?: string[];
  /**
   * Every class the call may build, when more than one and some are user classes: a user class
   * (subclass, custom module) by its own name, a framework class by its qualified name
   * (`['LayerNorm2d', 'LayerNorm']` for two subclasses of torch.nn.LayerNorm).
   */
  classes?: string[];
  /** For custom modules: what the forward computes, e.g. 'rsqrt of mean square over the last dim'. */
  computes?: string;
  /** A caller passes the callee something NormLens cannot follow (`norm_layers[i]`): as written, and its 0-based line. */
  unfollowed?: { text: string; line: number };
  /**
   * A LayerNorm (subclass or custom module) that normalizes the channels of a channels-first input
   * (N, C, *) although its class normalizes the last axes: its forward moves the channels last and
   * back (timm's LayerNorm2d), or reduces over dim 1. `rank` is the input rank it is written for;
   * `how` says it in words, Markdown-free with code in backticks.
   */
  channelsFirst?: { rank: number; how: string };
  /** For custom modules whose forward scales by `1 + self.<attr>` (Gemma's RMSNorm): the attribute, and whether it starts at 0. */
  scaleOffset?: { attr: string; zeroInit: boolean };
  /** A frozen BatchNorm (custom module): it normalizes with stored statistics, scale and shift in training too, and never updates them. */
  frozen?: boolean;
}

/**
 * Where a normalization layer sits relative to a residual add, from the data flow of the code
 * that applies it: 'pre-norm' (x + F(norm(x)): it normalizes the input of a branch whose output is
 * added back to that input) or 'post-norm' (norm(x + F(x)): it normalizes the sum).
 */
export interface LayerPlacement {
  kind: 'pre-norm' | 'post-norm';
  /** 0-based line of the residual add. */
  addLine: number;
  /** 0-based line where the layer is applied. */
  applyLine: number;
}

export interface ResolvedLayer {
  call: ScannedCall;
  /** Pre-/post-norm placement in a residual block, when the data flow shows one. */
  placement?: LayerPlacement;
  /** Set when the class was not named at the call (a parameter, partial, subclass, custom module...). */
  origin?: LayerOrigin;
  qualifiedName: string;
  spec: NormClassSpec;
  /** What the user wrote, bound to parameter names (positional ones included). */
  arguments: Record<string, PyValue>;
  /** Every parameter, in signature order: written or default. */
  effective: Record<string, EffectiveArgument>;
  /**
   * Problems binding the call (too many positionals, unknown keyword, missing required), as data;
   * `bindingMessage` (src/frameworks) words each as Python does.
   */
  bindingErrors: BindingError[];
  /**
   * For arguments written as expressions, by parameter name: the default the code itself gives
   * them, when it is a literal: the enclosing function's parameter default (`def f(eps=1e-6):
   * F.rms_norm(x, s, eps=eps)`) or the user class's `__init__` default (`def __init__(self, dim,
   * eps=1e-6)` of a custom module or subclass). `from` says where, Markdown-free with names in
   * backticks: "default of `eps` in `LlamaRMSNorm.__init__`, line 6".
   */
  codeDefaults?: Record<string, { value: PyValue; from: string }>;
  /**
   * The `**mapping`s the call passes, directly or through a partial (`**kw`, as written, comma-separated), and the
   * parameters it may set when its keys are known (a dict written with literal keys that the code
   * never changes): the defaults shown for the other parameters hold. Without `keys`, any default
   * may be replaced by it.
   */
  kwargsUnpacked?: { text: string; keys?: string[] };
  /**
   * A `*sequence` argument the code fixes (`*(32, 64)`, or `*args` with `args = (32, 64)` used only
   * so): as written, and the parameters its items bind (their values are in `effective`, without a
   * range of their own).
   */
  argsUnpacked?: { text: string; names: string[] };
  /**
   * The learnable tensors a user class between the call and the framework class removes once
   * built, where no argument of the class says so (`self.weight = None` after `super().__init__`
   * in a torch subclass, `self.bias = None` in a BatchNorm or Flax nnx one): by tensor (γ is
   * 'weight', β 'bias'), the statement as written with its class, and whether it certainly runs.
   * (A torch LayerNorm's bias removal is its `bias=False` argument instead.)
   */
  removed?: { weight?: Removal; bias?: Removal };
  /**
   * The learnable tensors a user class between the call and a PyTorch norm class puts back once
   * built where its arguments left them out (`self.weight = nn.Parameter(torch.ones(c))` after
   * `super().__init__(c, elementwise_affine=False)`; PyTorch 2.13's forward passes self.weight and
   * self.bias on): by tensor, the statement as written with its class, and whether it certainly runs.
   */
  restored?: { weight?: Removal; bias?: Removal };
  /**
   * A statement that sets `track_running_stats = False` on a PyTorch BatchNorm or InstanceNorm
   * built with it True (a subclass's `self.track_running_stats = False` after its base, `self.bn.
   * track_running_stats = False`, a loop over the model's layers), and whether it certainly runs.
   * PyTorch 2.13 keeps the running statistics as buffers: a BatchNorm then stops updating them and
   * still normalizes with them in eval; an InstanceNorm keeps updating them but normalizes each
   * sample by its own statistics in eval too.
   */
  untracked?: Removal;
  /** Notebook cell index, when scanning a notebook. */
  cell?: number;
}

/** A statement that removes (or puts back) a layer's γ or β once built (see ResolvedLayer.removed, restored). */
export interface Removal {
  code: string;
  definite: boolean;
}
