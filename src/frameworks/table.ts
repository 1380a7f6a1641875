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
import { bool, fail, given, guard, int, ints, num, numOrNone, pyRepr, resolveAxes, trailingShape } from './read';
import type { FrameworkInfo, NormClassSpec, ParamSpec, PyValue, TensorNames } from './types';

export const FRAMEWORKS: FrameworkInfo[] = [
  {
    id: 'pytorch',
    name: 'PyTorch',
    channels: 'first',
    momentumConvention: 'new-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the running ones; model.eval() uses the running statistics.',
    signaturesFrom: 'torch 2.13',
    modules: ['torch'],
    // torch.nn.modules.batchnorm: parameters weight/bias, buffers running_mean/running_var/num_batches_tracked
    tensorNames: { weight: 'weight', bias: 'bias', runningMean: 'running_mean', runningVar: 'running_var', counter: 'num_batches_tracked' },
  },
  {
    id: 'keras',
    name: 'Keras 3',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch:
      'The call argument training=True (set by fit()) uses batch statistics; training=False or predict() uses the moving ones; trainable=False on BatchNormalization also forces inference mode.',
    signaturesFrom: 'Keras 3.15.1',
    modules: ['keras'],
    // Keras 3 add_weight names in keras/src/layers/normalization/*.py
    tensorNames: { weight: 'gamma', bias: 'beta', runningMean: 'moving_mean', runningVar: 'moving_variance', counter: null },
  },
  {
    id: 'tf_keras',
    name: 'tf.keras',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch:
      'The call argument training=True (set by fit()) uses batch statistics; training=False or predict() uses the moving ones; trainable=False on BatchNormalization also forces inference mode.',
    modules: ['tensorflow.keras', 'tf.keras', 'tf_keras'],
    // as Keras 3
    tensorNames: { weight: 'gamma', bias: 'beta', runningMean: 'moving_mean', runningVar: 'moving_variance', counter: null },
  },
  {
    id: 'flax_linen',
    name: 'Flax linen',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: "use_running_average=False uses batch statistics and needs mutable=['batch_stats'] in apply(); True uses the stored averages.",
    signaturesFrom: 'Flax 0.12.8',
    modules: ['flax.linen'],
    // flax/linen/normalization.py: params scale/bias, batch_stats mean/var
    tensorNames: { weight: 'scale', bias: 'bias', runningMean: 'mean', runningVar: 'var', counter: null },
  },
  {
    id: 'flax_nnx',
    name: 'Flax nnx',
    channels: 'last',
    momentumConvention: 'old-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the averages; model.eval() sets use_running_average=True.',
    signaturesFrom: 'Flax 0.12.8',
    modules: ['flax.nnx'],
    // flax/nnx/nn/normalization.py: nnx.Param scale/bias, BatchStat mean/var
    tensorNames: { weight: 'scale', bias: 'bias', runningMean: 'mean', runningVar: 'var', counter: null },
  },
  {
    id: 'haiku',
    name: 'Haiku',
    channels: 'last',
    momentumConvention: 'decay-debiased',
    modeSwitch: 'The call argument is_training=True uses batch statistics and updates the averages; is_training=False uses the (zero-debiased) averages.',
    modules: ['haiku'],
    // haiku/_src/batch_norm.py: parameters scale/offset; ExponentialMovingAverage modules mean_ema/var_ema (their debiased average) with a counter
    tensorNames: { weight: 'scale', bias: 'offset', runningMean: 'mean_ema', runningVar: 'var_ema', counter: 'counter' },
  },
  {
    id: 'mlx',
    name: 'MLX',
    channels: 'last',
    momentumConvention: 'new-weight',
    modeSwitch: 'model.train() uses batch statistics and updates the running ones; model.eval() uses the running statistics.',
    modules: ['mlx.nn'],
    // mlx/nn/layers/normalization.py
    tensorNames: { weight: 'weight', bias: 'bias', runningMean: 'running_mean', runningVar: 'running_var', counter: null },
  },
  {
    id: 'paddle',
    name: 'Paddle',
    channels: 'first',
    momentumConvention: 'old-weight',
    modeSwitch: 'model.train() uses batch statistics; model.eval() uses the running ones; use_global_stats=True forces the running ones.',
    modules: ['paddle'],
    // paddle/nn/layer/norm.py: weight/bias parameters, _mean/_variance buffers
    tensorNames: { weight: 'weight', bias: 'bias', runningMean: '_mean', runningVar: '_variance', counter: null },
  },
  {
    id: 'jax',
    name: 'JAX',
    channels: 'last',
    momentumConvention: null,
    modeSwitch: 'A pure function: statistics always come from the input.',
    signaturesFrom: 'JAX 0.10.2',
    modules: ['jax'],
    // jax.nn.standardize takes mean/variance arguments; it has no parameters
    tensorNames: { weight: 'weight', bias: 'bias', runningMean: 'mean', runningVar: 'variance', counter: null },
  },
];

// ---------------------------------------------------------------------------------------------
// Small builders

const p = (name: string, doc: string, def?: PyValue, extra: Partial<ParamSpec> = {}): ParamSpec =>
  def === undefined ? { name, doc, ...extra } : { name, default: def, doc, ...extra };
const kw = (name: string, doc: string, def?: PyValue, extra: Partial<ParamSpec> = {}): ParamSpec => p(name, doc, def, { keywordOnly: true, ...extra });
const tensor = (name: string, doc: string, def?: PyValue): ParamSpec => p(name, doc, def, { tensor: true });
const expr = (text: string): PyValue => ({ expr: text });

type Args = Record<string, PyValue>;
type ToCore = NonNullable<NormClassSpec['toCore']>;
const core =
  (f: (a: Args, rank?: number, shape?: readonly number[]) => CoreLayerSpec): ToCore =>
  (a, r, s) =>
    guard(() => f(a, r, s));
const cannot =
  (message: string): ToCore =>
  () => ({ error: message });

const needShape = (shape: readonly number[] | undefined, layer: string): readonly number[] =>
  shape ?? fail(`${layer} takes its sizes from the input; give the input shape to compute it`);

// ---------------------------------------------------------------------------------------------
// PyTorch

