/**
 * `normlens compute`: one JSON request in, one JSON response out. The layer is named by any
 * framework's qualified name and configured with that framework's argument names; the framework
 * table translates it for the core. Every failure is answered as
 * { "error": { "type", "message" } } with exit code 2, PyTorch's wording where PyTorch raises.
 */
import { NormError, Tensor, runLayer, type NormErrorType } from '../core/index';
import type { LayerParams, LayerState, RunResult } from '../core/types';
import { allQualifiedNames, bindArguments, bindingException, bindingMessage, effectiveValues, findByQualifiedName, frameworkInfo } from '../frameworks/index';
import {
  FieldError,
  checkSizes,
  fillPlumbing,
  gradAnswer,
  namesHelp,
  numbers as readNumbers,
  readTensors,
  resolveMode,
  startTensors,
  stateAnswer,
} from './frameworkRequest';
import type { NormClassSpec, PyValue } from '../frameworks/types';
import type { CoreLayerSpec } from '../core/spec';
import { terminalSafeJson, truncateText } from '../core/visible';

/** Largest input accepted (elements); JSON of this size is already ~200 MB. */
export const MAX_COMPUTE_ELEMENTS = 1 << 24;
/** Longest error message answered (characters). */
const MAX_MESSAGE_CHARS = 1000;
/** Most dimensions of an input. */
export const MAX_COMPUTE_RANK = 32;
/** Deepest nesting of lists in a kwargs value. */
export const MAX_KWARGS_DEPTH = 32;
/** Longest layer name looked at (characters): longer ones are echoed truncated and get no suggestions. */
const MAX_NAME_SHOWN = 100;
const MAX_NAME_SUGGESTED = 200;

export interface ComputeAnswer {
  /** 0 on success, 2 on any error. */
  code: number;
  /** The JSON response, one line, newline-terminated; when `rest` is there, its first part. */
  output: string;
  /**
   * The rest of a response too long for one JavaScript string (V8's longest is 2^29 − 24
   * characters: 16,777,216 values written with their gradients pass it), written after `output`.
   */
  rest?: readonly string[];
}

/** Values of a long array written per string (about 20 MB of text). */
const VALUES_PER_PIECE = 1 << 20;
const PIECE_MARK = '\u0000normlens-piece:';

/**
 * JSON.stringify(value) as strings to write one after another, joined equal to it: an array of
 * more than VALUES_PER_PIECE values is written over several.
 */
export function jsonPieces(value: unknown): string[] {
  const long: unknown[][] = [];
  const marked = JSON.stringify(value, (_key, x: unknown) => (Array.isArray(x) && x.length > VALUES_PER_PIECE ? `${PIECE_MARK}${long.push(x) - 1}` : x));
  if (!long.length) return [marked];
  // (JSON writes the mark's NUL as \u0000: no string of the response can hold it written so)
  const parts = marked.split(/"\\u0000normlens-piece:(\d+)"/);
  const out: string[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      if (part) out.push(part);
      return;
    }
    const a = long[Number(part)];
    for (let j = 0; j < a.length; j += VALUES_PER_PIECE) {
      const inner = JSON.stringify(a.slice(j, j + VALUES_PER_PIECE)).slice(1, -1);
      out.push((j === 0 ? '[' : ',') + inner + (j + VALUES_PER_PIECE >= a.length ? ']' : ''));
    }
  });
  return out;
}

