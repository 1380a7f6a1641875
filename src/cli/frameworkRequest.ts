/**
 * The framework-specific part of a `normlens compute` request: parameters and running statistics under the
 * framework's own names (PyTorch weight/running_mean, Keras gamma/moving_mean, Flax scale/mean...), the call-time
 * arguments that choose the mode (Keras `training`, Flax `use_running_average`, Haiku `is_training`), plumbing
 * arguments JSON cannot carry (Flax nnx `rngs`), and the answer's state under the same names. Every refusal names
 * the framework's own field.
 */
import { defaultParams, defaultState } from '../core/run';
import type { CoreLayerSpec } from '../core/spec';
import type { LayerParams, LayerState, RunResult } from '../core/types';
import { FRAMEWORKS, NORM_CLASSES, frameworkInfo } from '../frameworks/index';
import type { FrameworkInfo, NormClassSpec, PyValue, TensorNames } from '../frameworks/types';
import { initializers } from '../frameworks/initializers';

/** A refusal of the request; `type` is the framework's exception where the framework itself refuses (else InputError). */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly type: 'InputError' | 'ValueError' = 'InputError',
  ) {
    super(message);
  }
}
const bad = (message: string): never => {
  throw new FieldError(message);
};
const frameworkRefuses = (message: string): never => {
  throw new FieldError(message, 'ValueError');
};

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A flat list of numbers; "NaN", "Infinity" and "-Infinity" stand for the values JSON cannot hold. */
export function numbers(v: unknown, where: string): Float32Array {
  if (!Array.isArray(v)) return bad(`${where} must be a flat list of numbers`);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (typeof e === 'number') out[i] = e;
    else if (typeof e === 'string' && Object.hasOwn(NON_FINITE, e)) out[i] = NON_FINITE[e];
    else if (Array.isArray(e)) bad(`${where} must be flat (row-major); element ${i} is a nested list`);
    else {
      // echo a bounded piece of what was sent, never all of it
      const shown = JSON.stringify(e) ?? String(e);
      bad(`${where}[${i}] is not a number: ${shown.length > 60 ? shown.slice(0, 57) + '...' : shown}`);
    }
  }
  return out;
}

export function namesOf(spec: NormClassSpec): TensorNames {
  return { ...frameworkInfo(spec.framework)!.tensorNames, ...spec.tensorNames };
}

const ROLE_WORDS: Record<keyof TensorNames, string> = {
  weight: 'scale γ',
  bias: 'shift β',
  runningMean: 'running mean',
  runningVar: 'running variance',
  counter: 'update counter',
};

/** "gamma" given to a PyTorch layer: which framework uses that name, for what, and this layer's name for it. */
function wrongName(spec: NormClassSpec, field: 'params' | 'state', key: string, own: TensorNames, expected: string[]): string {
  for (const f of FRAMEWORKS) {
    for (const role of Object.keys(ROLE_WORDS) as (keyof TensorNames)[]) {
      if (f.tensorNames[role] !== key || own[role] === key) continue;
      const right = own[role];
      const where = role === 'weight' || role === 'bias' ? 'params' : 'state';
      const mine = frameworkInfo(spec.framework)!.name;
      return right
        ? `${field}.${key}: "${key}" is ${f.name}'s name for the ${ROLE_WORDS[role]}; ${mine}'s ${spec.id} calls it "${right}" (give it as ${where}.${right})`
        : `${field}.${key}: "${key}" is ${f.name}'s name for the ${ROLE_WORDS[role]}; ${mine} keeps no ${ROLE_WORDS[role]}`;
    }
  }
  return `unknown ${field} field "${key}" for ${spec.id} (expected ${expected.map((x) => `"${x}"`).join(', ')})`;
}

export interface Tensors {
  params?: LayerParams;
  state?: LayerState | null;
}

