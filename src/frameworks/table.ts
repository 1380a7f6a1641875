/**
 * The framework table: every normalization class or function NormLens recognizes, with its
 * signature (order, defaults, keyword-only), conventions and the translation of its effective
 * arguments into the core's CoreLayerSpec. Framework facts live here and nowhere else.
 *
 * Each entry's `source` names the page the signature and defaults were checked against.
 * PyTorch entries are also compared, argument by argument, with `inspect.signature` of torch
 * 1.13 (test/fixtures/torch-signatures.json); arguments added after 1.13 carry `since`.
 */
import type { CoreLayerSpec } from '../core/spec';
import {
  bool,
  fail,
  given,
  guard,
  int,
  ints,
  num,
  numOrNone,
  pyRepr,
  require,
  resolveAxes,
  trailingShape,
} from './read';
import type { FrameworkInfo, NormClassSpec, ParamSpec, PyValue } from './types';

export const FRAMEWORKS: FrameworkInfo[] = [
  {
    id: 'pytorch',
    name: 'PyTorch',
    channels: 'first',
    momentumConvention: 'new-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the running ones; model.eval() uses the running statistics.',
    modules: ['torch'],
  },
  {
    id: 'keras',
    name: 'Keras 3',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: 'The call argument training=True (set by fit()) uses batch statistics; training=False or predict() uses the moving ones; trainable=False on BatchNormalization also forces inference mode.',
    modules: ['keras'],
  },
  {
    id: 'tf_keras',
    name: 'tf.keras',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: 'The call argument training=True (set by fit()) uses batch statistics; training=False or predict() uses the moving ones; trainable=False on BatchNormalization also forces inference mode.',
    modules: ['tensorflow.keras', 'tf.keras'],
  },
  {
    id: 'flax_linen',
    name: 'Flax linen',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: "use_running_average=False uses batch statistics and needs mutable=['batch_stats'] in apply(); True uses the stored averages.",
    modules: ['flax.linen'],
  },
  {
    id: 'flax_nnx',
    name: 'Flax nnx',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the averages; model.eval() sets use_running_average=True.',
    modules: ['flax.nnx'],
  },
  {
    id: 'haiku',
    name: 'Haiku',
    channels: 'last',
    momentumConvention: 'decay-debiased',
    modeSwitch: 'The call argument is_training=True uses batch statistics and updates the averages; is_training=False uses the (zero-debiased) averages.',
    modules: ['haiku'],
  },
  {
    id: 'mlx',
    name: 'MLX',
    channels: 'last',
    momentumConvention: 'new-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the running ones; model.eval() uses the running statistics.',
    modules: ['mlx.nn'],
  },
  {
    id: 'paddle',
    name: 'Paddle',
    channels: 'first',
    momentumConvention: 'old-weight',
    modeSwitch: 'model.train() uses batch statistics; model.eval() uses the running ones; use_global_stats=True forces the running ones.',
    modules: ['paddle'],
  },
  {
    id: 'jax',
    name: 'JAX',
    channels: 'last',
    momentumConvention: null,
    modeSwitch: 'A pure function: statistics always come from the input.',
    modules: ['jax'],
  },
];

// ---------------------------------------------------------------------------------------------
// Small builders

const p = (name: string, doc: string, def?: PyValue, extra: Partial<ParamSpec> = {}): ParamSpec =>
  def === undefined ? { name, doc, ...extra } : { name, default: def, doc, ...extra };
const kw = (name: string, doc: string, def?: PyValue, extra: Partial<ParamSpec> = {}): ParamSpec =>
  p(name, doc, def, { keywordOnly: true, ...extra });
const tensor = (name: string, doc: string, def?: PyValue): ParamSpec => p(name, doc, def, { tensor: true });
const expr = (text: string): PyValue => ({ expr: text });

type Args = Record<string, PyValue>;
type ToCore = NonNullable<NormClassSpec['toCore']>;
const core = (f: (a: Args, rank?: number, shape?: readonly number[]) => CoreLayerSpec): ToCore => (a, r, s) =>
  guard(() => f(a, r, s));
const cannot = (message: string): ToCore => () => ({ error: message });

const needShape = (shape: readonly number[] | undefined, layer: string): readonly number[] =>
  shape ?? fail(`${layer} takes its sizes from the input; give the input shape to compute it`);

// ---------------------------------------------------------------------------------------------
// PyTorch