class RequestError extends Error {
  constructor(
    readonly type: NormErrorType,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string): never => {
  throw new RequestError('InputError', message);
};

const KEYS = ['layer', 'kwargs', 'mode', 'call', 'input', 'params', 'state', 'gradOutput'];

/** Where a JSON syntax error is, as "line L, column C" and what is there. */
function jsonErrorPlace(text: string): string {
  const pos = jsonErrorOffset(text);
  if (pos < 0) return 'not valid JSON';
  const before = text.slice(0, pos);
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  const column = pos - before.lastIndexOf('\n');
  if (deepAt === pos) return `nested more than ${MAX_JSON_DEPTH} levels deep at line ${line}, column ${column} (the error, if any, is further in)`;
  const found = pos >= text.length ? 'the text ends early' : `unexpected ${JSON.stringify(text.slice(pos, pos + 12))}`;
  return `${found} at line ${line}, column ${column}`;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * Up to three canonical names closest to `name` (aliases count toward their class). Names longer
 * than any qualified name by far get none: the edit distance is O(length), so it stays bounded.
 */
export function closestLayers(name: string): string[] {
  if (name.length > MAX_NAME_SUGGESTED) return [];
  const lower = name.toLowerCase();
  const best = new Map<string, number>();
  for (const q of allQualifiedNames()) {
    const id = findByQualifiedName(q)!.id;
    const d = levenshtein(lower, q.toLowerCase());
    if (!best.has(id) || d < best.get(id)!) best.set(id, d);
  }
  return [...best.entries()]
    .sort((x, y) => x[1] - y[1])
    .slice(0, 3)
    .map(([id]) => id);
}

/** Deepest nesting the syntax-error scanner follows. */
const MAX_JSON_DEPTH = 1000;
/** Where the last scan stopped for depth (-1: it did not). */
let deepAt = -1;

/** Offset of the first JSON syntax error in `text` (a small RFC 8259 scanner), or -1. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  let depth = 0;
  deepAt = -1;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_JSON_DEPTH) {
      // The scanner recurses; past this depth it stops and says so instead of overflowing the stack.
      deepAt = i;
      fail();
    }
    if (c === '{') {
      depth++;
      i++;
      ws();
      if (text[i] === '}') return void (i++, depth--);
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void (i++, depth--);
        else fail();
      }
    } else if (c === '[') {
      depth++;
      i++;
      ws();
      if (text[i] === ']') return void (i++, depth--);
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void (i++, depth--);
        else fail();
      }
    } else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    } else {
      for (const w of ['true', 'false', 'null']) if (text.startsWith(w, i)) return void (i += w.length);
      fail();
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (pos) {
    return typeof pos === 'number' ? pos : -1;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A kwargs value as a Python literal: JSON null/bool/number/string/list; objects are refused. */
function toPyValue(v: unknown, where: string, depth = 0): PyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (depth >= MAX_KWARGS_DEPTH) return bad(`${where.split('[')[0]} is nested more than ${MAX_KWARGS_DEPTH} lists deep; no layer argument is`);
    return v.map((e, i) => toPyValue(e, `${where}[${i}]`, depth + 1));
  }
  return bad(`${where} must be a number, string, boolean, null or a list, not an object`);
}

/** A flat list of numbers (see frameworkRequest.ts). */
const numbers = readNumbers;

function shapeOf(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) return bad(`${where} must be a list of dimension sizes`);
  if (v.length > MAX_COMPUTE_RANK) return bad(`${where} has ${v.length} dimensions; normlens compute accepts at most ${MAX_COMPUTE_RANK}`);
  v.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) bad(`${where}[${i}] must be a non-negative integer, got ${shortJson(d)}`);
  });
  const dims = v as number[];
  // Every dimension is bounded, also in a zero-element shape: per-channel parameters and
  // statistics are sized by a dimension, not by the element count.
  dims.forEach((d, i) => {
    if (d > MAX_COMPUTE_ELEMENTS) bad(`${where}[${i}] is ${d}; normlens compute accepts dimensions up to ${MAX_COMPUTE_ELEMENTS}`);
  });
  // The exact product (no overflow to Infinity, no Infinity × 0 = NaN).
  const size = dims.reduce((a, d) => a * BigInt(d), 1n);
  if (size > BigInt(MAX_COMPUTE_ELEMENTS)) {
    bad(`${where} [${dims.join(', ')}] has ${size} elements; normlens compute accepts at most ${MAX_COMPUTE_ELEMENTS}`);
  }
  return dims;
}