/** Read "params" and "state" under the layer's framework's names. */
export function readTensors(spec: NormClassSpec, paramsIn: unknown, stateIn: unknown): Tensors {
  const n = namesOf(spec);
  const out: Tensors = {};
  if (paramsIn !== undefined && paramsIn !== null) {
    const expected = [n.weight, n.bias];
    if (!isPlainObject(paramsIn)) return bad(`"params" must be an object {${expected.map((x) => `"${x}": [...]`).join(', ')}}`);
    for (const k of Object.keys(paramsIn)) if (!expected.includes(k)) bad(wrongName(spec, 'params', k, n, expected));
    const params: LayerParams = {};
    const w = paramsIn[n.weight];
    const b = paramsIn[n.bias];
    if (w !== undefined && w !== null) params.weight = numbers(w, `params.${n.weight}`);
    if (b !== undefined && b !== null) params.bias = numbers(b, `params.${n.bias}`);
    out.params = params;
  }
  if (stateIn !== undefined && stateIn !== null) {
    if (spec.kind !== 'batch_norm' && spec.kind !== 'instance_norm') {
      bad(`${spec.id} keeps no running statistics (only batch and instance normalization do); leave "state" out`);
    }
    const expected = [n.runningMean, n.runningVar, ...(n.counter ? [n.counter] : [])];
    if (!isPlainObject(stateIn)) return bad(`"state" must be an object {${expected.map((x) => `"${x}"`).join(', ')}}`);
    for (const k of Object.keys(stateIn)) if (!expected.includes(k)) bad(wrongName(spec, 'state', k, n, expected));
    const count = n.counter ? (stateIn[n.counter] ?? 0) : 0;
    // (past 2^53 − 1 a JSON number no longer holds every integer: 9007199254740993 reads as …992)
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      bad(
        `state.${n.counter} must be a whole number from 0 to 9007199254740991 (2^53 − 1, the largest a JSON number holds exactly), got ${JSON.stringify(count)}`,
      );
    }
    if (stateIn[n.runningMean] === undefined || stateIn[n.runningVar] === undefined) {
      bad(`state needs both "${n.runningMean}" and "${n.runningVar}"`);
    }
    out.state = {
      runningMean: numbers(stateIn[n.runningMean], `state.${n.runningMean}`),
      runningVar: numbers(stateIn[n.runningVar], `state.${n.runningVar}`),
      numBatchesTracked: count as number,
    };
  }
  return out;
}

/**
 * Outside PyTorch, sizes are checked here and named in the framework's terms, so that no PyTorch message
 * ("weight should contain 3 elements not 4") is ever the answer for another framework's layer.
 */
export function checkSizes(spec: NormClassSpec, core: CoreLayerSpec, shape: readonly number[], t: Tensors): void {
  const n = namesOf(spec);
  const dims = `input shape [${shape.join(', ')}]`;
  let want: LayerParams;
  try {
    want = defaultParams(core, shape);
  } catch {
    return; // the core's own shape checks answer
  }
  // A tensor the layer does not hold (LayerNorm(elementwise_affine=False).weight is None) is refused in every
  // framework, never ignored; sizes of PyTorch's are checked by the core, in PyTorch's words.
  for (const [role, got] of [
    ['weight', t.params?.weight],
    ['bias', t.params?.bias],
  ] as const) {
    if (got && !want[role]) bad(`${spec.id} with these arguments has no ${n[role]}; leave params.${n[role]} out`);
  }
  if (t.state && !defaultState(core, shape)) bad(`${spec.id} with these arguments keeps no running statistics; leave "state" out`);
  if (spec.framework === 'pytorch') return;
  for (const [role, got] of [
    ['weight', t.params?.weight],
    ['bias', t.params?.bias],
  ] as const) {
    const expected = want[role];
    if (!got || !expected) continue;
    if (got.length !== expected.length) {
      bad(`params.${n[role]} has ${got.length} values but ${spec.name} on ${dims} has ${expected.length} (one per normalized feature)`);
    }
  }
  if (t.state) {
    const fresh = defaultState(core, shape);
    if (!fresh) bad(`${spec.id} with these arguments keeps no running statistics; leave "state" out`);
    for (const [key, got] of [
      [n.runningMean, t.state.runningMean],
      [n.runningVar, t.state.runningVar],
    ] as const) {
      if (got.length !== fresh!.runningMean.length) {
        bad(`state.${key} has ${got.length} values but ${spec.name} on ${dims} has ${fresh!.runningMean.length} features`);
      }
    }
  }
}

/**
 * The parameters and running statistics a computation starts from: the request's, else the values the layer's
 * initializer arguments give (Keras gamma_initializer="ones", moving_variance_initializer="zeros"...; Flax's
 * default scale_init/bias_init). An initializer whose values no request can reproduce (Keras "glorot_uniform") is
 * refused unless the request gives that tensor; Keras's own refusals (an unknown identifier) always apply.
 */