const TORCH_DOC = 'https://pytorch.org/docs/stable/generated/';
const deviceDtype = [
  p('device', 'Device for the parameters and buffers.', null),
  p('dtype', 'Data type for the parameters and buffers.', null),
];
const torchBnParams = (lazy: boolean): ParamSpec[] => [
  ...(lazy ? [] : [p('num_features', 'Number of channels C of the (N, C, ...) input.')]),
  p('eps', 'Added to the variance before the square root, for numerical stability.', 1e-5),
  p('momentum', 'Weight of the new batch in the running-statistics update; None = cumulative average.', 0.1),
  p('affine', 'Learnable per-channel weight (γ) and bias (β).', true),
  p('track_running_stats', 'Keep running mean/variance for eval mode; False = always use batch statistics.', true),
];

const bnRanks: Record<string, number[]> = { '1d': [2, 3], '2d': [4], '3d': [5] };
const bnShapes: Record<string, string> = { '1d': '(N, C) or (N, C, L)', '2d': '(N, C, H, W)', '3d': '(N, C, D, H, W)' };
const bnStats: Record<string, string> = {
  '1d': 'over N (and L) for each channel C',
  '2d': 'over N, H, W for each channel C',
  '3d': 'over N, D, H, W for each channel C',
};

function torchBatchNorm(dim: '1d' | '2d' | '3d', lazy: boolean): NormClassSpec {
  const name = `${lazy ? 'Lazy' : ''}BatchNorm${dim}`;
  const module = lazy ? 'torch.nn.modules.batchnorm' : 'torch.nn.modules.batchnorm';
  return {
    id: `torch.nn.${name}`,
    framework: 'pytorch',
    qualifiedNames: [`torch.nn.${name}`, `${module}.${name}`],
    name,
    kind: 'batch_norm',
    form: 'module',
    params: [...torchBnParams(lazy), ...deviceDtype],
    roles: {
      channels: lazy ? undefined : 'num_features',
      eps: 'eps',
      momentum: 'momentum',
      affine: 'affine',
      trackRunningStats: 'track_running_stats',
    },
    inputShape: bnShapes[dim],
    statistics: bnStats[dim],
    storedVariance: 'unbiased',
    source: `${TORCH_DOC}torch.nn.${name}.html; signature checked with inspect.signature on torch 1.13`,
    notes: [
      'Normalizes with the biased batch variance but stores the unbiased one (×n/(n−1)) in running_var.',
      ...(lazy ? ['num_features is taken from the first input (the module then becomes BatchNorm' + dim + ').'] : []),
    ],
    toCore: core((a) => ({
      kind: 'batch_norm',
      numFeatures: lazy ? null : int(a, 'num_features'),
      eps: num(a, 'eps'),
      momentum: numOrNone(a, 'momentum'),
      hasWeight: bool(a, 'affine'),
      hasBias: bool(a, 'affine'),
      trackRunningStats: bool(a, 'track_running_stats'),
      storedVariance: 'unbiased',
      channelAxis: 1,
      allowedRanks: bnRanks[dim],
      layerName: name,
    })),
  };
}

const syncBatchNorm: NormClassSpec = {
  id: 'torch.nn.SyncBatchNorm',
  framework: 'pytorch',
  qualifiedNames: ['torch.nn.SyncBatchNorm', 'torch.nn.modules.batchnorm.SyncBatchNorm'],
  name: 'SyncBatchNorm',
  kind: 'batch_norm',
  form: 'module',
  params: [
    ...torchBnParams(false),
    p('process_group', 'Process group whose ranks share batch statistics; None = the whole world.', null),
    ...deviceDtype,
  ],
  roles: { channels: 'num_features', eps: 'eps', momentum: 'momentum', affine: 'affine', trackRunningStats: 'track_running_stats' },
  inputShape: '(N, C, +)',
  statistics: 'over N and all spatial dims of every process in the group, for each channel C',
  storedVariance: 'unbiased',
  source: `${TORCH_DOC}torch.nn.SyncBatchNorm.html; signature checked with inspect.signature on torch 1.13`,
  notes: [
    'Statistics are reduced across processes only in training with an initialized process group; computed here as one process.',
    'Needs CUDA (or another accelerator) input in training; on a CPU it raises.',
  ],
  toCore: core((a) => ({
    kind: 'batch_norm',
    numFeatures: int(a, 'num_features'),
    eps: num(a, 'eps'),
    momentum: numOrNone(a, 'momentum'),
    hasWeight: bool(a, 'affine'),
    hasBias: bool(a, 'affine'),
    trackRunningStats: bool(a, 'track_running_stats'),
    storedVariance: 'unbiased',
    channelAxis: 1,
    layerName: 'SyncBatchNorm',
  })),
};