/** A value for an error message: JSON, at most 60 characters. */
function shortJson(v: unknown): string {
  // Infinity (a JSON number too large for a double, e.g. 1e309) would print as null.
  const s = typeof v === 'number' && !Number.isFinite(v) ? `${v} (a number too large for a double)` : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Values the layer's parameters and state hold (γ, β, running statistics), known before anything is allocated. */
function perChannelSize(core: CoreLayerSpec, shape: readonly number[]): number {
  switch (core.kind) {
    case 'batch_norm':
    case 'instance_norm': {
      const axis = core.channelAxis < 0 ? core.channelAxis + shape.length : core.channelAxis;
      return Math.max(core.numFeatures ?? 0, shape[axis] ?? 0);
    }
    case 'group_norm':
      return core.numChannels;
    case 'layer_norm':
    case 'rms_norm':
      return core.normalizedShape.reduce((a, b) => (a > MAX_COMPUTE_ELEMENTS ? a : a * b), 1);
    default:
      return 0;
  }
}

const jsonNumber = (x: number): number | string => (Number.isFinite(x) ? x : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity');
const list = (a: ArrayLike<number>): (number | string)[] => Array.from(a, jsonNumber);

interface Prepared {
  spec: NormClassSpec;
  mode: 'train' | 'eval';
  input: Tensor;
  params?: LayerParams;
  state?: LayerState | null;
  gradOutput?: Float32Array;
  kwargs: Record<string, PyValue>;
}

function prepare(text: string): Prepared {
  let req: unknown;
  // A UTF-8 BOM decoded as text (the CLI strips it from the bytes; callers passing text may not).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    req = JSON.parse(text);
  } catch {
    return bad(`invalid JSON: ${text.trim() === '' ? 'the request is empty' : jsonErrorPlace(text)}`);
  }
  if (!isPlainObject(req)) return bad('the request must be a JSON object with "layer", "mode" and "input"');
  for (const k of Object.keys(req)) {
    if (!KEYS.includes(k)) bad(`unknown request field ${shortJson(k)} (expected ${KEYS.map((x) => `"${x}"`).join(', ')})`);
  }
  if (typeof req.layer !== 'string') return bad('"layer" must be a qualified name such as "torch.nn.BatchNorm2d"');
  const spec = findByQualifiedName(req.layer);
  if (!spec) {
    const shown =
      req.layer.length > MAX_NAME_SHOWN
        ? `${JSON.stringify(req.layer.slice(0, MAX_NAME_SHOWN))}... (${req.layer.length} characters)`
        : JSON.stringify(req.layer);
    const near = closestLayers(req.layer);
    return bad(`unknown layer ${shown}${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`);
  }

  const kwargsIn = req.kwargs ?? {};
  if (!isPlainObject(kwargsIn)) return bad('"kwargs" must be an object of argument names to values');
  // No prototype: a "__proto__" keyword is an unknown keyword like any other, not a prototype.
  const kwargs = Object.create(null) as Record<string, PyValue>;
  for (const [k, v] of Object.entries(kwargsIn)) {
    const param = spec.params.find((q) => q.name === k);
    if (param?.tensor) {
      // (None, a tensor operand's own default: as if not given, jax.nn.standardize(x, mean=None))
      if (v === null && param.default === null) continue;
      bad(`${k} is a tensor operand of ${spec.name}; give it in "input", "params" or "state"`);
    }
    kwargs[k] = toPyValue(v, `kwargs.${k.length > 60 ? `${k.slice(0, 57)}...` : k}`);
  }

  // Input
  if (!isPlainObject(req.input)) return bad('"input" must be an object {"shape": [...], "data": [...]}');
  const shape = shapeOf(req.input.shape, 'input.shape');
  const data = numbers(req.input.data, 'input.data');
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) bad(`input.shape [${shape.join(', ')}] needs ${size} value${size === 1 ? '' : 's'} but input.data has ${data.length}`);
  const input = new Tensor(shape, data);

  // Parameters and state, under the layer's framework's names (Keras gamma/moving_mean, Flax scale/mean...).
  const { params, state } = readTensors(spec, req.params, req.state);
  let gradOutput: Float32Array | undefined;
  if (req.gradOutput !== undefined && req.gradOutput !== null) {
    gradOutput = numbers(req.gradOutput, 'gradOutput');
    if (gradOutput.length !== size) bad(`gradOutput has ${gradOutput.length} values but the input has ${size}`);
  }

  // Tensor operands of functional forms come from the request.
  if (spec.form === 'function') {
    for (const q of spec.params) {
      if (!q.tensor) continue;
      const present =
        q.name === 'input' ||
        q.name === 'x' ||
        (q.name === 'weight' && !!params?.weight) ||
        (q.name === 'bias' && !!params?.bias) ||
        ((q.name === 'running_mean' || q.name === 'running_var') && !!state);
      if (present) kwargs[q.name] = { expr: q.name };
      else if (!('default' in q)) kwargs[q.name] = null;
    }
  }

  // Plumbing JSON cannot carry (Flax nnx rngs), then the mode: the request's, the constructor's or the call's.
  fillPlumbing(spec, kwargs);
  const mode = resolveMode(spec, req.mode, kwargs, req.call);
  return { spec, mode, input, params, state, gradOutput, kwargs };
}

