/**
 * The layers that usually feed a normalization layer (convolutions and linear/dense layers) and
 * the containers that chain layers in order. They are not normalization layers themselves; the
 * rules use them to learn the channel count reaching a norm and whether a bias precedes it.
 * Signatures from each framework's API reference (links per entry).
 */
import type { FrameworkId, PyValue } from './types';

export interface ProducerSpec {
  /** Every qualified name that denotes it. */
  qualifiedNames: string[];
  framework: FrameworkId;
  kind: 'conv' | 'linear';
  /** Leading parameters in signature order, as far as binding positional arguments is certain. */
  positional: string[];
  /** Input channel/feature count parameter; absent where the framework infers it. */
  inParam?: string;
  /** Output channel/feature count parameter. */
  outParam: string;
  /**
   * The parameter that controls the additive bias: the Python literal that turns it off, and the
   * literal values that keep it on (the default is on for every entry).
   */
  bias: { param: string; off: string; on: PyValue[] };
  /** An activation applied inside the layer (after the bias), e.g. Keras `activation=`. */
  activationParam?: string;
  /** A layout argument that moves the channel axis when written (e.g. `data_format`). */
  layoutParam?: string;
  /** Where the output channels are in the default layout (a linear layer's features are always last). */
  channels: 'first' | 'last';
  /** Rank of the output, batch included, where the class fixes it (a 2-D convolution's is 4); absent for linear layers. */
  rank?: number;
  source: string;
}

export interface ContainerSpec {
  qualifiedNames: string[];
  framework: FrameworkId;
  /** 'args': layers are the positional arguments; 'list': the first argument is a list of layers. */
  elements: 'args' | 'list';
  source: string;
}

/** Output rank of an N-d convolution named `...Conv2d`, `Conv1DTranspose`, `DepthwiseConv2D` ...: N + 2. */
function convRank(name: string): number | undefined {
  const m = /([123])[dD]/.exec(name);
  return m ? Number(m[1]) + 2 : undefined;
}

const torchConv = (name: string, lazy: boolean): ProducerSpec => ({
  qualifiedNames: [`torch.nn.${name}`, `torch.nn.modules.conv.${name}`],
  framework: 'pytorch',
  kind: 'conv',
  rank: convRank(name),
  positional: lazy
    ? ['out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias']
    : name.startsWith('ConvTranspose')
      ? ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias']
      : ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias'],
  inParam: lazy ? undefined : 'in_channels',
  outParam: 'out_channels',
  bias: { param: 'bias', off: 'False', on: [true] },
  channels: 'first',
  source: `https://pytorch.org/docs/stable/generated/torch.nn.${name}.html`,
});

const torchLinear = (name: 'Linear' | 'LazyLinear'): ProducerSpec => ({
  qualifiedNames: [`torch.nn.${name}`, `torch.nn.modules.linear.${name}`],
  framework: 'pytorch',
  kind: 'linear',
  positional: name === 'Linear' ? ['in_features', 'out_features', 'bias'] : ['out_features', 'bias'],
  inParam: name === 'Linear' ? 'in_features' : undefined,
  outParam: 'out_features',
  bias: { param: 'bias', off: 'False', on: [true] },
  channels: 'last',
  source: `https://pytorch.org/docs/stable/generated/torch.nn.${name}.html`,
});

const kerasNames = (name: string) => [`keras.layers.${name}`, `tensorflow.keras.layers.${name}`, `tf_keras.layers.${name}`];

// Keras 3.15.1's positional parameters of each convolution (inspect.signature of the real classes)
const KERAS_CONV_POSITIONAL = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', 'activation', 'use_bias'];
const KERAS_TRANSPOSED = ['filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format', 'dilation_rate', 'activation', 'use_bias'];
const KERAS_SEPARABLE = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'depth_multiplier', 'activation', 'use_bias'];
// (a depthwise conv writes no output count: in_channels × depth_multiplier, known only from its input)
const KERAS_DEPTHWISE = ['kernel_size', 'strides', 'padding', 'depth_multiplier', 'data_format', 'dilation_rate', 'activation', 'use_bias'];

