import type { CoreLayerSpec } from './spec';
import type { Tensor } from './tensor';

export interface LayerParams {
  weight?: Float32Array | null;
  bias?: Float32Array | null;
}

/** Running statistics (BatchNorm, tracked InstanceNorm). */
export interface LayerState {
  runningMean: Float32Array;
  runningVar: Float32Array;
  numBatchesTracked: number;
}

export interface RunRequest {
  spec: CoreLayerSpec;
  mode: 'train' | 'eval';
  input: Tensor;
  params?: LayerParams;
  state?: LayerState | null;
  /** Gradient of a scalar loss with respect to the output; asks for the backward pass. */
  gradOutput?: Float32Array;
}

/**
 * The statistics a layer normalized with, one entry per statistics group in layout order
 * (running statistics when eval mode uses them). For RMSNorm `mean` is all zeros and
 * `variance` holds the mean square.
 */
export interface GroupStats {
  mean: Float64Array;
  /** Biased (population) variance; RMSNorm: mean of squares. */
  variance: Float64Array;
  /** Elements per group. */
  count: number;
}

export interface RunResult {
  output: Tensor;
  state: LayerState | null;
  stats: GroupStats | null;
  grad?: { input: Float32Array; weight: Float32Array | null; bias: Float32Array | null };
}