/** float32 machine epsilon (2^-23). */
const F32_EPS = 2 ** -23;

/**
 * Flax (use_fast_variance=True, the default), Haiku (use_fast_variance=True) and jax.nn.standardize
 * (algorithm='fast', the default) compute the variance as E[x²] − E[x]² in float32, which cancels when |mean| ≫ std;
 * NormLens computes it two-pass in float64 (the exact value). The warning says so, with the largest |mean|/std of
 * this input and the order of the float32 cancellation, ε·(|mean|/std)², relative to the variance. Null where the
 * variance is not computed that way (or not computed from the input: running averages in evaluation).
 */
function fastVarianceWarning(spec: NormClassSpec, args: Record<string, PyValue>, mode: 'train' | 'eval', r: RunResult): string | null {
  const fast = spec.kind === 'standardize' ? (args.algorithm ?? 'fast') === 'fast' : args.use_fast_variance === true;
  // (an empty input has no statistics to cancel: its mean is NaN)
  if (!fast || spec.kind === 'rms_norm' || !r.stats || r.stats.count === 0) return null;
  if (spec.kind === 'batch_norm' && mode === 'eval') return null;
  let ratio = 0;
  const { mean, variance } = r.stats;
  for (let i = 0; i < mean.length; i++) {
    const m = Math.abs(mean[i]);
    if (m === 0) continue;
    ratio = Math.max(ratio, variance[i] > 0 ? m / Math.sqrt(variance[i]) : Infinity);
  }
  const how = spec.kind === 'standardize' ? "algorithm='fast'" : 'use_fast_variance=True';
  const off = spec.kind === 'standardize' ? "algorithm='stable'" : 'use_fast_variance=False';
  const shown = Number.isFinite(ratio) ? Number(ratio.toPrecision(3)) : 'infinite (a constant group)';
  const order = Number.isFinite(ratio)
    ? ` (its float32 cancellation is of the order of ${(F32_EPS * (1 + ratio * ratio)).toPrecision(2)} of the variance, or more)`
    : '';
  return (
    `${spec.id} with ${how} computes the variance as E[x²]−E[x]² in float32; NormLens computes it exactly (two-pass, float64), ` +
    `so ${frameworkInfo(spec.framework)!.name}'s own result differs where |mean| ≫ std. Here the largest |mean|/std is ${shown}${order}; ` +
    `with ${off} ${frameworkInfo(spec.framework)!.name} agrees to float32 rounding.`
  );
}

/**
 * From this estimated difference (in units of the output) float32 rounding of the mean is worth a warning
 * (Flax with use_fast_variance=False on data around 1000 with std 1 agrees with NormLens to 1e-4: no warning).
 */
const MEAN_ROUNDING_SHOWN = 2e-4;

/**
 * Every framework computes in float32: its mean is rounded to float32 spacing, ε·|mean|, and the
 * normalized output inherits that error divided by std, about ε·|mean|/std (torch 2.13's LayerNorm on
 * randn + 3e5 is off the exact result by 0.13; ε·|mean|/std = 0.036). NormLens's statistics are
 * float64. The warning gives the largest |mean|/std of the input and that order, where it matters.
 */
function meanRoundingWarning(spec: NormClassSpec, mode: 'train' | 'eval', r: RunResult): string | null {
  if (!r.stats || spec.kind === 'rms_norm' || spec.kind === 'lp_normalize' || spec.kind === 'local_response_norm') return null;
  if (spec.kind === 'batch_norm' && mode === 'eval') return null;
  let ratio = 0;
  const { mean, variance } = r.stats;
  for (let i = 0; i < mean.length; i++) if (variance[i] > 0) ratio = Math.max(ratio, Math.abs(mean[i]) / Math.sqrt(variance[i]));
  const order = F32_EPS * ratio;
  if (!(order > MEAN_ROUNDING_SHOWN)) return null;
  const name = frameworkInfo(spec.framework)!.name;
  return (
    `${name} computes ${spec.name} in float32, whose mean carries a rounding error of about ε·|mean| (ε = 2⁻²³); NormLens computes the ` +
    `statistics in float64. Here the largest |mean|/std is ${Number(ratio.toPrecision(3))}, so ${name}'s output may differ from this one ` +
    `by ${order.toPrecision(2)} or several times that.`
  );
}