const TORCH_DOC = 'https://pytorch.org/docs/stable/generated/';
const deviceDtype = [p('device', 'Device for the parameters and buffers.', null), p('dtype', 'Data type for the parameters and buffers.', null)];
// BatchNorm, InstanceNorm and GroupNorm take a keyword-only `bias` last in torch 2.13; torch 1.13 did not have it.
const torchBiasFlag = kw('bias', 'With affine, also learn the additive bias β (False: only the scale γ).', true, { since: '2.13' });
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
    params: [...torchBnParams(lazy), ...deviceDtype, torchBiasFlag],
    roles: {
      channels: lazy ? undefined : 'num_features',
      eps: 'eps',
      momentum: 'momentum',
      affine: 'affine',
      bias: 'bias',
      trackRunningStats: 'track_running_stats',
    },
    inputShape: bnShapes[dim],
    statistics: bnStats[dim],
    storedVariance: 'unbiased',
    source: `${TORCH_DOC}torch.nn.${name}.html; signature checked with inspect.signature on torch 2.13`,
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
      hasBias: bool(a, 'affine') && bool(a, 'bias'),
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
    torchBiasFlag,
  ],
  roles: { channels: 'num_features', eps: 'eps', momentum: 'momentum', affine: 'affine', bias: 'bias', trackRunningStats: 'track_running_stats' },
  inputShape: '(N, C, +)',
  statistics: 'over N and all spatial dims of every process in the group, for each channel C',
  storedVariance: 'unbiased',
  source: `${TORCH_DOC}torch.nn.SyncBatchNorm.html; signature checked with inspect.signature on torch 2.13`,
  notes: [
    'Statistics are reduced across processes only in training with an initialized process group; computed here as one process, which is what torch 2.13 itself does without one (plain BatchNorm numbers in train and eval, also on CPU).',
    'torch 1.13 differs: on CPU input it raises "SyncBatchNorm expected input tensor to be on GPU" in both modes (seen with Debian\'s torch 1.13); PyTorch 2.x falls back to BatchNorm when not distributed.',
  ],
  toCore: core((a) => ({
    kind: 'batch_norm',
    numFeatures: int(a, 'num_features'),
    eps: num(a, 'eps'),
    momentum: numOrNone(a, 'momentum'),
    hasWeight: bool(a, 'affine'),
    hasBias: bool(a, 'affine') && bool(a, 'bias'),
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
    torchBiasFlag,
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
      bias: 'bias',
      trackRunningStats: 'track_running_stats',
    },
    inputShape: inShapes[dim],
    statistics: 'over the spatial dims of each sample and channel (N, C)',
    storedVariance: 'unbiased',
    source: `${TORCH_DOC}torch.nn.${name}.html; signature checked with inspect.signature on torch 2.13`,
    notes: lazy
      ? ['Unlike InstanceNorm' + dim + ', affine and track_running_stats default to True.']
      : ['affine=False by default: no learnable scale or shift unless asked for (Flax and Paddle default to having them).'],
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: lazy ? null : int(a, 'num_features'),
      eps: num(a, 'eps'),
      momentum: numOrNone(a, 'momentum'),
      hasWeight: bool(a, 'affine'),
      hasBias: bool(a, 'affine') && bool(a, 'bias'),
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
  source: `${TORCH_DOC}torch.nn.LayerNorm.html; signature checked with inspect.signature on torch 2.13 (bias added in 2.1)`,
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
    torchBiasFlag,
  ],
  roles: { groups: 'num_groups', channels: 'num_channels', eps: 'eps', affine: 'affine', bias: 'bias' },
  inputShape: '(N, C, *)',
  statistics: 'over each group of C/num_groups channels and all spatial dims, per sample',
  source: `${TORCH_DOC}torch.nn.GroupNorm.html; signature checked with inspect.signature on torch 2.13`,
  notes: ['The constructor raises "num_channels must be divisible by num_groups".'],
  toCore: core((a) => ({
    kind: 'group_norm',
    numGroups: int(a, 'num_groups', -Infinity),
    numChannels: int(a, 'num_channels'),
    eps: num(a, 'eps'),
    hasWeight: bool(a, 'affine'),
    hasBias: bool(a, 'affine') && bool(a, 'bias'),
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
  source: `${TORCH_DOC}torch.nn.RMSNorm.html (added in PyTorch 2.4); signature checked with inspect.signature on torch 2.13`,
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
  source: `${TORCH_DOC}torch.nn.LocalResponseNorm.html; signature checked with inspect.signature on torch 2.13`,
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
    source: `${F_DOC}batch_norm.html; signature checked with inspect.signature on torch 2.13`,
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
      evalNeedsRunningStats: true,
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
    source: `${F_DOC}layer_norm.html; signature checked with inspect.signature on torch 2.13`,
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
    source: `${F_DOC}group_norm.html; signature checked with inspect.signature on torch 2.13`,
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
      p('use_input_stats', "Normalize with each instance's own statistics (else the running ones).", true),
      p('momentum', 'Weight of the new batch in the running update.', 0.1),
      p('eps', 'Added to the variance before the square root.', 1e-5),
    ],
    modeArg: { name: 'use_input_stats', trainWhen: true },
    roles: { eps: 'eps', momentum: 'momentum' },
    inputShape: '(N, C, *)',
    statistics: 'over the spatial dims of each sample and channel (N, C)',
    storedVariance: 'unbiased',
    source: `${F_DOC}instance_norm.html; signature checked with inspect.signature on torch 2.13`,
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
      evalNeedsRunningStats: true,
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
    source: `${F_DOC}rms_norm.html (added in PyTorch 2.4); signature checked with inspect.signature on torch 2.13`,
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
    source: `${F_DOC}local_response_norm.html; signature checked with inspect.signature on torch 2.13`,
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
    source: `${F_DOC}normalize.html; signature checked with inspect.signature on torch 2.13`,
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

// ---------------------------------------------------------------------------------------------
// Keras 3 (keras.layers) and tf.keras (tensorflow.keras.layers, which is Keras 3 from TF 2.16)

const KERAS_DOC = 'https://keras.io/api/layers/normalization_layers/';
const initializers = (withMoving: boolean): ParamSpec[] => [
  p('beta_initializer', 'Initializer of the offset β.', 'zeros'),
  p('gamma_initializer', 'Initializer of the scale γ.', 'ones'),
  ...(withMoving
    ? [
        p('moving_mean_initializer', 'Initializer of the moving mean.', 'zeros'),
        p('moving_variance_initializer', 'Initializer of the moving variance.', 'ones'),
      ]
    : []),
  p('beta_regularizer', 'Regularizer of β.', null),
  p('gamma_regularizer', 'Regularizer of γ.', null),
  p('beta_constraint', 'Constraint on β.', null),
  p('gamma_constraint', 'Constraint on γ.', null),
];
const kerasAxisDoc = 'The feature axis (or axes); -1 = last (channels-last).';
/**
 * What Keras 3's base Layer takes through **kwargs (keras/src/layers/layer.py, Layer.__init__ in 3.15.1: keyword-only
 * activity_regularizer, trainable, dtype, autocast, name, and input_dim/input_shape popped from kwargs); anything else
 * raises "ValueError: Unrecognized keyword arguments passed to <Layer>: {...}".
 */
const KERAS_LAYER_KWARGS = ['activity_regularizer', 'trainable', 'dtype', 'autocast', 'name', 'input_dim', 'input_shape'];
const kerasKwargsFor = (layer: string): NonNullable<NormClassSpec['kwargsAccepted']> => ({
  names: KERAS_LAYER_KWARGS,
  layer,
});

/** The single channel axis of a Keras/Flax per-feature layer, as an axis index. */
function featureAxis(a: Args, name: string, layer: string): number {
  const axes = ints(a, name);
  if (axes.length !== 1) fail(`${layer} with several feature axes (${name}=${pyRepr(a[name])}) is not computed by NormLens; give one axis`);
  return axes[0];
}

function kerasFamily(framework: 'keras' | 'tf_keras'): NormClassSpec[] {
  const prefixes = framework === 'keras' ? ['keras.layers'] : ['tensorflow.keras.layers'];
  // Keras 3 also exports each class from keras.src (used inside Keras itself and by code that imports
  // `from keras.src import layers`); the signature test checks these paths resolve to the same class.
  const srcModule: Record<string, string> = {
    BatchNormalization: 'batch_normalization',
    LayerNormalization: 'layer_normalization',
    GroupNormalization: 'group_normalization',
    RMSNormalization: 'rms_normalization',
    UnitNormalization: 'unit_normalization',
  };
  const names = (n: string) => [
    ...prefixes.map((x) => `${x}.${n}`),
    ...(framework === 'keras' ? [`keras.src.layers.${n}`, `keras.src.layers.normalization.${srcModule[n]}.${n}`] : []),
  ];
  const label = framework === 'keras' ? 'Keras 3' : 'tf.keras';
  const src = (page: string) =>
    framework === 'keras'
      ? `${KERAS_DOC}${page}/ (Keras 3 API reference)`
      : `https://www.tensorflow.org/api_docs/python/tf/keras/layers/ (TF 2.16+, where tf.keras is Keras 3; same signature as ${KERAS_DOC}${page}/)`;
  const kerasNote =
    framework === 'tf_keras'
      ? ['Before TF 2.16, tf.keras was Keras 2, whose BatchNormalization also took renorm, fused, virtual_batch_size and adjustment.']
      : [];
  return [
    {
      id: `${prefixes[0]}.BatchNormalization`,
      framework,
      qualifiedNames: names('BatchNormalization'),
      name: 'BatchNormalization',
      kind: 'batch_norm',
      form: 'module',
      params: [
        p('axis', kerasAxisDoc, -1),
        p('momentum', 'Weight of the old moving average per update: moving = m·moving + (1−m)·batch.', 0.99),
        p('epsilon', 'Added to the variance before the square root.', 0.001),
        p('center', 'Learn an offset β.', true),
        p('scale', 'Learn a scale γ.', true),
        ...initializers(true),
        p('renorm', 'Batch renormalization (Ioffe 2017): correct batch statistics toward the moving ones in training.', false),
        p('renorm_clipping', "With renorm: dict of 'rmax', 'rmin', 'dmax' clipping the correction (r, d).", null),
        p('renorm_momentum', 'With renorm: momentum of the moving mean and standard deviation used for the correction.', 0.99),
        p('synchronized', 'Synchronize batch statistics across devices in distributed training.', false),
      ],
      varKeywords: true,
      kwargsAccepted: kerasKwargsFor('BatchNormalization'),
      roles: { axis: 'axis', momentum: 'momentum', eps: 'epsilon', bias: 'center', scale: 'scale' },
      // call(inputs, training=None, mask=None): batch statistics only when training is true and the layer trainable.
      callParams: [
        {
          name: 'training',
          doc: 'True: batch statistics, and the moving ones are updated (fit() passes it); None/False: the moving statistics. trainable=False forces False.',
          default: null,
          trainWhen: true,
        },
      ],
      inputShape: '(N, ..., C), C on axis',
      statistics: 'over every axis except `axis`, for each feature',
      storedVariance: 'biased',
      source: src('batch_normalization'),
      notes: [
        'momentum is the weight of the OLD average: Keras 0.99 = PyTorch 0.01.',
        'trainable=False puts the layer in inference mode (moving statistics), unlike other layers.',
        'A batch of one is allowed in training (variance 0), where PyTorch raises.',
        ...kerasNote,
      ],
      toCore: core((a) => {
        if (bool(a, 'renorm')) {
          fail(
            'BatchNormalization(renorm=True) (batch renormalization: batch statistics corrected by r and d from separate moving mean and stddev) is not computed by NormLens; renorm=False is',
          );
        }
        return {
          kind: 'batch_norm',
          numFeatures: null,
          eps: num(a, 'epsilon'),
          momentum: 1 - num(a, 'momentum'),
          hasWeight: bool(a, 'scale'),
          hasBias: bool(a, 'center'),
          trackRunningStats: true,
          storedVariance: 'biased',
          channelAxis: featureAxis(a, 'axis', 'BatchNormalization'),
          layerName: 'BatchNormalization',
          // Keras normalizes a batch of one (variance 0) and accepts epsilon=0 without complaint.
          checks: 'none',
        };
      }),
    },
    {
      id: `${prefixes[0]}.LayerNormalization`,
      framework,
      qualifiedNames: names('LayerNormalization'),
      name: 'LayerNormalization',
      kind: 'layer_norm',
      form: 'module',
      params: [
        p('axis', 'The axis or axes to normalize over (-1 = last).', -1),
        p('epsilon', 'Added to the variance before the square root.', 0.001),
        p('center', 'Learn an offset β.', true),
        p('scale', 'Learn a scale γ.', true),
        ...initializers(false),
        kw(
          'rms_scaling',
          'Deprecated (Keras 3.15 warns): divide x, not x − mean, by sqrt(var + eps), times γ; no β. Scales by the variance, not the RMS.',
          false,
          { viaKwargs: true },
        ),
      ],
      varKeywords: true,
      kwargsAccepted: kerasKwargsFor('LayerNormalization'),
      roles: { axis: 'axis', eps: 'epsilon', bias: 'center', scale: 'scale' },
      inputShape: '(N, ..., features)',
      statistics: 'over `axis` for each position',
      source: src('layer_normalization'),
      notes: [
        "epsilon defaults to 1e-3, a hundred times PyTorch's 1e-5.",
        'rms_scaling=True (taken from **kwargs; deprecated in Keras 3.15) computes x·rsqrt(var(x) + ε)·γ: divided by the standard deviation but not centred, and with no β. It is neither LayerNorm nor RMSNorm; keras.layers.RMSNormalization is the RMS norm.',
      ],
      toCore: core((a, _r, shape) => {
        const s = needShape(shape, 'LayerNormalization');
        const rmsScaling = a.rms_scaling !== undefined && bool(a, 'rms_scaling');
        return {
          kind: 'layer_norm',
          normalizedShape: trailingShape(ints(a, 'axis'), s, 'axis', 'LayerNormalization'),
          eps: num(a, 'epsilon'),
          // Keras builds γ when scale or rms_scaling, β only when center and not rms_scaling.
          hasWeight: bool(a, 'scale') || rmsScaling,
          hasBias: bool(a, 'center') && !rmsScaling,
          ...(rmsScaling ? { rmsScaling: true } : {}),
        };
      }),
    },
    {
      id: `${prefixes[0]}.GroupNormalization`,
      framework,
      qualifiedNames: names('GroupNormalization'),
      name: 'GroupNormalization',
      kind: 'group_norm',
      form: 'module',
      params: [
        p('groups', 'Number of groups; -1 = one group per channel (instance normalization).', 32),
        p('axis', kerasAxisDoc, -1),
        p('epsilon', 'Added to the variance before the square root.', 0.001),
        p('center', 'Learn an offset β.', true),
        p('scale', 'Learn a scale γ.', true),
        ...initializers(false),
      ],
      varKeywords: true,
      kwargsAccepted: kerasKwargsFor('GroupNormalization'),
      groupsPerChannel: -1,
      roles: { groups: 'groups', axis: 'axis', eps: 'epsilon', bias: 'center', scale: 'scale' },
      inputShape: '(N, ..., C), C on axis',
      statistics: 'over each group of channels and all other non-batch axes, per sample',
      source: src('group_normalization'),
      toCore: core((a, _r, shape) => {
        const s = needShape(shape, 'GroupNormalization');
        const axis = featureAxis(a, 'axis', 'GroupNormalization');
        const [resolved] = resolveAxes([axis], s.length, 'axis');
        const channels = s[resolved];
        const g = int(a, 'groups', -Infinity);
        // Keras 3.15.1 keras/src/layers/normalization/group_normalization.py: __init__, then build().
        if (g <= 0 && g !== -1) {
          fail(`Received an invalid value for argument \`groups\`, expected a positive integer (or \`-1\` for instance normalization). Received: groups=${g}`);
        }
        const groups = g === -1 ? channels : g;
        if (channels < groups) fail(`Number of groups (${groups}) cannot be more than the number of channels (${channels}).`);
        if (channels % groups !== 0) fail(`Number of groups (${groups}) must be a multiple of the number of channels (${channels}).`);
        return {
          kind: 'group_norm',
          numGroups: groups,
          numChannels: channels,
          eps: num(a, 'epsilon'),
          hasWeight: bool(a, 'scale'),
          hasBias: bool(a, 'center'),
          channelAxis: axis,
          checks: 'none',
        };
      }),
    },
    {
      id: `${prefixes[0]}.RMSNormalization`,
      framework,
      qualifiedNames: names('RMSNormalization'),
      name: 'RMSNormalization',
      kind: 'rms_norm',
      form: 'module',
      since: framework === 'keras' ? '3.9' : 'TF 2.20',
      params: [p('axis', 'The axis to normalize over (-1 = last).', -1), p('epsilon', 'Added to the mean square.', 1e-6)],
      varKeywords: true,
      kwargsAccepted: kerasKwargsFor('RMSNormalization'),
      roles: { axis: 'axis', eps: 'epsilon' },
      // keras/src/layers/normalization/rms_normalization.py: add_weight(name="scale"), unlike gamma elsewhere.
      tensorNames: { weight: 'scale' },
      inputShape: '(N, ..., features)',
      statistics: 'mean of squares over `axis` for each position',
      source: src('rms_normalization'),
      notes: ['Always learns a scale; there is no offset.'],
      toCore: core((a, _r, shape) => ({
        kind: 'rms_norm',
        normalizedShape: trailingShape(ints(a, 'axis'), needShape(shape, 'RMSNormalization'), 'axis', 'RMSNormalization'),
        eps: num(a, 'epsilon'),
        hasWeight: true,
      })),
    },
    {
      id: `${prefixes[0]}.UnitNormalization`,
      framework,
      qualifiedNames: names('UnitNormalization'),
      name: 'UnitNormalization',
      kind: 'unit_norm',
      form: 'module',
      params: [p('axis', 'The axis (or axes) along which each vector is scaled to unit L2 norm.', -1)],
      varKeywords: true,
      kwargsAccepted: kerasKwargsFor('UnitNormalization'),
      roles: { axis: 'axis' },
      inputShape: 'any',
      statistics: 'L2 norm along `axis` (no mean, no variance)',
      source: src('unit_normalization'),
      notes: [`${label} UnitNormalization divides by the L2 norm; it does not standardize.`],
      toCore: cannot('UnitNormalization (L2 unit-length scaling) has no statistics to compute here; NormLens computes mean/variance normalizations only'),
    },
  ];
}

/**
 * The standalone `tf_keras` package (tf-keras, the Keras 2 API kept for TF >= 2.16 users; `import tf_keras`):
 * the same layer classes and keyword names as tf.keras before TF 2.16 (https://github.com/keras-team/tf-keras,
 * tf_keras/src/layers/normalization/*.py). It has no RMSNormalization. tf_keras cannot be installed here, so these
 * entries are documentation-checked only: their **kwargs are passed on without the Keras 3 refusal, since Keras 2's
 * BatchNormalization also takes fused, virtual_batch_size, adjustment and renorm*.
 */
function tfKerasPackage(): NormClassSpec[] {
  return kerasFamily('tf_keras')
    .filter((s) => s.name !== 'RMSNormalization')
    .map((s) => {
      const { kwargsAccepted: _ignored, ...rest } = s;
      return {
        ...rest,
        id: `tf_keras.layers.${s.name}`,
        qualifiedNames: [`tf_keras.layers.${s.name}`],
        params: s.params.filter((q) => !q.viaKwargs),
        source: `https://github.com/keras-team/tf-keras (tf_keras.layers.${s.name}, the Keras 2 API; same keywords as tf.keras before TF 2.16)`,
        notes: [
          ...(s.notes ?? []),
          'tf_keras is the Keras 2 API; its layers take further keywords through **kwargs (e.g. BatchNormalization fused=, virtual_batch_size=, adjustment=), which NormLens passes on without checking.',
        ],
        toCore: s.toCore,
      };
    });
}

const KERAS: NormClassSpec[] = [...kerasFamily('keras'), ...kerasFamily('tf_keras'), ...tfKerasPackage()];

// ---------------------------------------------------------------------------------------------
// Flax linen (dataclass modules: fields in order, parent/name keyword-only) and nnx

const FLAX_LINEN_DOC = 'https://flax-linen.readthedocs.io/en/latest/api_reference/flax.linen/layers.html';
const FLAX_NNX_DOC = 'https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/nn/normalization.html';
const flaxCommon = {
  dtype: p('dtype', 'Result dtype (default: inferred from input and params).', null),
  paramDtype: p('param_dtype', 'Parameter dtype.', expr('jnp.float32')),
  useBias: p('use_bias', 'Learn an offset (β).', true),
  useScale: p('use_scale', 'Learn a scale (γ).', true),
  biasInit: p('bias_init', 'Initializer of the offset.', expr('initializers.zeros')),
  scaleInit: p('scale_init', 'Initializer of the scale.', expr('initializers.ones')),
  axisName: p('axis_name', 'Named device axis to average statistics over.', null),
  axisIndexGroups: p('axis_index_groups', 'Device groups within axis_name.', null),
  fastVariance: p('use_fast_variance', 'Compute the variance as E[x²]−E[x]² (faster, less stable).', true),
  f32: p('force_float32_reductions', 'Accumulate statistics in float32 even for lower-precision inputs.', true),
};
// linen modules are dataclasses: parent and name are ordinary (positional) fields after the module's own.
const linenTail = [
  p('parent', 'Parent module (set by Flax).', expr('flax.linen.module._Sentinel()'), { plumbing: true }),
  p('name', 'Module name.', null, { plumbing: true }),
];
const nnxPromote = kw('promote_dtype', 'Function that casts inputs and parameters to a common dtype.', expr('flax.nnx.nn.dtypes.promote_dtype'));
const nnxRngs = kw('rngs', 'Random-number streams for parameter initialization (plumbing: cannot change the numbers).', undefined, { plumbing: true });
const nnxMetadata = (which: 'bias' | 'scale') =>
  kw(`${which}_metadata`, `Metadata attached to the ${which} parameter (e.g. sharding).`, expr('mappingproxy({})'));
const flaxNotes = ['Variance is E[x²]−E[x]² by default (use_fast_variance=True); NormLens computes it two-pass in float64.'];

/** Flax reduction axes: trailing axes of the input, giving the normalized shape. */
function flaxTrailing(a: Args, name: string, shape: readonly number[] | undefined, layer: string, featureAxes?: string): number[] {
  const s = needShape(shape, layer);
  const normalized = trailingShape(ints(a, name), s, name, layer);
  if (featureAxes) {
    const f = resolveAxes(ints(a, featureAxes), s.length, featureAxes);
    const r = resolveAxes(ints(a, name), s.length, name);
    if ((bool(a, 'use_scale') || (a.use_bias !== undefined && bool(a, 'use_bias'))) && JSON.stringify(f) !== JSON.stringify(r)) {
      fail(
        `${layer} with ${featureAxes}=${pyRepr(a[featureAxes])} different from ${name}=${pyRepr(a[name])} has parameters of another shape than the normalized dims; NormLens computes it only when they agree`,
      );
    }
  }
  return normalized;
}

/**
 * nnx LayerNorm/RMSNorm make their scale and bias of num_features values and reshape them onto the feature axes at the
 * call (Flax 0.12.8): a num_features other than those axes' size fails there (numpy's reshape TypeError). Linen sizes
 * them from the input, and a layer without scale or bias reshapes nothing.
 */
function nnxSized(a: Args, normalized: number[], shape: readonly number[] | undefined, linen: boolean, hasParams: boolean): number[] {
  if (linen || !hasParams || !shape) return normalized;
  const nf = int(a, 'num_features');
  const size = normalized.reduce((x, d) => x * d, 1);
  if (nf !== size) {
    const target = shape.map((d, i) => (i >= shape.length - normalized.length ? d : 1));
    fail(`cannot reshape array of shape (${nf},) (size ${nf}) into shape [${target.join(', ')}]`);
  }
  return normalized;
}

/** Flax 0.12.8's group count and its ValueErrors (linen: at call, on the input's channels; nnx: at construction, on num_features). */
function flaxGroups(a: Args, channels: number, linen: boolean): number {
  const g = a.num_groups;
  const size = a.group_size;
  if ((g === null) === (size === null || size === undefined)) {
    fail(
      'Either `num_groups` or `group_size` should be specified. If `group_size` is to be specified, pass `num_groups=None` as argument to override the default `num_groups` value of 32.',
    );
  }
  if (g === null) {
    const gs = int(a, 'group_size', 1);
    if (channels % gs !== 0) fail(`Number of ${linen ? 'channels' : 'features'} (${channels}) is not multiple of the group size (${gs}).`);
    return channels / gs;
  }
  const groups = int(a, 'num_groups', -Infinity);
  if (groups <= 0 || channels % groups !== 0) fail(`Number of groups (${groups}) does not divide the number of channels (${channels}).`);
  return groups;
}

function flaxFamily(which: 'linen' | 'nnx'): NormClassSpec[] {
  const linen = which === 'linen';
  const framework = linen ? 'flax_linen' : 'flax_nnx';
  const q = (n: string) => (linen ? [`flax.linen.${n}`, `flax.linen.normalization.${n}`] : [`flax.nnx.${n}`, `flax.nnx.nn.normalization.${n}`]);
  const source = linen
    ? `${FLAX_LINEN_DOC} (flax.linen normalization modules; defaults checked against the API reference)`
    : `${FLAX_NNX_DOC} (flax.nnx normalization modules)`;
  // nnx: num_features first, everything else keyword-only, rngs required.
  const head = (extra: ParamSpec[] = []) => (linen ? extra : [p('num_features', 'Number of features (size of the feature axis).'), ...extra]);
  const opt = (x: ParamSpec): ParamSpec => (linen ? x : { ...x, keywordOnly: true });
  // nnx (0.12.8): ..., promote_dtype, rngs, then bias_metadata/scale_metadata for the parameters the layer has.
  const tail = (hasBias = true) => (linen ? linenTail : [nnxPromote, nnxRngs, ...(hasBias ? [nnxMetadata('bias')] : []), nnxMetadata('scale')]);
  const c = flaxCommon;
  const bn: NormClassSpec = {
    id: q('BatchNorm')[0],
    framework,
    qualifiedNames: q('BatchNorm'),
    name: 'BatchNorm',
    kind: 'batch_norm',
    form: 'module',
    params: [
      ...head(),
      opt(
        p(
          'use_running_average',
          linen ? 'True: use the stored averages; False: batch statistics (may also be given at call).' : 'True: use the stored averages (set by .eval()).',
          linen ? null : false,
        ),
      ),
      opt(p('axis', 'The feature axis (-1 = last).', -1)),
      opt(p('momentum', 'Weight of the old average per update: ra = m·ra + (1−m)·batch.', 0.99)),
      opt(p('epsilon', 'Added to the variance before the square root.', 1e-5)),
      ...[c.dtype, c.paramDtype, c.useBias, c.useScale, c.biasInit, c.scaleInit, c.axisName, c.axisIndexGroups, c.fastVariance].map(opt),
      ...(linen ? [c.f32] : []),
      ...tail(),
    ],
    modeArg: { name: 'use_running_average', trainWhen: false },
    // __call__(x, use_running_average=None, *, mask=None): linen merges it with the constructor's (exactly one of
    // them must be given); nnx takes the call's value over the attribute (set by .train()/.eval()).
    callParams: [
      {
        name: 'use_running_average',
        doc: linen
          ? "True: the stored averages; False: batch statistics (needs mutable=['batch_stats']). Give it here or to the constructor, not both."
          : 'Overrides the attribute for this call: True = stored averages, False = batch statistics.',
        default: null,
        trainWhen: false,
      },
    ],
    roles: { channels: linen ? undefined : 'num_features', axis: 'axis', momentum: 'momentum', eps: 'epsilon', bias: 'use_bias', scale: 'use_scale' },
    inputShape: '(N, ..., C)',
    statistics: 'over every axis except `axis`, for each feature',
    storedVariance: 'biased',
    source,
    notes: [
      'momentum is the weight of the OLD average: Flax 0.99 = PyTorch 0.01.',
      linen ? "Training needs mutable=['batch_stats'] in apply()." : 'nnx.BatchNorm follows model.train()/model.eval().',
      ...flaxNotes,
    ],
    toCore: core((a) => ({
      kind: 'batch_norm',
      numFeatures: linen ? null : int(a, 'num_features'),
      eps: num(a, 'epsilon'),
      momentum: 1 - num(a, 'momentum'),
      hasWeight: bool(a, 'use_scale'),
      hasBias: bool(a, 'use_bias'),
      trackRunningStats: true,
      storedVariance: 'biased',
      channelAxis: featureAxis(a, 'axis', 'BatchNorm'),
      layerName: 'BatchNorm',
      // Flax normalizes a batch of one (variance 0); nothing raises.
      checks: 'none',
    })),
  };
  const ln: NormClassSpec = {
    id: q('LayerNorm')[0],
    framework,
    qualifiedNames: q('LayerNorm'),
    name: 'LayerNorm',
    kind: 'layer_norm',
    form: 'module',
    params: [
      ...head(),
      opt(p('epsilon', 'Added to the variance before the square root.', 1e-6)),
      ...[c.dtype, c.paramDtype, c.useBias, c.useScale, c.biasInit, c.scaleInit].map(opt),
      opt(p('reduction_axes', 'Axes the statistics are taken over.', -1)),
      opt(p('feature_axes', 'Axes that get their own scale/offset.', -1)),
      ...[c.axisName, c.axisIndexGroups, c.fastVariance].map(opt),
      ...(linen ? [c.f32] : []),
      ...tail(),
    ],
    roles: { channels: linen ? undefined : 'num_features', axis: 'reduction_axes', eps: 'epsilon', bias: 'use_bias', scale: 'use_scale' },
    inputShape: '(N, ..., features)',
    statistics: 'over reduction_axes for each position',
    source,
    notes: ['epsilon defaults to 1e-6 (PyTorch: 1e-5).', ...flaxNotes],
    toCore: core((a, _r, shape) => ({
      kind: 'layer_norm',
      normalizedShape: nnxSized(
        a,
        flaxTrailing(a, 'reduction_axes', shape, 'LayerNorm', 'feature_axes'),
        shape,
        linen,
        bool(a, 'use_scale') || bool(a, 'use_bias'),
      ),
      eps: num(a, 'epsilon'),
      hasWeight: bool(a, 'use_scale'),
      hasBias: bool(a, 'use_bias'),
    })),
  };
  const rms: NormClassSpec = {
    id: q('RMSNorm')[0],
    framework,
    qualifiedNames: q('RMSNorm'),
    name: 'RMSNorm',
    kind: 'rms_norm',
    form: 'module',
    params: [
      ...head(),
      opt(p('epsilon', 'Added to the mean square.', 1e-6)),
      ...[c.dtype, c.paramDtype, c.useScale, c.scaleInit].map(opt),
      opt(p('reduction_axes', 'Axes the mean square is taken over.', -1)),
      opt(p('feature_axes', 'Axes that get their own scale.', -1)),
      ...[c.axisName, c.axisIndexGroups, c.fastVariance].map(opt),
      ...(linen ? [c.f32] : []),
      ...tail(false),
    ],
    roles: { channels: linen ? undefined : 'num_features', axis: 'reduction_axes', eps: 'epsilon', scale: 'use_scale' },
    inputShape: '(N, ..., features)',
    statistics: 'mean of squares over reduction_axes for each position',
    source,
    notes: ['epsilon defaults to 1e-6.'],
    toCore: core((a, _r, shape) => ({
      kind: 'rms_norm',
      normalizedShape: nnxSized(a, flaxTrailing(a, 'reduction_axes', shape, 'RMSNorm', 'feature_axes'), shape, linen, bool(a, 'use_scale')),
      eps: num(a, 'epsilon'),
      hasWeight: bool(a, 'use_scale'),
    })),
  };
  const gn: NormClassSpec = {
    id: q('GroupNorm')[0],
    framework,
    qualifiedNames: q('GroupNorm'),
    name: 'GroupNorm',
    kind: 'group_norm',
    form: 'module',
    params: [
      ...head([
        p('num_groups', 'Number of channel groups (None when group_size is given).', 32),
        p('group_size', 'Channels per group (instead of num_groups).', null),
      ]),
      opt(p('epsilon', 'Added to the variance before the square root.', 1e-6)),
      ...[c.dtype, c.paramDtype, c.useBias, c.useScale, c.biasInit, c.scaleInit].map(opt),
      opt(p('reduction_axes', 'Axes the statistics are taken over (None = all but the batch axis).', null)),
      ...[c.axisName, c.axisIndexGroups, c.fastVariance].map(opt),
      ...(linen ? [c.f32] : []),
      ...tail(),
    ],
    roles: { channels: linen ? undefined : 'num_features', groups: 'num_groups', eps: 'epsilon', bias: 'use_bias', scale: 'use_scale' },
    inputShape: '(N, ..., C)',
    statistics: 'over each group of channels and all non-batch axes, per sample',
    source,
    notes: ['Channels are on the last axis; epsilon defaults to 1e-6.', ...flaxNotes],
    toCore: core((a, _r, shape) => {
      const s = needShape(shape, 'GroupNorm');
      if (a.reduction_axes !== null) fail('GroupNorm with explicit reduction_axes is not computed by NormLens; leave it None');
      const channels = linen ? s[s.length - 1] : int(a, 'num_features');
      return {
        kind: 'group_norm',
        numGroups: flaxGroups(a, channels, linen),
        numChannels: channels,
        eps: num(a, 'epsilon'),
        hasWeight: bool(a, 'use_scale'),
        hasBias: bool(a, 'use_bias'),
        channelAxis: -1,
        // Flax never refuses a group with one value (its variance is 0).
        checks: 'none',
      };
    }),
  };
  const inorm: NormClassSpec = {
    id: q('InstanceNorm')[0],
    framework,
    qualifiedNames: q('InstanceNorm'),
    name: 'InstanceNorm',
    kind: 'instance_norm',
    form: 'module',
    params: [
      ...head(),
      opt(p('epsilon', 'Added to the variance before the square root.', 1e-6)),
      ...[c.dtype, c.paramDtype, c.useBias, c.useScale, c.biasInit, c.scaleInit].map(opt),
      opt(p('feature_axes', 'The feature (channel) axes.', -1)),
      ...[c.axisName, c.axisIndexGroups, c.fastVariance].map(opt),
      ...(linen ? [c.f32] : []),
      ...tail(),
    ],
    roles: { channels: linen ? undefined : 'num_features', axis: 'feature_axes', eps: 'epsilon', bias: 'use_bias', scale: 'use_scale' },
    inputShape: '(N, ..., C)',
    statistics: 'over the spatial axes of each sample and channel',
    source,
    notes: ['use_scale and use_bias default to True (PyTorch InstanceNorm: affine=False).', ...flaxNotes],
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: linen ? null : int(a, 'num_features'),
      eps: num(a, 'epsilon'),
      momentum: null,
      hasWeight: bool(a, 'use_scale'),
      hasBias: bool(a, 'use_bias'),
      trackRunningStats: false,
      channelAxis: featureAxis(a, 'feature_axes', 'InstanceNorm'),
      layerName: 'InstanceNorm',
      checks: 'none',
    })),
  };
  return [bn, ln, rms, gn, inorm];
}