export function startTensors(spec: NormClassSpec, args: Record<string, PyValue>, core: CoreLayerSpec, shape: readonly number[], t: Tensors): Tensors {
  const n = namesOf(spec);
  const init = initializers(spec, args, n);
  if (init.error) throw new FieldError(init.error.message, init.error.type === 'ValueError' ? 'ValueError' : 'InputError');
  if (!Object.keys(init.roles).length) return t;
  let want: LayerParams;
  let fresh: LayerState | null;
  try {
    want = defaultParams(core, shape);
    fresh = defaultState(core, shape);
  } catch {
    return t; // the core's own shape checks answer
  }
  const fill = (role: 'weight' | 'bias' | 'runningMean' | 'runningVar', like: Float32Array): Float32Array => {
    const r = init.roles[role];
    if (!r) return like;
    if ('unknown' in r) {
      const where = role === 'weight' || role === 'bias' ? 'params' : 'state';
      bad(`${r.unknown}, which NormLens cannot reproduce: give ${where}.${n[role]} (${like.length} values) to compute ${spec.id}`);
    }
    return new Float32Array(like.length).fill((r as { value: number }).value);
  };
  const out: Tensors = { ...t };
  const params: LayerParams = { ...(t.params ?? {}) };
  if (want.weight && !params.weight) params.weight = fill('weight', want.weight);
  if (want.bias && !params.bias) params.bias = fill('bias', want.bias);
  out.params = params;
  if (fresh && !t.state) {
    const runningMean = fill('runningMean', fresh.runningMean);
    const runningVar = fill('runningVar', fresh.runningVar);
    if (runningMean !== fresh.runningMean || runningVar !== fresh.runningVar) out.state = { ...fresh, runningMean, runningVar };
  }
  return out;
}

/** The answer's running statistics under the framework's names (and its counter, where it keeps one). */
export function stateAnswer(spec: NormClassSpec, state: LayerState, list: (a: ArrayLike<number>) => unknown[]): Record<string, unknown> {
  const n = namesOf(spec);
  const out: Record<string, unknown> = { [n.runningMean]: list(state.runningMean), [n.runningVar]: list(state.runningVar) };
  // Functions (F.batch_norm) update the tensors passed in and keep no counter.
  if (n.counter && spec.form === 'module') out[n.counter] = state.numBatchesTracked;
  return out;
}

export function gradAnswer(spec: NormClassSpec, grad: NonNullable<RunResult['grad']>, list: (a: ArrayLike<number>) => unknown[]) {
  const n = namesOf(spec);
  return { input: list(grad.input), [n.weight]: grad.weight ? list(grad.weight) : null, [n.bias]: grad.bias ? list(grad.bias) : null };
}

/** Plumbing the real signature requires but that cannot change the numbers (Flax nnx rngs): supplied when absent. */
export function fillPlumbing(spec: NormClassSpec, kwargs: Record<string, PyValue>): void {
  for (const q of spec.params) if (q.plumbing && !('default' in q) && !(q.name in kwargs)) kwargs[q.name] = { expr: q.name };
}

type Mode = 'train' | 'eval';
const pyBool = (v: boolean) => (v ? 'True' : 'False');

/**
 * The mode of one computation, from the request's "mode", the constructor's mode argument (F.batch_norm
 * `training`, Flax `use_running_average`) and the call's ("call": Keras `training`, Flax `use_running_average`,
 * Haiku `is_training`), with each framework's own rules for combining them.
 */