const inShapes: Record<string, string> = { '1d': '(N, C, L) or (C, L)', '2d': '(N, C, H, W) or (C, H, W)', '3d': '(N, C, D, H, W) or (C, D, H, W)' };

function torchInstanceNorm(dim: '1d' | '2d' | '3d', lazy: boolean): NormClassSpec {
  const name = `${lazy ? 'Lazy' : ''}InstanceNorm${dim}`;
  // The Lazy variants default to affine=True, track_running_stats=True (unlike InstanceNorm*d).
  const params: ParamSpec[] = [
    ...(lazy ? [] : [p('num_features', 'Number of channels C of the input.')]),
    p('eps', 'Added to the variance before the square root, for numerical stability.', 1e-5),
    p('momentum', 'Weight of the new batch in the running-statistics update (only with track_running_stats).', 0.1),
    p('affine', 'Learnable per-channel weight and bias.', lazy),
    p('track_running_stats', 'Keep running statistics and use them in eval mode.', lazy),
    ...deviceDtype,
  ];
  const batchedRank = { '1d': 3, '2d': 4, '3d': 5 }[dim];
  return {
    id: `torch.nn.${name}`,
    framework: 'pytorch',
    qualifiedNames: [`torch.nn.${name}`, `torch.nn.modules.instancenorm.${name}`],
    name,
    kind: 'instance_norm',
    form: 'module',
    params,
    roles: {
      channels: lazy ? undefined : 'num_features',
      eps: 'eps',
      momentum: 'momentum',
      affine: 'affine',
      trackRunningStats: 'track_running_stats',
    },
    inputShape: inShapes[dim],
    statistics: 'over the spatial dims of each sample and channel (N, C)',
    storedVariance: 'unbiased',
    source: `${TORCH_DOC}torch.nn.${name}.html; signature checked with inspect.signature on torch 1.13`,
    notes: lazy
      ? ['Unlike InstanceNorm' + dim + ', affine and track_running_stats default to True.']
      : ['affine=False by default: no learnable scale or shift unless asked for (Flax and Paddle default to having them).'],
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: lazy ? null : int(a, 'num_features'),
      eps: num(a, 'eps'),
      momentum: numOrNone(a, 'momentum'),
      hasWeight: bool(a, 'affine'),
      hasBias: bool(a, 'affine'),
      trackRunningStats: bool(a, 'track_running_stats'),
      channelAxis: 1,
      batchedRank,
      layerName: name,
    })),
  };
}

const torchLayerNorm: NormClassSpec = {
  id: 'torch.nn.LayerNorm',
  framework: 'pytorch',
  qualifiedNames: ['torch.nn.LayerNorm', 'torch.nn.modules.normalization.LayerNorm'],
  name: 'LayerNorm',
  kind: 'layer_norm',
  form: 'module',
  params: [
    p('normalized_shape', 'The trailing dims to normalize over (an int means the last dim).'),
    p('eps', 'Added to the variance before the square root, for numerical stability.', 1e-5),
    p('elementwise_affine', 'Learnable per-element weight (and bias, see bias).', true),
    p('bias', 'With elementwise_affine, also learn an additive bias.', true, { since: '2.1' }),
    ...deviceDtype,
  ],
  roles: { normalizedShape: 'normalized_shape', eps: 'eps', affine: 'elementwise_affine', bias: 'bias' },
  inputShape: '(*, *normalized_shape)',
  statistics: 'over the trailing normalized_shape dims of each position',
  source: `${TORCH_DOC}torch.nn.LayerNorm.html; torch 1.13 signature lacks bias (added in 2.1)`,
  notes: ['Same computation in train and eval: no running statistics.'],
  toCore: core((a) => {
    const affine = bool(a, 'elementwise_affine');
    return {
      kind: 'layer_norm',
      normalizedShape: ints(a, 'normalized_shape'),
      eps: num(a, 'eps'),
      hasWeight: affine,
      hasBias: affine && bool(a, 'bias'),
    };
  }),
};

