/** Results of the fast forward kernels: float32 output, float64 statistics per group. */
export interface BatchNormFastResult {
  output: Float32Array;
  /** Per channel. */
  mean: Float64Array;
  /** Per channel, biased (divided by the element count). */
  variance: Float64Array;
}

export interface LayerNormFastResult {
  output: Float32Array;
  /** Per row (product of the leading dims). */
  mean: Float64Array;
  /** Per row, biased. */
  variance: Float64Array;
}

export interface RmsNormFastResult {
  output: Float32Array;
  /** Per row: mean of x^2. */
  meanSquare: Float64Array;
}