const kerasConv = (name: string, positional = KERAS_CONV_POSITIONAL): ProducerSpec => ({
  qualifiedNames: kerasNames(name),
  framework: 'keras',
  kind: 'conv',
  rank: convRank(name),
  positional,
  outParam: 'filters',
  bias: { param: 'use_bias', off: 'False', on: [true] },
  activationParam: 'activation',
  layoutParam: 'data_format',
  channels: 'last',
  source: `https://keras.io/api/layers/convolution_layers/`,
});

const haikuConv = (name: string): ProducerSpec => ({
  qualifiedNames: [`haiku.${name}`],
  framework: 'haiku',
  kind: 'conv',
  rank: convRank(name),
  positional: ['output_channels', 'kernel_shape', 'stride', 'rate', 'padding', 'with_bias'],
  outParam: 'output_channels',
  bias: { param: 'with_bias', off: 'False', on: [true] },
  layoutParam: 'data_format',
  channels: 'last',
  source: 'https://dm-haiku.readthedocs.io/en/latest/api.html#convolutional',
});

const mlxConv = (name: string, withBiasPosition: boolean): ProducerSpec => ({
  qualifiedNames: [`mlx.nn.${name}`],
  framework: 'mlx',
  kind: 'conv',
  rank: convRank(name),
  positional: withBiasPosition
    ? ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias']
    : ['in_channels', 'out_channels', 'kernel_size'],
  inParam: 'in_channels',
  outParam: 'out_channels',
  bias: { param: 'bias', off: 'False', on: [true] },
  channels: 'last',
  source: `https://ml-explore.github.io/mlx/build/html/python/nn/_autosummary/mlx.nn.${name}.html`,
});

const paddleConv = (name: string): ProducerSpec => ({
  qualifiedNames: [`paddle.nn.${name}`],
  framework: 'paddle',
  kind: 'conv',
  rank: convRank(name),
  positional: [
    'in_channels',
    'out_channels',
    'kernel_size',
    'stride',
    'padding',
    'dilation',
    'groups',
    'padding_mode',
    'weight_attr',
    'bias_attr',
    'data_format',
  ],
  inParam: 'in_channels',
  outParam: 'out_channels',
  bias: { param: 'bias_attr', off: 'False', on: [null] },
  layoutParam: 'data_format',
  channels: 'first',
  source: `https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/nn/${name}_en.html`,
});

