/**
 * The initial values of a layer's parameters and running statistics, from its initializer arguments (Keras
 * gamma_initializer, beta_initializer, moving_mean_initializer, moving_variance_initializer; Flax scale_init,
 * bias_init). `normlens compute` starts from them where the request gives no "params"/"state".
 *
 * Keras resolves a string with keras.initializers.get (Keras 3.15.1, keras/src/initializers/__init__.py): the names
 * of Zeros ("zeros", "Zeros", "zero") and Ones ("ones", "Ones", "one") fill the tensor with 0 or 1; the random ones
 * (glorot_uniform, random_normal, ...) draw values no request can reproduce; "constant" raises KeyError: 'value'
 * (Constant needs a value, which a string cannot give); an unknown name raises ValueError "Could not interpret
 * initializer identifier: <name>" in the constructor. Flax's initializers are functions (flax.nnx.initializers.ones),
 * which JSON cannot carry.
 */
import type { NormClassSpec, PyValue, TensorNames } from './types';
import { pyRepr } from './read';

type InitRole = 'weight' | 'bias' | 'runningMean' | 'runningVar';

/** What a role starts from: a fixed value, or why NormLens cannot know it (then the request must give the tensor). */
type InitialValue = { value: number } | { unknown: string };

/** Every value of an initializer argument, per role; `error` when the framework itself refuses the argument. */
interface Initializers {
  roles: Partial<Record<InitRole, { arg: string } & InitialValue>>;
  /** The framework's exception at construction (Keras's ValueError for an unknown identifier). */
  error?: { type: 'ValueError' | 'InputError'; message: string };
}

const KERAS_ARGS: [InitRole, string][] = [
  ['bias', 'beta_initializer'],
  ['weight', 'gamma_initializer'],
  ['runningMean', 'moving_mean_initializer'],
  ['runningVar', 'moving_variance_initializer'],
];
const FLAX_ARGS: [InitRole, string][] = [
  ['bias', 'bias_init'],
  ['weight', 'scale_init'],
];

/** keras.initializers.get's names (Keras 3.15.1 ALL_OBJECTS_DICT): fixed values, random draws, and the rest. */
const KERAS_FIXED: Record<string, number> = { zeros: 0, Zeros: 0, zero: 0, ones: 1, Ones: 1, one: 1 };
const KERAS_RANDOM = new Set([
  'GlorotNormal',
  'glorot_normal',
  'GlorotUniform',
  'glorot_uniform',
  'HeNormal',
  'he_normal',
  'HeUniform',
  'he_uniform',
  'LecunNormal',
  'lecun_normal',
  'LecunUniform',
  'lecun_uniform',
  'Orthogonal',
  'orthogonal',
  'OrthogonalInitializer',
  'RandomNormal',
  'random_normal',
  'normal',
  'RandomUniform',
  'random_uniform',
  'uniform',
  'TruncatedNormal',
  'truncated_normal',
  'VarianceScaling',
  'variance_scaling',
]);
const KERAS_OTHER = new Set([
  'Constant',
  'constant',
  'Identity',
  'identity',
  'IdentityInitializer',
  'STFT',
  'stft',
  'STFTInitializer',
  'Initializer',
  'initializer',
]);

function kerasValue(v: PyValue, arg: string, tensor: string): InitialValue | { error: string; type: 'ValueError' | 'InputError' } {
  if (typeof v !== 'string') {
    return {
      type: 'InputError',
      error: `${arg}=${pyRepr(v)}: NormLens reads an initializer given by name ("zeros", "ones"); give params/state ${tensor} instead`,
    };
  }
  if (Object.hasOwn(KERAS_FIXED, v)) return { value: KERAS_FIXED[v] };
  if (KERAS_RANDOM.has(v)) return { unknown: `${arg}="${v}" draws random values` };
  if (v === 'constant' || v === 'Constant') {
    return {
      type: 'InputError',
      error: `${arg}="${v}": Keras cannot build a Constant initializer from its name (it raises KeyError: 'value'); give ${tensor} instead`,
    };
  }
  if (KERAS_OTHER.has(v)) return { unknown: `${arg}="${v}" is not a fixed value for a 1-D weight` };
  return { type: 'ValueError', error: `Could not interpret initializer identifier: ${v}` };
}

/**
 * The initializer arguments of `spec` among the effective arguments `args` (every parameter bound, defaults filled
 * in), per role. Frameworks without initializer arguments NormLens reads (PyTorch: ones and zeros) give no roles.
 */
export function initializers(spec: NormClassSpec, args: Record<string, PyValue>, names: TensorNames): Initializers {
  const out: Initializers = { roles: {} };
  const has = (arg: string) => spec.params.some((q) => q.name === arg) && arg in args;
  if (spec.framework === 'keras' || spec.framework === 'tf_keras') {
    for (const [role, arg] of KERAS_ARGS) {
      if (!has(arg)) continue;
      const where = `${role === 'weight' || role === 'bias' ? 'params' : 'state'}.${names[role]}`;
      const r = kerasValue(args[arg], arg, where);
      if ('error' in r) {
        // Keras resolves each initializer in the constructor, in this order: the first bad one raises.
        out.error ??= { type: r.type, message: r.error };
        continue;
      }
      out.roles[role] = { arg, ...r };
    }
  } else if (spec.framework === 'flax_linen' || spec.framework === 'flax_nnx') {
    for (const [role, arg] of FLAX_ARGS) {
      if (!has(arg)) continue;
      const v = args[arg];
      // The default is Flax's own function (ones for the scale, zeros for the offset).
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'expr' in v) {
        out.roles[role] = { arg, value: role === 'weight' ? 1 : 0 };
        continue;
      }
      const module = spec.framework === 'flax_nnx' ? 'flax.nnx' : 'flax.linen';
      out.error ??= {
        type: 'InputError',
        message: `${arg}=${pyRepr(v)}: Flax takes an initializer function here (e.g. ${module}.initializers.${role === 'weight' ? 'ones' : 'zeros'}), which a JSON request cannot carry; leave ${arg} out and give params.${names[role]} instead`,
      };
    }
  }
  return out;
}