function respond(p: Prepared): RunResult & { warnings?: string[] } {
  // Keyword refusals are the framework's own (Python's TypeError, or Keras's ValueError for unknown **kwargs).
  const binding = bindArguments(p.spec, [], p.kwargs);
  if (binding.errors.length) {
    const e = binding.errors[0];
    throw new RequestError(bindingException(e), bindingMessage(e));
  }
  checkDtypes(p.spec.id, { ...effectiveValues(binding.effective), ...binding.arguments });
  const core = p.spec.toCore?.(effectiveValues(binding.effective), p.input.shape.length, p.input.shape);
  if (!core) throw new RequestError('ValueError', `${p.spec.id} cannot be computed`);
  if ('error' in core) throw new RequestError('ValueError', core.error);
  // Parameters and state are sized by the declared size (num_features...): bound it before anything is allocated.
  const perChannel = perChannelSize(core, p.input.shape);
  if (perChannel > MAX_COMPUTE_ELEMENTS) {
    throw new RequestError(
      'InputError',
      `the layer's parameters and running statistics would hold ${perChannel} values per tensor; normlens compute accepts at most ${MAX_COMPUTE_ELEMENTS}`,
    );
  }
  checkSizes(p.spec, core, p.input.shape, { params: p.params, state: p.state });
  const { params, state } = startTensors(p.spec, effectiveValues(binding.effective), core, p.input.shape, { params: p.params, state: p.state });
  try {
    const r = runLayer({ spec: core, mode: p.mode, input: p.input, params, state, gradOutput: p.gradOutput });
    const warning = fastVarianceWarning(p.spec, effectiveValues(binding.effective), p.mode, r) ?? meanRoundingWarning(p.spec, p.mode, r);
    return warning ? { ...r, warnings: [warning] } : r;
  } catch (e) {
    // The core words its refusals as PyTorch does; another framework's layer never answers with PyTorch's words.
    if (e instanceof NormError && p.spec.framework !== 'pytorch' && e.type !== 'InputError') {
      throw new RequestError(
        'InputError',
        `${p.spec.id} (${frameworkInfo(p.spec.framework)!.name}): NormLens cannot compute an input of shape [${p.input.shape.join(', ')}] with these arguments: ${neutralReason(e.message)}`,
      );
    }
    throw e;
  }
}

/** Floating types the frameworks name, as their last dotted part (torch.float64, jnp.bfloat16, "mixed_float16"): all but float32 round otherwise. */
const OTHER_FLOATS = new Set(['float16', 'half', 'bfloat16', 'float64', 'double', 'mixed_float16', 'mixed_bfloat16']);

/**
 * The layer's dtype arguments (dtype, Flax's param_dtype): NormLens computes in float32 (statistics in float64, as
 * the frameworks accumulate float32 input), so another floating type is refused, said why, rather than answered
 * with float32's numbers; a name no framework has is refused as unknown. None/null is float32.
 */
function checkDtypes(layer: string, values: Record<string, PyValue>): void {
  for (const name of ['dtype', 'param_dtype']) {
    const v = values[name];
    if (v === null || v === undefined) continue;
    const text = typeof v === 'string' ? v : typeof v === 'object' && !Array.isArray(v) && 'expr' in v ? String(v.expr) : null;
    const last = text?.trim().split('.').pop();
    if (last === 'float32' || last === 'float') continue;
    if (last && OTHER_FLOATS.has(last))
      throw new RequestError(
        'InputError',
        `${layer} with ${name}=${text}: NormLens computes float32 layers only (${last} rounds inputs, parameters and results otherwise, and for RMSNorm's eps=None changes ε); compute it in the framework`,
      );
    throw new RequestError(
      'InputError',
      `${layer}: ${name}=${text ?? JSON.stringify(v)} is not a floating dtype NormLens knows (float32, or float16, bfloat16, float64, which it refuses)`,
    );
  }
}