const FLAX_LINEN = flaxFamily('linen');
const FLAX_NNX = flaxFamily('nnx');

// ---------------------------------------------------------------------------------------------
// Haiku

const HAIKU_DOC = 'https://dm-haiku.readthedocs.io/en/latest/api.html#normalization';
const HAIKU_SRC = (file: string) => `${HAIKU_DOC}; signature from haiku/_src/${file}`;
const dataFormat = p('data_format', "'channels_last' (default) or 'channels_first'.", 'channels_last');
const channelIndex = (a: Args): number => {
  const f = a.data_format;
  if (f === 'channels_last' || f === 'N...C') return -1;
  if (f === 'channels_first' || f === 'NC...') return 1;
  return fail(`data_format=${pyRepr(f)} is not one of 'channels_last', 'channels_first', 'N...C', 'NC...'`);
};

const HAIKU: NormClassSpec[] = [
  {
    id: 'haiku.BatchNorm',
    framework: 'haiku',
    qualifiedNames: ['haiku.BatchNorm'],
    name: 'BatchNorm',
    kind: 'batch_norm',
    form: 'module',
    params: [
      p('create_scale', 'Learn a per-channel scale.'),
      p('create_offset', 'Learn a per-channel offset.'),
      p('decay_rate', 'Decay of the moving averages (weight of the old value), zero-debiased.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('scale_init', 'Initializer of the scale (default ones).', null),
      p('offset_init', 'Initializer of the offset (default zeros).', null),
      p('axis', 'Axes to reduce over; None = all but the channel axis.', null),
      p('cross_replica_axis', 'Named device axis to average statistics over.', null),
      p('cross_replica_axis_index_groups', 'Device groups within cross_replica_axis.', null),
      dataFormat,
      p('name', 'Module name.', null),
    ],
    roles: { momentum: 'decay_rate', eps: 'eps', scale: 'create_scale', bias: 'create_offset' },
    // __call__(inputs, is_training, test_local_stats=False, scale=None, offset=None): is_training is required.
    callParams: [{ name: 'is_training', doc: 'True: batch statistics, and the averages are updated; False: the (zero-debiased) averages.', trainWhen: true }],
    inputShape: '(N, ..., C) for channels_last',
    statistics: 'over every axis except the channel axis, for each channel',
    storedVariance: 'biased',
    source: HAIKU_SRC('batch_norm.py'),
    notes: [
      'create_scale, create_offset and decay_rate are required: there is no default.',
      'Moving averages are zero-debiased: divided by (1 − decay^t) before use, so early evaluation is not biased toward 0.',
      'Train vs eval is the call argument is_training.',
    ],
    toCore: core((a) => {
      if (a.axis !== null) fail('BatchNorm with explicit axis is not computed by NormLens; leave axis=None');
      return {
        kind: 'batch_norm',
        numFeatures: null,
        eps: num(a, 'eps'),
        momentum: 1 - num(a, 'decay_rate'),
        debiasedEma: true,
        hasWeight: bool(a, 'create_scale'),
        hasBias: bool(a, 'create_offset'),
        trackRunningStats: true,
        storedVariance: 'biased',
        channelAxis: channelIndex(a),
        layerName: 'BatchNorm',
        // haiku/_src/batch_norm.py takes jnp.mean/var of whatever it gets: a batch of one is not refused.
        checks: 'none',
      };
    }),
  },
  {
    id: 'haiku.LayerNorm',
    framework: 'haiku',
    qualifiedNames: ['haiku.LayerNorm'],
    name: 'LayerNorm',
    kind: 'layer_norm',
    form: 'module',
    params: [
      p('axis', 'Axis, axes or slice to normalize over.'),
      p('create_scale', 'Learn a scale.'),
      p('create_offset', 'Learn an offset.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('scale_init', 'Initializer of the scale (default ones).', null),
      p('offset_init', 'Initializer of the offset (default zeros).', null),
      p('use_fast_variance', 'Compute the variance as E[x²]−E[x]².', false),
      p('name', 'Module name.', null),
      kw('param_axis', 'Axes that get their own scale/offset (default: the last).', null, { since: '0.0.10' }),
    ],
    roles: { axis: 'axis', eps: 'eps', scale: 'create_scale', bias: 'create_offset' },
    inputShape: '(N, ..., C)',
    statistics: 'over `axis` for each position',
    source: HAIKU_SRC('layer_norm.py'),
    notes: ['axis, create_scale and create_offset are required. Scale and offset are per last-axis channel unless param_axis says otherwise.'],
    toCore: core((a, _r, shape) => {
      const s = needShape(shape, 'LayerNorm');
      const normalized = trailingShape(ints(a, 'axis'), s, 'axis', 'LayerNorm');
      const w = bool(a, 'create_scale');
      const b = bool(a, 'create_offset');
      if ((w || b) && normalized.length > 1 && a.param_axis === null) {
        fail('LayerNorm over several axes keeps its scale/offset on the last axis only; NormLens computes that case only without create_scale/create_offset');
      }
      return { kind: 'layer_norm', normalizedShape: normalized, eps: num(a, 'eps'), hasWeight: w, hasBias: b };
    }),
  },
  {
    id: 'haiku.RMSNorm',
    framework: 'haiku',
    qualifiedNames: ['haiku.RMSNorm'],
    name: 'RMSNorm',
    kind: 'rms_norm',
    form: 'module',
    params: [
      p('axis', 'Axis, axes or slice the mean square is taken over.'),
      p('eps', 'Added to the mean square.', 1e-5),
      p('scale_init', 'Initializer of the scale (default ones).', null),
      p('name', 'Module name.', null),
      p('create_scale', 'Learn a scale.', true),
      kw('param_axis', 'Axes that get their own scale (default: the last).', null),
    ],
    roles: { axis: 'axis', eps: 'eps', scale: 'create_scale' },
    inputShape: '(N, ..., C)',
    statistics: 'mean of squares over `axis` for each position',
    source: HAIKU_SRC('layer_norm.py'),
    toCore: core((a, _r, shape) => {
      const normalized = trailingShape(ints(a, 'axis'), needShape(shape, 'RMSNorm'), 'axis', 'RMSNorm');
      const w = bool(a, 'create_scale');
      if (w && normalized.length > 1 && a.param_axis === null) {
        fail('RMSNorm over several axes keeps its scale on the last axis only; NormLens computes that case only with create_scale=False');
      }
      return { kind: 'rms_norm', normalizedShape: normalized, eps: num(a, 'eps'), hasWeight: w };
    }),
  },
  {
    id: 'haiku.GroupNorm',
    framework: 'haiku',
    qualifiedNames: ['haiku.GroupNorm'],
    name: 'GroupNorm',
    kind: 'group_norm',
    form: 'module',
    params: [
      p('groups', 'Number of channel groups.'),
      p('axis', 'Axes to normalize over (default: all but the batch axis).', expr('slice(1, None)')),
      p('create_scale', 'Learn a per-channel scale.', true),
      p('create_offset', 'Learn a per-channel offset.', true),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('scale_init', 'Initializer of the scale (default ones).', null),
      p('offset_init', 'Initializer of the offset (default zeros).', null),
      dataFormat,
      p('name', 'Module name.', null),
    ],
    roles: { groups: 'groups', eps: 'eps', scale: 'create_scale', bias: 'create_offset' },
    inputShape: '(N, ..., C) for channels_last',
    statistics: 'over each group of channels and all non-batch axes, per sample',
    source: HAIKU_SRC('group_norm.py'),
    toCore: core((a, _r, shape) => {
      const s = needShape(shape, 'GroupNorm');
      const ax = a.axis;
      if (!(typeof ax === 'object' && ax !== null && !Array.isArray(ax) && ax.expr.replace(/\s/g, '') === 'slice(1,None)')) {
        fail('GroupNorm with an axis other than the default slice(1, None) is not computed by NormLens');
      }
      const channelAxis = channelIndex(a);
      return {
        kind: 'group_norm',
        numGroups: int(a, 'groups', -Infinity),
        numChannels: s[channelAxis < 0 ? s.length + channelAxis : channelAxis] ?? fail('GroupNorm needs an input of at least 2 dims'),
        eps: num(a, 'eps'),
        hasWeight: bool(a, 'create_scale'),
        hasBias: bool(a, 'create_offset'),
        channelAxis,
        checks: 'none',
      };
    }),
  },
  {
    id: 'haiku.InstanceNorm',
    framework: 'haiku',
    qualifiedNames: ['haiku.InstanceNorm'],
    name: 'InstanceNorm',
    kind: 'instance_norm',
    form: 'module',
    params: [
      p('create_scale', 'Learn a per-channel scale.'),
      p('create_offset', 'Learn a per-channel offset.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('scale_init', 'Initializer of the scale (default ones).', null),
      p('offset_init', 'Initializer of the offset (default zeros).', null),
      dataFormat,
      p('name', 'Module name.', null),
    ],
    roles: { eps: 'eps', scale: 'create_scale', bias: 'create_offset' },
    inputShape: '(N, ..., C) for channels_last',
    statistics: 'over the spatial axes of each sample and channel',
    source: HAIKU_SRC('layer_norm.py'),
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: null,
      eps: num(a, 'eps'),
      momentum: null,
      hasWeight: bool(a, 'create_scale'),
      hasBias: bool(a, 'create_offset'),
      trackRunningStats: false,
      channelAxis: channelIndex(a),
      layerName: 'InstanceNorm',
      checks: 'none',
    })),
  },
];