const torchGroupNorm: NormClassSpec = {
  id: 'torch.nn.GroupNorm',
  framework: 'pytorch',
  qualifiedNames: ['torch.nn.GroupNorm', 'torch.nn.modules.normalization.GroupNorm'],
  name: 'GroupNorm',
  kind: 'group_norm',
  form: 'module',
  params: [
    p('num_groups', 'Number of groups the channels are split into.'),
    p('num_channels', 'Number of channels C; must be divisible by num_groups.'),
    p('eps', 'Added to the variance before the square root, for numerical stability.', 1e-5),
    p('affine', 'Learnable per-channel weight and bias.', true),
    ...deviceDtype,
  ],
  roles: { groups: 'num_groups', channels: 'num_channels', eps: 'eps', affine: 'affine' },
  inputShape: '(N, C, *)',
  statistics: 'over each group of C/num_groups channels and all spatial dims, per sample',
  source: `${TORCH_DOC}torch.nn.GroupNorm.html; signature checked with inspect.signature on torch 1.13`,
  notes: ['The constructor raises "num_channels must be divisible by num_groups".'],
  toCore: core((a) => ({
    kind: 'group_norm',
    numGroups: int(a, 'num_groups', -Infinity),
    numChannels: int(a, 'num_channels'),
    eps: num(a, 'eps'),
    hasWeight: bool(a, 'affine'),
    hasBias: bool(a, 'affine'),
    channelAxis: 1,
  })),
};

const torchRmsNorm: NormClassSpec = {
  id: 'torch.nn.RMSNorm',
  framework: 'pytorch',
  qualifiedNames: ['torch.nn.RMSNorm', 'torch.nn.modules.normalization.RMSNorm'],
  name: 'RMSNorm',
  kind: 'rms_norm',
  form: 'module',
  since: '2.4',
  params: [
    p('normalized_shape', 'The trailing dims the root mean square is taken over.'),
    p('eps', 'Added to the mean square; None = machine epsilon of the input dtype (float32: 1.19e-7).', null),
    p('elementwise_affine', 'Learnable per-element weight (there is no bias).', true),
    ...deviceDtype,
  ],
  roles: { normalizedShape: 'normalized_shape', eps: 'eps', affine: 'elementwise_affine' },
  inputShape: '(*, *normalized_shape)',
  statistics: 'mean of squares over the trailing normalized_shape dims of each position',
  source: `${TORCH_DOC}torch.nn.RMSNorm.html (added in PyTorch 2.4; absent from torch 1.13)`,
  notes: ['No mean subtraction and no bias; eps=None uses torch.finfo(dtype).eps.'],
  toCore: core((a) => ({
    kind: 'rms_norm',
    normalizedShape: ints(a, 'normalized_shape'),
    eps: numOrNone(a, 'eps'),
    hasWeight: bool(a, 'elementwise_affine'),
  })),
};

const torchLrn: NormClassSpec = {
  id: 'torch.nn.LocalResponseNorm',
  framework: 'pytorch',
  qualifiedNames: ['torch.nn.LocalResponseNorm', 'torch.nn.modules.normalization.LocalResponseNorm'],
  name: 'LocalResponseNorm',
  kind: 'local_response_norm',
  form: 'module',
  params: [
    p('size', 'Number of neighbouring channels in the window.'),
    p('alpha', 'Multiplicative factor of the windowed sum of squares (divided by size).', 1e-4),
    p('beta', 'Exponent of the denominator.', 0.75),
    p('k', 'Additive constant in the denominator.', 1.0),
  ],
  roles: {},
  inputShape: '(N, C, *)',
  statistics: 'sum of squares over a window of `size` neighbouring channels at each position',
  source: `${TORCH_DOC}torch.nn.LocalResponseNorm.html; signature checked with inspect.signature on torch 1.13`,
  toCore: core((a) => ({ kind: 'local_response_norm', size: int(a, 'size', 1), alpha: num(a, 'alpha'), beta: num(a, 'beta'), k: num(a, 'k') })),
};

const F_DOC = `${TORCH_DOC}torch.nn.functional.`;
const fnames = (n: string) => [`torch.nn.functional.${n}`];

