/** Diagnostics produced by the rules: pure data the editor, the CLI and tests all consume. */
import type { Range } from '../python/types';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface QuickFix {
  /** Title shown in the editor's light bulb, e.g. "Use momentum=0.01 (PyTorch convention)". */
  title: string;
  edits: TextEdit[];
}

export interface NormDiagnostic {
  /** Stable rule code, e.g. 'groupnorm-divisibility'. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  fixes: QuickFix[];
  /**
   * The normalization layer's call this problem is about, when `range` points elsewhere (the
   * bias of the convolution before a BatchNorm); hovers show the problem on that layer.
   */
  about?: Range;
  /** Notebook cell index, when scanning a notebook. */
  cell?: number;
}

/** A rule's description: what the editor shows behind the code link, and what `inspect` prints. */
export interface RuleInfo {
  code: string;
  severity: Severity;
  /** One line, e.g. "GroupNorm channels not divisible by groups". */
  title: string;
  /** A few sentences: what is wrong, why it matters, how to fix it. */
  explanation: string;
}