// ---------------------------------------------------------------------------------------------
// MLX (channels last)

const MLX_DOC = (n: string) => `https://ml-explore.github.io/mlx/build/html/python/nn/_autosummary/mlx.nn.${n}.html`;
const MLX_FAST_DOC = (n: string) => `https://ml-explore.github.io/mlx/build/html/python/_autosummary/mlx.core.fast.${n}.html`;
const MLX: NormClassSpec[] = [
  {
    id: 'mlx.core.fast.rms_norm',
    framework: 'mlx',
    qualifiedNames: ['mlx.core.fast.rms_norm'],
    name: 'rms_norm',
    kind: 'rms_norm',
    form: 'function',
    params: [
      tensor('x', 'Input array; normalized over its last axis.'),
      tensor('weight', 'Scale of the size of the last axis, or None for no scaling (required argument).'),
      p('eps', 'Added to the mean square (required).'),
      kw('stream', 'Stream or device to run on.', null),
    ],
    roles: { eps: 'eps' },
    inputShape: '(..., D)',
    statistics: 'mean of squares over the last axis of each position',
    source: `${MLX_FAST_DOC('rms_norm')} (rms_norm(x, weight, eps, *, stream=None))`,
    notes: ['weight and eps have no defaults: pass weight=None for no scaling.'],
    toCore: core((a, _r, shape) => ({
      kind: 'rms_norm',
      normalizedShape: [needShape(shape, 'rms_norm')[needShape(shape, 'rms_norm').length - 1] ?? fail('rms_norm needs an input of at least 1 dim')],
      eps: num(a, 'eps'),
      hasWeight: given(a, 'weight'),
    })),
  },
  {
    id: 'mlx.core.fast.layer_norm',
    framework: 'mlx',
    qualifiedNames: ['mlx.core.fast.layer_norm'],
    name: 'layer_norm',
    kind: 'layer_norm',
    form: 'function',
    params: [
      tensor('x', 'Input array; normalized over its last axis.'),
      tensor('weight', 'Scale of the size of the last axis, or None (required argument).'),
      tensor('bias', 'Shift of the size of the last axis, or None (required argument).'),
      p('eps', 'Added to the variance (required).'),
      kw('stream', 'Stream or device to run on.', null),
    ],
    roles: { eps: 'eps' },
    inputShape: '(..., D)',
    statistics: 'over the last axis of each position',
    source: `${MLX_FAST_DOC('layer_norm')} (layer_norm(x, weight, bias, eps, *, stream=None))`,
    notes: ['weight, bias and eps have no defaults: pass None for no scale or shift.'],
    toCore: core((a, _r, shape) => ({
      kind: 'layer_norm',
      normalizedShape: [needShape(shape, 'layer_norm')[needShape(shape, 'layer_norm').length - 1] ?? fail('layer_norm needs an input of at least 1 dim')],
      eps: num(a, 'eps'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
    })),
  },
  {
    id: 'mlx.nn.BatchNorm',
    framework: 'mlx',
    qualifiedNames: ['mlx.nn.BatchNorm'],
    name: 'BatchNorm',
    kind: 'batch_norm',
    form: 'module',
    params: [
      p('num_features', 'Size of the feature (last) axis.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('momentum', 'Weight of the new batch in the running update (as PyTorch).', 0.1),
      p('affine', 'Learnable scale and offset.', true),
      p('track_running_stats', 'Keep running statistics for eval mode.', true),
    ],
    roles: { channels: 'num_features', eps: 'eps', momentum: 'momentum', affine: 'affine', trackRunningStats: 'track_running_stats' },
    inputShape: '(N, C), (N, L, C) or (N, H, W, C)',
    statistics: 'over every axis but the last, for each feature',
    storedVariance: 'unbiased',
    source: `${MLX_DOC('BatchNorm')}; stored variance unbiased from MLX 0.32.1 (biased before)`,
    notes: ["Channels last, unlike PyTorch. Momentum follows PyTorch's convention (0.1 = weight of the new batch)."],
    toCore: core((a) => ({
      kind: 'batch_norm',
      numFeatures: int(a, 'num_features'),
      eps: num(a, 'eps'),
      momentum: num(a, 'momentum'),
      hasWeight: bool(a, 'affine'),
      hasBias: bool(a, 'affine'),
      trackRunningStats: bool(a, 'track_running_stats'),
      storedVariance: 'unbiased',
      channelAxis: -1,
      allowedRanks: [2, 3, 4],
      layerName: 'BatchNorm',
      // mlx/nn/layers/normalization.py computes mx.mean/mx.var without checks: a batch of one is not refused.
      checks: 'none',
    })),
  },
  {
    id: 'mlx.nn.LayerNorm',
    framework: 'mlx',
    qualifiedNames: ['mlx.nn.LayerNorm'],
    name: 'LayerNorm',
    kind: 'layer_norm',
    form: 'module',
    params: [
      p('dims', 'Size of the last axis, normalized over.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('affine', 'Learnable scale (and offset, see bias).', true),
      p('bias', 'With affine, also learn an offset.', true),
    ],
    roles: { normalizedShape: 'dims', eps: 'eps', affine: 'affine', bias: 'bias' },
    inputShape: '(..., dims)',
    statistics: 'over the last axis for each position',
    source: MLX_DOC('LayerNorm'),
    toCore: core((a) => {
      const affine = bool(a, 'affine');
      return { kind: 'layer_norm', normalizedShape: [int(a, 'dims')], eps: num(a, 'eps'), hasWeight: affine, hasBias: affine && bool(a, 'bias') };
    }),
  },
  {
    id: 'mlx.nn.RMSNorm',
    framework: 'mlx',
    qualifiedNames: ['mlx.nn.RMSNorm'],
    name: 'RMSNorm',
    kind: 'rms_norm',
    form: 'module',
    params: [p('dims', 'Size of the last axis.'), p('eps', 'Added to the mean square.', 1e-5)],
    roles: { normalizedShape: 'dims', eps: 'eps' },
    inputShape: '(..., dims)',
    statistics: 'mean of squares over the last axis for each position',
    source: MLX_DOC('RMSNorm'),
    notes: ['Always learns a scale.'],
    toCore: core((a) => ({ kind: 'rms_norm', normalizedShape: [int(a, 'dims')], eps: num(a, 'eps'), hasWeight: true })),
  },
  {
    id: 'mlx.nn.GroupNorm',
    framework: 'mlx',
    qualifiedNames: ['mlx.nn.GroupNorm'],
    name: 'GroupNorm',
    kind: 'group_norm',
    form: 'module',
    params: [
      p('num_groups', 'Number of feature groups.'),
      p('dims', 'Size of the feature (last) axis.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('affine', 'Learnable per-feature scale and offset.', true),
      p('pytorch_compatible', 'Group consecutive features as PyTorch does (default: feature c goes to group c mod num_groups).', false),
    ],
    roles: { groups: 'num_groups', channels: 'dims', eps: 'eps', affine: 'affine' },
    inputShape: '(N, ..., dims)',
    statistics: 'over each group of features and all spatial axes, per sample',
    source: MLX_DOC('GroupNorm'),
    notes: ['Default grouping differs from PyTorch: pass pytorch_compatible=True for consecutive groups.'],
    toCore: core((a) => {
      const g = int(a, 'num_groups', -Infinity);
      const dims = int(a, 'dims');
      // without pytorch_compatible, MLX reshapes the features to (-1, num_groups): feature c in group c mod num_groups
      const interleaved = !bool(a, 'pytorch_compatible') && g !== 1 && g !== dims;
      return {
        kind: 'group_norm',
        numGroups: g,
        numChannels: dims,
        eps: num(a, 'eps'),
        hasWeight: bool(a, 'affine'),
        hasBias: bool(a, 'affine'),
        channelAxis: -1,
        checks: 'none',
        ...(interleaved ? { interleaved } : {}),
      };
    }),
  },
  {
    id: 'mlx.nn.InstanceNorm',
    framework: 'mlx',
    qualifiedNames: ['mlx.nn.InstanceNorm'],
    name: 'InstanceNorm',
    kind: 'instance_norm',
    form: 'module',
    params: [
      p('dims', 'Size of the feature (last) axis.'),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('affine', 'Learnable per-feature scale and offset.', false),
    ],
    roles: { channels: 'dims', eps: 'eps', affine: 'affine' },
    inputShape: '(N, ..., dims)',
    statistics: 'over the spatial axes of each sample and feature',
    source: MLX_DOC('InstanceNorm'),
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: int(a, 'dims'),
      eps: num(a, 'eps'),
      momentum: null,
      hasWeight: bool(a, 'affine'),
      hasBias: bool(a, 'affine'),
      trackRunningStats: false,
      channelAxis: -1,
      layerName: 'InstanceNorm',
      checks: 'none',
    })),
  },
];

// ---------------------------------------------------------------------------------------------
// Paddle (channels first by default; momentum is the weight of the old average)

const PADDLE_DOC = (n: string) => `https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/nn/${n}_en.html`;
const attr = (what: string) => [
  p('weight_attr', `Scale parameter attribute; False = no learnable scale${what}.`, null),
  p('bias_attr', `Offset parameter attribute; False = no learnable offset${what}.`, null),
];
/** Paddle's weight_attr/bias_attr: False switches the parameter off; None or a ParamAttr keeps it. */
const paddleOn = (a: Args, name: string): boolean => a[name] !== false;
const paddleAxis = (a: Args, first: string): number => {
  const f = a.data_format;
  if (typeof f !== 'string') return fail(`data_format=${pyRepr(f)} must be a string`);
  if (f === first || f === 'NC') return 1;
  if (f.startsWith('N') && f.endsWith('C') && f.length === first.length) return -1;
  return fail(`data_format=${pyRepr(f)} is not a layout NormLens knows for this layer`);
};

function paddleBatchNorm(dim: '1D' | '2D' | '3D'): NormClassSpec {
  const fmt = { '1D': 'NCL', '2D': 'NCHW', '3D': 'NCDHW' }[dim];
  const name = `BatchNorm${dim}`;
  return {
    id: `paddle.nn.${name}`,
    framework: 'paddle',
    qualifiedNames: [`paddle.nn.${name}`],
    name,
    kind: 'batch_norm',
    form: 'module',
    params: [
      p('num_features', 'Number of channels.'),
      p('momentum', 'Weight of the old average: moving = m·moving + (1−m)·batch.', 0.9),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      ...attr(''),
      p('data_format', `Layout, '${fmt}' (channels first) or channels last.`, fmt),
      p('use_global_stats', 'True: always use the moving statistics; False: always batch statistics; None: by train/eval mode.', null),
      p('name', 'Layer name.', null),
    ],
    roles: { channels: 'num_features', momentum: 'momentum', eps: 'epsilon' },
    inputShape: { '1D': '(N, C) or (N, C, L)', '2D': '(N, C, H, W)', '3D': '(N, C, D, H, W)' }[dim],
    statistics: 'over every axis except the channel axis, for each channel',
    storedVariance: 'biased',
    source: `${PADDLE_DOC(name)} (signature and moving-average formula with the biased batch variance)`,
    notes: ['momentum is the weight of the OLD average: Paddle 0.9 = PyTorch 0.1.'],
    toCore: core((a) => {
      if (a.use_global_stats !== null) fail('use_global_stats other than None is not computed by NormLens; choose train or eval mode instead');
      return {
        kind: 'batch_norm',
        numFeatures: int(a, 'num_features'),
        eps: num(a, 'epsilon'),
        momentum: 1 - num(a, 'momentum'),
        hasWeight: paddleOn(a, 'weight_attr'),
        hasBias: paddleOn(a, 'bias_attr'),
        trackRunningStats: true,
        storedVariance: 'biased',
        channelAxis: paddleAxis(a, fmt),
        allowedRanks: { '1D': [2, 3], '2D': [4], '3D': [5] }[dim],
        layerName: name,
      };
    }),
  };
}

function paddleInstanceNorm(dim: '1D' | '2D' | '3D'): NormClassSpec {
  const fmt = { '1D': 'NCL', '2D': 'NCHW', '3D': 'NCDHW' }[dim];
  const name = `InstanceNorm${dim}`;
  return {
    id: `paddle.nn.${name}`,
    framework: 'paddle',
    qualifiedNames: [`paddle.nn.${name}`],
    name,
    kind: 'instance_norm',
    form: 'module',
    params: [
      p('num_features', 'Number of channels.'),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      p('momentum', 'Accepted but has no effect (no running statistics are kept).', 0.9),
      ...attr(''),
      p('data_format', `Layout ('${fmt}').`, fmt),
      p('name', 'Layer name.', null),
    ],
    roles: { channels: 'num_features', eps: 'epsilon' },
    inputShape: { '1D': '(N, C, L)', '2D': '(N, C, H, W)', '3D': '(N, C, D, H, W)' }[dim],
    statistics: 'over the spatial axes of each sample and channel',
    source: PADDLE_DOC(name),
    notes: ['Learnable scale and offset are on by default (PyTorch: off).'],
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: int(a, 'num_features'),
      eps: num(a, 'epsilon'),
      momentum: null,
      hasWeight: paddleOn(a, 'weight_attr'),
      hasBias: paddleOn(a, 'bias_attr'),
      trackRunningStats: false,
      channelAxis: paddleAxis(a, fmt),
      batchedRank: { '1D': 3, '2D': 4, '3D': 5 }[dim],
      layerName: name,
    })),
  };
}

