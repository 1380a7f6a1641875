/** Parameter and buffer accounting per framework, on top of the core's PyTorch-style count. */
import { countParameters } from '../core/index';
import type { CoreLayerSpec } from '../core/spec';
import { FRAMEWORKS } from './table';
import type { FrameworkId, TensorNames } from './types';

export interface TensorCount {
  name: string;
  shape: number[];
  trainable: boolean;
  count: number;
}

export interface FrameworkCount {
  parameters: number;
  buffers: number;
  bytes: number;
  detail: TensorCount[];
}

/**
 * Counts as the framework holds them. The core counts PyTorch's tensors; num_batches_tracked is
 * PyTorch's own int64 step counter, which the other frameworks do not keep.
 */
export function frameworkCount(core: CoreLayerSpec, framework: FrameworkId, dtypeBytes = 4, classNames?: Partial<TensorNames>): FrameworkCount {
  const counted = countParameters(core, dtypeBytes);
  // (named as the framework names them: Keras gamma/moving_mean, Flax scale/mean; a class may differ, Keras RMSNormalization's scale)
  const own = { ...FRAMEWORKS.find((f) => f.id === framework)?.tensorNames, ...classNames };
  const NAMED: Record<string, keyof TensorNames> = { weight: 'weight', bias: 'bias', running_mean: 'runningMean', running_var: 'runningVar' };
  const detail = counted.detail
    .filter((d) => framework === 'pytorch' || d.name !== 'num_batches_tracked')
    .map((d) => ({ ...d, name: (NAMED[d.name] && own[NAMED[d.name]]) || d.name, count: d.shape.reduce((a, b) => a * b, 1) }));
  const parameters = detail.filter((d) => d.trainable).reduce((a, d) => a + d.count, 0);
  const buffers = detail.filter((d) => !d.trainable).reduce((a, d) => a + d.count, 0);
  const counter = detail.some((d) => d.name === 'num_batches_tracked');
  return { parameters, buffers, bytes: (parameters + buffers - (counter ? 1 : 0)) * dtypeBytes + (counter ? 8 : 0), detail };
}