export function resolveMode(spec: NormClassSpec, reqMode: unknown, kwargs: Record<string, PyValue>, callIn: unknown): Mode {
  let mode: Mode | undefined;
  if (reqMode !== undefined) {
    if (reqMode !== 'train' && reqMode !== 'eval') bad(`"mode" must be "train" or "eval", got ${JSON.stringify(reqMode)}`);
    mode = reqMode as Mode;
  }
  const agree = (implied: Mode, what: string) => {
    if (mode && mode !== implied) bad(`"mode": "${mode}" contradicts ${what}, which means ${implied}`);
    mode = implied;
  };
  const boolArg = (v: PyValue | unknown, name: string): boolean => {
    if (typeof v !== 'boolean') return bad(`${name} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };

  // The call's arguments.
  const call: Record<string, unknown> =
    callIn === undefined || callIn === null ? {} : isPlainObject(callIn) ? callIn : bad('"call" must be an object of call-time arguments');
  const callParams = spec.callParams ?? [];
  for (const k of Object.keys(call)) {
    // Keras's Layer.__call__ takes `training` for every layer and passes it on only where call() has it
    if (k === 'training' && (spec.framework === 'keras' || spec.framework === 'tf_keras') && !callParams.some((c) => c.name === k)) {
      if (typeof call[k] !== 'boolean') bad(`call.training must be true or false, got ${JSON.stringify(call[k])}`);
      continue;
    }
    if (!callParams.some((c) => c.name === k)) {
      bad(
        callParams.length
          ? `unknown call argument "${k}" for ${spec.id} (its call takes ${callParams.map((c) => `"${c.name}"`).join(', ')})`
          : `${spec.id} takes no call-time arguments that NormLens reads; "${k}" cannot be given in "call"`,
      );
    }
  }
  const ctorName = spec.modeArg?.name;
  const ctorGiven = ctorName !== undefined && kwargs[ctorName] !== undefined && kwargs[ctorName] !== null;
  for (const c of callParams) {
    const v = call[c.name];
    if (v === undefined || v === null || c.trainWhen === undefined) continue;
    const on = boolArg(v, `call.${c.name}`);
    if (spec.framework === 'flax_linen' && c.name === ctorName && ctorGiven) {
      frameworkRefuses(`Parameter "${c.name}" was passed to the constructor and at call time. Should be passed just once.`);
    }
    agree(on === c.trainWhen ? 'train' : 'eval', `call.${c.name}=${pyBool(on)}`);
    // nnx: the call's value wins over the attribute, so the constructor's does not count.
    if (spec.framework === 'flax_nnx' && c.name === ctorName) return trainable(spec, kwargs, mode!);
  }
  if (ctorGiven && spec.modeArg) {
    const on = boolArg(kwargs[ctorName!], ctorName!);
    agree(on === spec.modeArg.trainWhen ? 'train' : 'eval', `${ctorName}=${pyBool(on)}`);
  }
  if (!mode && spec.framework === 'flax_nnx' && spec.modeArg) {
    // nnx: the constructor's default holds until .train()/.eval() change it (BatchNorm: use_running_average=False).
    const dflt = spec.params.find((q) => q.name === spec.modeArg!.name)?.default;
    if (typeof dflt === 'boolean') mode = dflt === spec.modeArg.trainWhen ? 'train' : 'eval';
  }
  if (!mode) {
    // a call argument whose default decides (Keras's training=None: the moving statistics, outside fit()), or a
    // function's mode argument left at its default (F.batch_norm's training=False)
    // (Flax's None is no choice: linen refuses it, nnx reads its attribute, both above)
    const keras = spec.framework === 'keras' || spec.framework === 'tf_keras';
    const byDefault = keras
      ? callParams.find((c) => c.trainWhen !== undefined && 'default' in c && (c.default === null || typeof c.default === 'boolean'))
      : undefined;
    if (byDefault) mode = byDefault.default === byDefault.trainWhen ? 'train' : 'eval';
    else if (spec.form === 'function' && spec.modeArg) {
      const dflt = spec.params.find((q) => q.name === spec.modeArg!.name)?.default;
      if (typeof dflt === 'boolean') mode = dflt === spec.modeArg.trainWhen ? 'train' : 'eval';
    }
  }
  if (!mode) {
    // a layer that keeps no running statistics computes the same in both modes (LayerNorm, GroupNorm,
    // RMSNorm, an InstanceNorm without track_running_stats): nothing to choose
    const track = spec.roles.trackRunningStats;
    if (spec.kind !== 'batch_norm' && !(track && kwargs[track] === true)) return 'train';
    const how = [
      '"mode": "train" or "eval"',
      ...callParams
        .filter((c) => c.trainWhen !== undefined)
        .map((c) => `"call": {"${c.name}": ${c.trainWhen ? 'true' : 'false'} or ${c.trainWhen ? 'false' : 'true'}}`),
    ];
    if (spec.framework === 'flax_linen' && ctorName) {
      // Flax's own ValueError (flax.linen.module.merge_param), word for word.
      frameworkRefuses(`Parameter "${ctorName}" must be passed to the constructor or at call time.`);
    }
    bad(`${how.length > 1 ? `one of ${how.join(', ')}` : how[0]} is needed to choose batch or running statistics`);
  }
  return trainable(spec, kwargs, mode!);
}

/** Keras BatchNormalization: trainable=False runs in inference mode even when training=True. */
function trainable(spec: NormClassSpec, kwargs: Record<string, PyValue>, mode: Mode): Mode {
  if ((spec.framework === 'keras' || spec.framework === 'tf_keras') && spec.kind === 'batch_norm' && kwargs.trainable === false) return 'eval';
  return mode;
}

/** `compute --help` lines: every framework's names for parameters, statistics and call arguments. */
export function namesHelp(): string {
  const rows = FRAMEWORKS.filter((f) => f.id !== 'jax').map((f: FrameworkInfo) => {
    const n = f.tensorNames;
    const calls = [...new Set(NORM_CALLS.filter((c) => c.framework === f.id).map((c) => c.name))];
    return `  ${f.name.padEnd(11)} params ${`{${n.weight}, ${n.bias}}`.padEnd(18)} state {${n.runningMean}, ${n.runningVar}${n.counter ? `, ${n.counter}` : ''}}${calls.length ? `  call {${calls.join(', ')}}` : ''}`;
  });
  for (const spec of NORM_CLASSES) {
    if (!spec.tensorNames) continue;
    const n = namesOf(spec);
    rows.push(`  (${spec.id}: params {${n.weight}${spec.kind === 'rms_norm' ? '' : `, ${n.bias}`}})`);
  }
  return rows.join('\n');
}

const NORM_CALLS = NORM_CLASSES.flatMap((s) => (s.callParams ?? []).map((c) => ({ framework: s.framework, name: c.name })));