// The dygraph paddle.nn.BatchNorm and the functional forms: signatures from PaddlePaddle/Paddle
// python/paddle/nn/layer/norm.py (class BatchNorm) and python/paddle/nn/functional/norm.py (Paddle 2.6 / 3.x).
const PADDLE_SRC = (file: string) => `https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/${file}`;
const PADDLE_F_DOC = (n: string) => `https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/nn/functional/${n}_en.html`;
const paddleFLayout = (a: Args, name: string): number => {
  const f = a[name];
  if (typeof f !== 'string') return fail(`${name}=${pyRepr(f)} must be a string`);
  if (f.length >= 2 && f[1] === 'C') return 1;
  if (f.startsWith('N') && f.endsWith('C')) return -1;
  return fail(`${name}=${pyRepr(f)} is not a layout NormLens knows`);
};
const paddleFunctionalStats: Partial<TensorNames> = { runningMean: 'running_mean', runningVar: 'running_var' };

const PADDLE_MORE: NormClassSpec[] = [
  {
    id: 'paddle.nn.BatchNorm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.BatchNorm', 'paddle.nn.layer.norm.BatchNorm'],
    name: 'BatchNorm',
    kind: 'batch_norm',
    form: 'module',
    params: [
      p('num_channels', 'Number of channels C.'),
      p('act', "Activation applied to the output (e.g. 'relu'); None = none.", null),
      p('is_test', 'Static graph only: inference mode. In dygraph use .eval().', false),
      p('momentum', 'Weight of the old average: moving = m·moving + (1−m)·batch.', 0.9),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      p('param_attr', 'Scale parameter attribute; False = no learnable scale.', null),
      p('bias_attr', 'Offset parameter attribute; False = no learnable offset.', null),
      p('dtype', 'Data type of the parameters.', 'float32'),
      p('data_layout', "'NCHW' (channels first) or 'NHWC'.", 'NCHW'),
      p('in_place', 'Reuse the input memory for the output (static graph).', false),
      p('moving_mean_name', 'Name of the moving-mean variable.', null),
      p('moving_variance_name', 'Name of the moving-variance variable.', null),
      p('do_model_average_for_mean_and_var', 'Include the moving statistics in model averaging.', true),
      p('use_global_stats', 'True: always use the moving statistics, also in training.', false),
      p('trainable_statistics', 'True: batch statistics also in eval mode.', false),
    ],
    roles: { channels: 'num_channels', momentum: 'momentum', eps: 'epsilon' },
    inputShape: '(N, C, ...) for NCHW, (N, ..., C) for NHWC',
    statistics: 'over every axis except the channel axis, for each channel',
    storedVariance: 'biased',
    source: `${PADDLE_SRC('layer/norm.py')} (class BatchNorm: signature, _mean/_variance buffers, moving-average formula)`,
    notes: [
      'The older dygraph BatchNorm (num_channels, act=...): paddle.nn.BatchNorm1D/2D/3D are the current classes.',
      'momentum is the weight of the OLD average: Paddle 0.9 = PyTorch 0.1.',
    ],
    toCore: core((a) => {
      if (a.act !== null) fail(`BatchNorm(act=${pyRepr(a.act)}) applies an activation after normalizing; NormLens computes the normalization only (act=None)`);
      if (bool(a, 'use_global_stats')) fail('use_global_stats=True (moving statistics also in training) is not computed by NormLens; choose eval mode instead');
      if (bool(a, 'trainable_statistics'))
        fail('trainable_statistics=True (batch statistics in eval mode) is not computed by NormLens; choose train mode instead');
      return {
        kind: 'batch_norm',
        numFeatures: int(a, 'num_channels'),
        eps: num(a, 'epsilon'),
        momentum: 1 - num(a, 'momentum'),
        hasWeight: paddleOn(a, 'param_attr'),
        hasBias: paddleOn(a, 'bias_attr'),
        trackRunningStats: true,
        storedVariance: 'biased',
        channelAxis: paddleFLayout(a, 'data_layout'),
        layerName: 'BatchNorm',
      };
    }),
  },
  {
    id: 'paddle.nn.functional.batch_norm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.functional.batch_norm'],
    name: 'batch_norm',
    kind: 'batch_norm',
    form: 'function',
    params: [
      tensor('x', 'Input of shape (N, C, ...) or channels last.'),
      tensor('running_mean', 'Running mean (C,), updated when training.'),
      tensor('running_var', 'Running variance (C,), updated when training.'),
      tensor('weight', 'Per-channel scale (C,).', null),
      tensor('bias', 'Per-channel shift (C,).', null),
      p('training', 'Use batch statistics and update the running ones.', false),
      p('momentum', 'Weight of the old average in the running update.', 0.9),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      p('data_format', "'NC', 'NCL', 'NCHW', 'NCDHW' or channels last 'NLC', 'NHWC', 'NDHWC'.", 'NCHW'),
      p('use_global_stats', 'None: by training; True: running statistics; False: batch statistics.', null),
      p('name', 'Operation name.', null),
    ],
    modeArg: { name: 'training', trainWhen: true },
    roles: { momentum: 'momentum', eps: 'epsilon' },
    tensorNames: paddleFunctionalStats,
    inputShape: '(N, C, ...) or (N, ..., C)',
    statistics: 'over every axis except the channel axis, for each channel',
    storedVariance: 'biased',
    source: `${PADDLE_F_DOC('batch_norm')}; ${PADDLE_SRC('functional/norm.py')}`,
    notes: ['momentum is the weight of the OLD average (0.9 = PyTorch 0.1); training defaults to False.'],
    toCore: core((a) => {
      if (a.use_global_stats !== null) fail('use_global_stats other than None is not computed by NormLens; choose training instead');
      return {
        kind: 'batch_norm',
        numFeatures: null,
        eps: num(a, 'epsilon'),
        momentum: 1 - num(a, 'momentum'),
        hasWeight: given(a, 'weight'),
        hasBias: given(a, 'bias'),
        trackRunningStats: true,
        storedVariance: 'biased',
        channelAxis: paddleFLayout(a, 'data_format'),
        layerName: 'batch_norm',
      };
    }),
  },
  {
    id: 'paddle.nn.functional.layer_norm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.functional.layer_norm'],
    name: 'layer_norm',
    kind: 'layer_norm',
    form: 'function',
    params: [
      tensor('x', 'Input of shape (*, *normalized_shape).'),
      p('normalized_shape', 'The trailing dims to normalize over.'),
      tensor('weight', 'Per-element scale of shape normalized_shape.', null),
      tensor('bias', 'Per-element shift of shape normalized_shape.', null),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      p('name', 'Operation name.', null),
    ],
    roles: { normalizedShape: 'normalized_shape', eps: 'epsilon' },
    inputShape: '(*, *normalized_shape)',
    statistics: 'over the trailing normalized_shape dims of each position',
    source: `${PADDLE_F_DOC('layer_norm')}; ${PADDLE_SRC('functional/norm.py')}`,
    toCore: core((a) => ({
      kind: 'layer_norm',
      normalizedShape: ints(a, 'normalized_shape'),
      eps: num(a, 'epsilon'),
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
    })),
  },
  {
    id: 'paddle.nn.functional.instance_norm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.functional.instance_norm'],
    name: 'instance_norm',
    kind: 'instance_norm',
    form: 'function',
    params: [
      tensor('x', 'Input of shape (N, C, ...).'),
      tensor('running_mean', 'Obsolete (no longer used).', null),
      tensor('running_var', 'Obsolete (no longer used).', null),
      tensor('weight', 'Per-channel scale (C,).', null),
      tensor('bias', 'Per-channel shift (C,).', null),
      p('use_input_stats', 'Obsolete (no longer used).', true),
      p('momentum', 'Accepted; no running statistics are kept.', 0.9),
      p('eps', 'Added to the variance before the square root.', 1e-5),
      p('data_format', "'NC', 'NCL', 'NCHW' or 'NCDHW'.", 'NCHW'),
      p('name', 'Operation name.', null),
    ],
    roles: { eps: 'eps' },
    tensorNames: paddleFunctionalStats,
    inputShape: '(N, C, ...)',
    statistics: 'over the spatial axes of each sample and channel',
    source: `${PADDLE_F_DOC('instance_norm')}; ${PADDLE_SRC('functional/norm.py')} (dygraph: instance_norm(x, weight, bias, eps) only)`,
    notes: ['running_mean, running_var and use_input_stats are documented as obsolete: statistics always come from each instance.'],
    toCore: core((a) => ({
      kind: 'instance_norm',
      numFeatures: null,
      eps: num(a, 'eps'),
      momentum: null,
      hasWeight: given(a, 'weight'),
      hasBias: given(a, 'bias'),
      trackRunningStats: false,
      channelAxis: paddleFLayout(a, 'data_format'),
      layerName: 'instance_norm',
      checks: 'none',
    })),
  },
  {
    id: 'paddle.nn.functional.local_response_norm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.functional.local_response_norm'],
    name: 'local_response_norm',
    kind: 'local_response_norm',
    form: 'function',
    params: [
      tensor('x', 'Input of shape (N, C, *) (3-D to 5-D).'),
      p('size', 'Number of neighbouring channels in the window.'),
      p('alpha', 'Multiplicative factor of the windowed mean of squares.', 1e-4),
      p('beta', 'Exponent of the denominator.', 0.75),
      p('k', 'Additive constant in the denominator.', 1.0),
      p('data_format', "'NCL', 'NCHW', 'NCDHW' or channels last.", 'NCHW'),
      p('name', 'Operation name.', null),
    ],
    roles: {},
    inputShape: '(N, C, *)',
    statistics: 'sum of squares over a window of `size` neighbouring channels at each position',
    source: `${PADDLE_F_DOC('local_response_norm')}; ${PADDLE_SRC('functional/norm.py')}`,
    toCore: core((a) => {
      if (paddleFLayout(a, 'data_format') !== 1) fail('local_response_norm with a channels-last data_format is not computed by NormLens');
      return { kind: 'local_response_norm', size: int(a, 'size', 1), alpha: num(a, 'alpha'), beta: num(a, 'beta'), k: num(a, 'k') };
    }),
  },
  {
    id: 'paddle.nn.functional.normalize',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.functional.normalize'],
    name: 'normalize',
    kind: 'lp_normalize',
    form: 'function',
    params: [
      tensor('x', 'Input of any shape.'),
      p('p', 'Exponent of the norm (2 = Euclidean).', 2),
      p('axis', 'Axis the norm is taken over (default 1).', 1),
      p('epsilon', 'Lower bound of the norm.', 1e-12),
      p('name', 'Operation name.', null),
    ],
    roles: { eps: 'epsilon' },
    inputShape: 'any',
    statistics: 'Lp norm along axis for each position (no mean, no variance)',
    source: `${PADDLE_F_DOC('normalize')}; ${PADDLE_SRC('functional/norm.py')}`,
    notes: ['Divides by max(‖x‖p, epsilon) along axis: a rescaling to unit length, not a standardization.'],
    toCore: cannot('normalize (Lp unit-length scaling) has no statistics to compute here; NormLens computes mean/variance normalizations only'),
  },
];

