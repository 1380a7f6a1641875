/**
 * The canonical description of a normalization layer that the numeric core computes.
 * Every framework's class is translated into one of these (see src/frameworks), so the
 * core itself knows nothing about argument names or conventions of any framework.
 *
 * Conventions used here:
 * - `channelAxis` is an axis index of the input (negative counts from the end), so both
 *   channels-first (PyTorch, axis 1) and channels-last (Keras/Flax/MLX, axis -1) layouts work.
 * - `momentum` is always in the "weight of the new batch" form: running = (1 - m) * running + m * batch.
 *   `null` means a cumulative average (PyTorch momentum=None, via num_batches_tracked).
 *   Frameworks that write the decay instead (Keras, Flax, Paddle) are converted before reaching here.
 */

export interface BatchNormSpec {
  kind: 'batch_norm';
  /** Expected channel count (PyTorch num_features); null = take it from the input (lazy). */
  numFeatures: number | null;
  eps: number;
  momentum: number | null;
  /** Haiku's EMA divides by (1 - decay^t) before use; all other frameworks do not. */
  debiasedEma?: boolean;
  hasWeight: boolean;
  hasBias: boolean;
  trackRunningStats: boolean;
  /** Variance written into running_var: PyTorch/MLX store the unbiased estimate, Keras/Flax the biased one. */
  storedVariance: 'unbiased' | 'biased';
  channelAxis: number;
  /** Allowed input ranks, e.g. [2, 3] for BatchNorm1d, [4] for BatchNorm2d; undefined = any rank >= 2. */
  allowedRanks?: number[];
  /** Name used in PyTorch-style messages, e.g. 'BatchNorm2d'. */
  layerName?: string;
  /** Which run-time refusals apply (see RuntimeChecks). */
  checks?: RuntimeChecks;
  /**
   * The functional form (torch.nn.functional.batch_norm): eval mode (training=False) needs running statistics and
   * raises RuntimeError "running_mean must be defined in evaluation mode" without them, where a module with
   * track_running_stats=False normalizes with the batch statistics instead.
   */
  evalNeedsRunningStats?: boolean;
}

/**
 * Run-time refusals of a per-channel layer.
 * - 'pytorch' (the default): PyTorch 2.13's, e.g. "Expected more than 1 value per channel when training" for a
 *   single value per channel, and eps <= 0 in training for BatchNorm.
 * - 'none': the statistics of a single value are computed (mean = the value, variance 0) and eps = 0 is allowed,
 *   as Keras, Flax, Haiku and MLX do; their layers never raise for it.
 */
export type RuntimeChecks = 'pytorch' | 'none';

export interface LayerNormSpec {
  kind: 'layer_norm';
  /** The trailing dims normalized over (PyTorch normalized_shape). */
  normalizedShape: number[];
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  /**
   * Keras LayerNormalization(rms_scaling=True) (deprecated in Keras 3.15): x (not x − mean) divided by
   * sqrt(var + eps), times γ, with no β. Keras itself warns that this scales by the variance, not the RMS.
   */
  rmsScaling?: boolean;
}

export interface RmsNormSpec {
  kind: 'rms_norm';
  normalizedShape: number[];
  /** null = float32 machine epsilon (PyTorch's eps=None). */
  eps: number | null;
  hasWeight: boolean;
}

export interface GroupNormSpec {
  kind: 'group_norm';
  numGroups: number;
  numChannels: number;
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  channelAxis: number;
  checks?: RuntimeChecks;
  /**
   * Channel c belongs to group c mod num_groups (MLX's GroupNorm with pytorch_compatible=False,
   * which reshapes the features to (-1, num_groups)), instead of C/G consecutive channels.
   */
  interleaved?: boolean;
}

export interface InstanceNormSpec {
  kind: 'instance_norm';
  numFeatures: number | null;
  eps: number;
  momentum: number | null;
  hasWeight: boolean;
  hasBias: boolean;
  trackRunningStats: boolean;
  channelAxis: number;
  /** Ranks of a batched input, e.g. [4] for InstanceNorm2d; one less is accepted as unbatched. */
  batchedRank?: number;
  layerName?: string;
  checks?: RuntimeChecks;
  /**
   * The functional form (torch.nn.functional.instance_norm): eval mode (use_input_stats=False) needs running
   * statistics and raises RuntimeError "Expected running_mean and running_var to be defined when use_input_stats
   * is false" without them.
   */
  evalNeedsRunningStats?: boolean;
}

export interface LocalResponseNormSpec {
  kind: 'local_response_norm';
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

export type CoreLayerSpec = BatchNormSpec | LayerNormSpec | RmsNormSpec | GroupNormSpec | InstanceNormSpec | LocalResponseNormSpec;