/** The core's refusal (worded as PyTorch words it) restated without PyTorch's wording, for other frameworks' layers. */
function neutralReason(message: string): string {
  const rank = /expected (\d)D or higher input|Expected at least (\d) dimensions/.exec(message);
  if (rank) return `the input needs at least ${rank[1] ?? rank[2]} dimensions (batch and features)`;
  const ranks = /expected ([\dD ,or]+) input \(got (\d)D input\)/.exec(message);
  if (ranks) return `the input must be ${ranks[1].replace(/D/g, '-D')}, not ${ranks[2]}-D`;
  if (/normalized_shape/.test(message)) return 'the normalized axes do not match the input shape';
  if (/divisible|groups/.test(message)) return 'the channels do not split into the groups';
  if (/Dimension out of range/.test(message)) return 'an axis is outside the input';
  return 'the input does not fit the layer';
}

/** Answer one request given as JSON text. Never throws. */
export function compute(text: string): ComputeAnswer {
  try {
    const p = prepare(text);
    const r = respond(p);
    const out: Record<string, unknown> = {
      output: { shape: r.output.shape, data: list(r.output.data) },
      state: r.state ? stateAnswer(p.spec, r.state, list) : null,
    };
    if (r.grad) out.grad = gradAnswer(p.spec, r.grad, list);
    if (r.warnings) out.warnings = r.warnings;
    const pieces = jsonPieces(out);
    pieces[pieces.length - 1] += '\n';
    return pieces.length === 1 ? { code: 0, output: pieces[0] } : { code: 0, output: pieces[0], rest: pieces.slice(1) };
  } catch (e) {
    const known = e instanceof RequestError || e instanceof NormError;
    const type: NormErrorType = known ? e.type : e instanceof FieldError ? e.type : 'RuntimeError';
    const message = known || e instanceof FieldError ? (e as Error).message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    // Messages may quote the request (names, keywords): bounded, and printable on a terminal.
    return { code: 2, output: terminalSafeJson(JSON.stringify({ error: { type, message: truncateText(message, MAX_MESSAGE_CHARS) } })) + '\n' };
  }
}

export const COMPUTE_USAGE = `Usage: normlens compute < request.json

Reads one JSON request on stdin and writes one JSON response on stdout:
  {"layer": "torch.nn.BatchNorm2d", "kwargs": {"num_features": 3}, "mode": "train",
   "input": {"shape": [2, 3, 4, 4], "data": [...]},
   "params": {"weight": [...], "bias": [...]}, "state": {...}, "gradOutput": [...]}
The layer is any supported qualified name (PyTorch, Keras, Flax, Haiku, MLX, Paddle, JAX) with
that framework's argument names; null means None. Parameters, running statistics and call-time
arguments also go by the framework's own names, and the answer's "state" and "grad" use them too:
${namesHelp()}
  e.g. {"layer": "keras.layers.BatchNormalization", "call": {"training": true},
        "input": {...}, "params": {"gamma": [...], "beta": [...]},
        "state": {"moving_mean": [...], "moving_variance": [...]}}
"mode" ("train"/"eval") may stand in for the call argument; when both are given they must agree.
Given neither, Keras's training=None uses the moving statistics and F.batch_norm's training=False.
Flax nnx BatchNorm given neither follows its constructor's use_running_average (default False).
Flax linen's use_running_average goes to "kwargs" or "call", not both (as Flax requires); the
answer's state is the updated batch_stats, as apply(..., mutable=['batch_stats']) returns.
Keras BatchNormalization(trainable=False) runs in inference mode even with training=true.
Arguments that cannot change the numbers and that JSON cannot carry (Flax nnx rngs) may be left
out. Each framework's own rules apply: Keras refuses unknown keywords; Keras, Flax, Haiku and MLX
normalize a batch of one (variance 0) where PyTorch raises. "warnings" (when present) says where the
framework's own float32 result is known to differ: Flax/Haiku use_fast_variance=True and jax.nn.standardize
algorithm='fast' take the variance as E[x²]−E[x]² in float32, NormLens exactly. Errors exit with code 2 and
{"error": {"type": ..., "message": ...}}.
`;