const PADDLE: NormClassSpec[] = [
  ...PADDLE_MORE,
  ...(['1D', '2D', '3D'] as const).map(paddleBatchNorm),
  {
    id: 'paddle.nn.LayerNorm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.LayerNorm'],
    name: 'LayerNorm',
    kind: 'layer_norm',
    form: 'module',
    params: [
      p('normalized_shape', 'The trailing dims to normalize over.'),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      ...attr(''),
      p('name', 'Layer name.', null),
    ],
    roles: { normalizedShape: 'normalized_shape', eps: 'epsilon' },
    inputShape: '(*, *normalized_shape)',
    statistics: 'over the trailing normalized_shape dims of each position',
    source: PADDLE_DOC('LayerNorm'),
    toCore: core((a) => ({
      kind: 'layer_norm',
      normalizedShape: ints(a, 'normalized_shape'),
      eps: num(a, 'epsilon'),
      hasWeight: paddleOn(a, 'weight_attr'),
      hasBias: paddleOn(a, 'bias_attr'),
    })),
  },
  {
    id: 'paddle.nn.GroupNorm',
    framework: 'paddle',
    qualifiedNames: ['paddle.nn.GroupNorm'],
    name: 'GroupNorm',
    kind: 'group_norm',
    form: 'module',
    params: [
      p('num_groups', 'Number of channel groups.'),
      p('num_channels', 'Number of channels.'),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      ...attr(''),
      p('data_format', "Layout, 'NCHW' (channels first) or 'NHWC'.", 'NCHW'),
      p('name', 'Layer name.', null),
    ],
    roles: { groups: 'num_groups', channels: 'num_channels', eps: 'epsilon' },
    inputShape: '(N, C, *)',
    statistics: 'over each group of channels and all spatial dims, per sample',
    source: PADDLE_DOC('GroupNorm'),
    toCore: core((a) => ({
      kind: 'group_norm',
      numGroups: int(a, 'num_groups', -Infinity),
      numChannels: int(a, 'num_channels'),
      eps: num(a, 'epsilon'),
      hasWeight: paddleOn(a, 'weight_attr'),
      hasBias: paddleOn(a, 'bias_attr'),
      channelAxis: paddleAxis(a, 'NCHW'),
    })),
  },
  ...(['1D', '2D', '3D'] as const).map(paddleInstanceNorm),
];

