/**
 * The pre-/post-norm placement of a layer in its residual block, in words: one line for the
 * hover, `inspect` and the comparison panel's note. Lines are 1-based here.
 */
export interface PlacementFact {
  kind: 'pre-norm' | 'post-norm';
  /** 1-based line of the residual add. */
  addLine: number;
}

/** "post-norm: normalizes the sum of the residual add, line 57". */
export function placementText(p: PlacementFact): string {
  return p.kind === 'post-norm'
    ? `post-norm: normalizes the sum of the residual add, line ${p.addLine}`
    : `pre-norm: normalizes the input of a branch added back to it, line ${p.addLine}`;
}