const torchFunctional: NormClassSpec[] = [
  {
    id: 'torch.nn.functional.batch_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('batch_norm'),
    name: 'batch_norm',
    kind: 'batch_norm',
    form: 'function',
    params: [
      tensor('input', 'Input of shape (N, C, ...).'),
      tensor('running_mean', 'Running mean (C,), updated in place when training; may be None.'),
      tensor('running_var', 'Running variance (C,), updated in place when training; may be None.'),
      tensor('weight', 'Per-channel scale γ (C,).', null),
      tensor('bias', 'Per-channel shift β (C,).', null),
      p('training', 'Use batch statistics (and update the running ones) instead of the running ones.', false),
      p('momentum', 'Weight of the new batch in the running update.', 0.1),
      p('eps', 'Added to the variance before the square root.', 1e-5),
    ],
    modeArg: { name: 'training', trainWhen: true },
    roles: { eps: 'eps', momentum: 'momentum' },
    inputShape: '(N, C, *)',
    statistics: 'over N and all spatial dims for each channel C',
    storedVariance: 'unbiased',
    source: `${F_DOC}batch_norm.html; signature checked with inspect.signature on torch 1.13`,
    notes: ['training defaults to False: called bare, it normalizes with the running statistics passed in.'],
    toCore: core((a) => ({
      kind: 'batch_norm',
      numFeatures: null,
      eps: num(a, 'eps'),
      momentum: num(a, 'momentum'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
      trackRunningStats: given(a, 'running_mean') || given(a, 'running_var'),
      storedVariance: 'unbiased',
      channelAxis: 1,
      layerName: 'batch_norm',
    })),
  },
  {
    id: 'torch.nn.functional.layer_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('layer_norm'),
    name: 'layer_norm',
    kind: 'layer_norm',
    form: 'function',
    params: [
      tensor('input', 'Input of shape (*, *normalized_shape).'),
      p('normalized_shape', 'The trailing dims to normalize over.'),
      tensor('weight', 'Per-element scale of shape normalized_shape.', null),
      tensor('bias', 'Per-element shift of shape normalized_shape.', null),
      p('eps', 'Added to the variance before the square root.', 1e-5),
    ],
    roles: { normalizedShape: 'normalized_shape', eps: 'eps' },
    inputShape: '(*, *normalized_shape)',
    statistics: 'over the trailing normalized_shape dims of each position',
    source: `${F_DOC}layer_norm.html; signature checked with inspect.signature on torch 1.13`,
    toCore: core((a) => ({
      kind: 'layer_norm',
      normalizedShape: ints(a, 'normalized_shape'),
      eps: num(a, 'eps'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
    })),
  },
  {
    id: 'torch.nn.functional.group_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('group_norm'),
    name: 'group_norm',
    kind: 'group_norm',
    form: 'function',
    params: [
      tensor('input', 'Input of shape (N, C, *).'),
      p('num_groups', 'Number of groups the channels are split into.'),
      tensor('weight', 'Per-channel scale (C,).', null),
      tensor('bias', 'Per-channel shift (C,).', null),
      p('eps', 'Added to the variance before the square root.', 1e-5),
    ],
    roles: { groups: 'num_groups', eps: 'eps' },
    inputShape: '(N, C, *)',
    statistics: 'over each group of channels and all spatial dims, per sample',
    source: `${F_DOC}group_norm.html; signature checked with inspect.signature on torch 1.13`,
    toCore: core((a, _r, shape) => ({
      kind: 'group_norm',
      numGroups: int(a, 'num_groups', -Infinity),
      numChannels: needShape(shape, 'group_norm')[1] ?? fail('group_norm needs an input of at least 2 dims'),
      eps: num(a, 'eps'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
      channelAxis: 1,
    })),
  },
  {
    id: 'torch.nn.functional.instance_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('instance_norm'),
    name: 'instance_norm',
    kind: 'instance_norm',
    form: 'function',
    params: [
      tensor('input', 'Input of shape (N, C, *).'),
      tensor('running_mean', 'Running mean (C,), or None.', null),
      tensor('running_var', 'Running variance (C,), or None.', null),
      tensor('weight', 'Per-channel scale (C,).', null),
      tensor('bias', 'Per-channel shift (C,).', null),
      p('use_input_stats', 'Normalize with each instance\'s own statistics (else the running ones).', true),
      p('momentum', 'Weight of the new batch in the running update.', 0.1),
      p('eps', 'Added to the variance before the square root.', 1e-5),
    ],
    modeArg: { name: 'use_input_stats', trainWhen: true },
    roles: { eps: 'eps', momentum: 'momentum' },
    inputShape: '(N, C, *)',
    statistics: 'over the spatial dims of each sample and channel (N, C)',
    storedVariance: 'unbiased',
    source: `${F_DOC}instance_norm.html; signature checked with inspect.signature on torch 1.13`,
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: null,
      eps: num(a, 'eps'),
      momentum: num(a, 'momentum'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
      trackRunningStats: given(a, 'running_mean') || given(a, 'running_var'),
      channelAxis: 1,
      layerName: 'instance_norm',
    })),
  },
  {
    id: 'torch.nn.functional.rms_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('rms_norm'),
    name: 'rms_norm',
    kind: 'rms_norm',
    form: 'function',
    since: '2.4',
    params: [
      tensor('input', 'Input of shape (*, *normalized_shape).'),
      p('normalized_shape', 'The trailing dims the root mean square is taken over.'),
      tensor('weight', 'Per-element scale of shape normalized_shape.', null),
      p('eps', 'Added to the mean square; None = machine epsilon of the input dtype.', null),
    ],
    roles: { normalizedShape: 'normalized_shape', eps: 'eps' },
    inputShape: '(*, *normalized_shape)',
    statistics: 'mean of squares over the trailing normalized_shape dims of each position',
    source: `${F_DOC}rms_norm.html (added in PyTorch 2.4; absent from torch 1.13)`,
    toCore: core((a) => ({
      kind: 'rms_norm',
      normalizedShape: ints(a, 'normalized_shape'),
      eps: numOrNone(a, 'eps'),
      hasWeight: given(a, 'weight'),
    })),
  },
  {
    id: 'torch.nn.functional.local_response_norm',
    framework: 'pytorch',
    qualifiedNames: fnames('local_response_norm'),
    name: 'local_response_norm',
    kind: 'local_response_norm',
    form: 'function',
    params: [
      tensor('input', 'Input of shape (N, C, *).'),
      p('size', 'Number of neighbouring channels in the window.'),
      p('alpha', 'Multiplicative factor of the windowed sum of squares (divided by size).', 1e-4),
      p('beta', 'Exponent of the denominator.', 0.75),
      p('k', 'Additive constant in the denominator.', 1.0),
    ],
    roles: {},
    inputShape: '(N, C, *)',
    statistics: 'sum of squares over a window of `size` neighbouring channels at each position',
    source: `${F_DOC}local_response_norm.html; signature checked with inspect.signature on torch 1.13`,
    toCore: core((a) => ({ kind: 'local_response_norm', size: int(a, 'size', 1), alpha: num(a, 'alpha'), beta: num(a, 'beta'), k: num(a, 'k') })),
  },
  {
    id: 'torch.nn.functional.normalize',
    framework: 'pytorch',
    qualifiedNames: fnames('normalize'),
    name: 'normalize',
    kind: 'lp_normalize',
    form: 'function',
    params: [
      tensor('input', 'Input of any shape.'),
      p('p', 'Exponent of the norm (2 = Euclidean).', 2.0),
      p('dim', 'Dimension the norm is taken over (default 1, the channel dim).', 1),
      p('eps', 'Lower bound of the norm, to avoid dividing by zero.', 1e-12),
      tensor('out', 'Output tensor to write into.', null),
    ],
    roles: { eps: 'eps' },
    inputShape: 'any',
    statistics: 'Lp norm along dim for each position (no mean, no variance)',
    source: `${F_DOC}normalize.html; signature checked with inspect.signature on torch 1.13`,
    notes: ['Divides by max(‖x‖p, eps) along dim: a rescaling to unit length, not a standardization.'],
    toCore: cannot('normalize (Lp unit-length scaling) has no statistics to compute here; NormLens computes mean/variance normalizations only'),
  },
];

const PYTORCH: NormClassSpec[] = [
  ...(['1d', '2d', '3d'] as const).map((d) => torchBatchNorm(d, false)),
  ...(['1d', '2d', '3d'] as const).map((d) => torchBatchNorm(d, true)),
  syncBatchNorm,
  torchLayerNorm,
  torchGroupNorm,
  ...(['1d', '2d', '3d'] as const).map((d) => torchInstanceNorm(d, false)),
  ...(['1d', '2d', '3d'] as const).map((d) => torchInstanceNorm(d, true)),
  torchRmsNorm,
  torchLrn,
  ...torchFunctional,
];

export const NORM_CLASSES: NormClassSpec[] = [...PYTORCH];

// Referenced by later sections of the table.
void resolveAxes;
void trailingShape;
void require;
void pyRepr;
void kw;
void expr;