export const PRODUCERS: ProducerSpec[] = [
  ...['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'].map((n) => torchConv(n, false)),
  ...['LazyConv1d', 'LazyConv2d', 'LazyConv3d'].map((n) => torchConv(n, true)),
  torchLinear('Linear'),
  torchLinear('LazyLinear'),
  ...['Conv1D', 'Conv2D', 'Conv3D', 'Convolution1D', 'Convolution2D', 'Convolution3D'].map((n) => kerasConv(n)),
  ...['Conv1DTranspose', 'Conv2DTranspose'].map((n) => kerasConv(n, KERAS_TRANSPOSED)),
  kerasConv('Conv3DTranspose', ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'output_padding', 'dilation_rate', 'activation', 'use_bias']),
  ...['SeparableConv1D', 'SeparableConv2D'].map((n) => kerasConv(n, KERAS_SEPARABLE)),
  ...['DepthwiseConv1D', 'DepthwiseConv2D'].map((n) => kerasConv(n, KERAS_DEPTHWISE)),
  {
    qualifiedNames: kerasNames('Dense'),
    framework: 'keras',
    kind: 'linear',
    positional: ['units', 'activation', 'use_bias'],
    outParam: 'units',
    bias: { param: 'use_bias', off: 'False', on: [true] },
    activationParam: 'activation',
    channels: 'last',
    source: 'https://keras.io/api/layers/core_layers/dense/',
  },
  {
    qualifiedNames: ['flax.linen.Conv'],
    framework: 'flax_linen',
    kind: 'conv',
    positional: ['features', 'kernel_size'],
    outParam: 'features',
    bias: { param: 'use_bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://flax-linen.readthedocs.io/en/latest/api_reference/flax.linen/layers.html',
  },
  {
    qualifiedNames: ['flax.linen.Dense'],
    framework: 'flax_linen',
    kind: 'linear',
    positional: ['features'],
    outParam: 'features',
    bias: { param: 'use_bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://flax-linen.readthedocs.io/en/latest/api_reference/flax.linen/layers.html',
  },
  {
    qualifiedNames: ['flax.nnx.Conv'],
    framework: 'flax_nnx',
    kind: 'conv',
    positional: ['in_features', 'out_features', 'kernel_size', 'strides'],
    inParam: 'in_features',
    outParam: 'out_features',
    bias: { param: 'use_bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/nn/linear.html',
  },
  {
    qualifiedNames: ['flax.nnx.Linear'],
    framework: 'flax_nnx',
    kind: 'linear',
    positional: ['in_features', 'out_features'],
    inParam: 'in_features',
    outParam: 'out_features',
    bias: { param: 'use_bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/nn/linear.html',
  },
  ...['Conv1D', 'Conv2D', 'Conv3D'].map(haikuConv),
  {
    qualifiedNames: ['haiku.Linear'],
    framework: 'haiku',
    kind: 'linear',
    positional: ['output_size', 'with_bias'],
    outParam: 'output_size',
    bias: { param: 'with_bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://dm-haiku.readthedocs.io/en/latest/api.html#linear',
  },
  mlxConv('Conv1d', true),
  mlxConv('Conv2d', true),
  mlxConv('Conv3d', false),
  {
    qualifiedNames: ['mlx.nn.Linear'],
    framework: 'mlx',
    kind: 'linear',
    positional: ['input_dims', 'output_dims', 'bias'],
    inParam: 'input_dims',
    outParam: 'output_dims',
    bias: { param: 'bias', off: 'False', on: [true] },
    channels: 'last',
    source: 'https://ml-explore.github.io/mlx/build/html/python/nn/_autosummary/mlx.nn.Linear.html',
  },
  ...['Conv1D', 'Conv2D', 'Conv3D'].map(paddleConv),
  {
    qualifiedNames: ['paddle.nn.Linear'],
    framework: 'paddle',
    kind: 'linear',
    positional: ['in_features', 'out_features', 'weight_attr', 'bias_attr'],
    inParam: 'in_features',
    outParam: 'out_features',
    bias: { param: 'bias_attr', off: 'False', on: [null] },
    channels: 'last',
    source: 'https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/nn/Linear_en.html',
  },
];

export const CONTAINERS: ContainerSpec[] = [
  {
    qualifiedNames: ['torch.nn.Sequential', 'torch.nn.modules.container.Sequential'],
    framework: 'pytorch',
    elements: 'args',
    source: 'https://pytorch.org/docs/stable/generated/torch.nn.Sequential.html',
  },
  {
    qualifiedNames: [
      'keras.Sequential',
      'keras.models.Sequential',
      'tensorflow.keras.Sequential',
      'tensorflow.keras.models.Sequential',
      'tf_keras.Sequential',
      'tf_keras.models.Sequential',
    ],
    framework: 'keras',
    elements: 'list',
    source: 'https://keras.io/api/models/sequential/',
  },
  {
    qualifiedNames: ['flax.linen.Sequential'],
    framework: 'flax_linen',
    elements: 'list',
    source: 'https://flax-linen.readthedocs.io/en/latest/api_reference/flax.linen/layers.html',
  },
  {
    qualifiedNames: ['flax.nnx.Sequential'],
    framework: 'flax_nnx',
    elements: 'args',
    source: 'https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/helpers.html',
  },
  { qualifiedNames: ['haiku.Sequential'], framework: 'haiku', elements: 'list', source: 'https://dm-haiku.readthedocs.io/en/latest/api.html#sequential' },
  {
    qualifiedNames: ['mlx.nn.Sequential'],
    framework: 'mlx',
    elements: 'args',
    source: 'https://ml-explore.github.io/mlx/build/html/python/nn/_autosummary/mlx.nn.Sequential.html',
  },
  {
    qualifiedNames: ['paddle.nn.Sequential'],
    framework: 'paddle',
    elements: 'args',
    source: 'https://www.paddlepaddle.org.cn/documentation/docs/en/api/paddle/nn/Sequential_en.html',
  },
];

const producerIndex = new Map<string, ProducerSpec>();
for (const p of PRODUCERS) for (const q of p.qualifiedNames) producerIndex.set(q, p);
const containerIndex = new Map<string, ContainerSpec>();
for (const c of CONTAINERS) for (const q of c.qualifiedNames) containerIndex.set(q, c);

export const findProducer = (qualifiedName: string): ProducerSpec | undefined => producerIndex.get(qualifiedName);
export const findContainer = (qualifiedName: string): ContainerSpec | undefined => containerIndex.get(qualifiedName);