// ---------------------------------------------------------------------------------------------
// JAX

const JAX: NormClassSpec[] = [
  {
    id: 'jax.nn.standardize',
    framework: 'jax',
    qualifiedNames: ['jax.nn.standardize'],
    name: 'standardize',
    kind: 'standardize',
    form: 'function',
    params: [
      tensor('x', 'Input array.'),
      p('axis', 'Axis or axes to standardize over.', -1),
      tensor('mean', 'Precomputed mean (None = compute it).', null),
      tensor('variance', 'Precomputed variance (None = compute it).', null),
      p('epsilon', 'Added to the variance before the square root.', 1e-5),
      tensor('where', 'Mask of elements to include.', null),
      kw('algorithm', "Variance algorithm: 'fast' = mean(x²) − mean(x)², 'stable' = mean((x − mean)²).", 'fast'),
    ],
    roles: { axis: 'axis', eps: 'epsilon' },
    inputShape: 'any',
    statistics: 'over `axis` for each position (no scale or offset)',
    source: 'https://docs.jax.dev/en/latest/_autosummary/jax.nn.standardize.html',
    notes: ['A layer normalization without learnable parameters.'],
    toCore: core((a, _r, shape) => {
      for (const n of ['mean', 'variance', 'where']) if (given(a, n)) fail(`standardize with ${n} given is not computed by NormLens`);
      return {
        kind: 'layer_norm',
        normalizedShape: trailingShape(ints(a, 'axis'), needShape(shape, 'standardize'), 'axis', 'standardize'),
        eps: num(a, 'epsilon'),
        hasWeight: false,
        hasBias: false,
      };
    }),
  },
];

export const NORM_CLASSES: NormClassSpec[] = [...PYTORCH, ...KERAS, ...FLAX_LINEN, ...FLAX_NNX, ...HAIKU, ...MLX, ...PADDLE, ...JAX];
