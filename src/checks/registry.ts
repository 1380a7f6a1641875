/**
 * Every check, declared once: the order here is the order diagnostics of one position are
 * reported in, and the order notes appear in a hover. To add a check, write
 * `src/checks/<code>.ts` and list it here.
 */
import { isNote, type Check, type DiagnosticCheck, type NoteCheck } from './check';
import { groupsDivide } from './groupnorm-divisibility';
import { groupsPositive } from './groupnorm-groups-positive';
import { sizeNotInteger } from './size-not-integer';
import { momentumConvention } from './momentum-convention';
import { momentumRange } from './momentum-range';
import { channelMismatch } from './channel-mismatch';
import { convBiasBeforeBn } from './conv-bias-before-bn';
import { layerNormChannelsFirst } from './layernorm-channels-first';
import { axisChannelsFirst } from './axis-channels-first';
import { kerasBatchNormAxis } from './keras-batchnorm-axis';
import { epsZero } from './eps-zero';
import { epsNegative } from './eps-negative';
import { epsLarge } from './eps-large';
import { instanceAffine } from './instancenorm-affine-default';
import { bindingError } from './binding-error';
import { flaxUseRunningAverage } from './flax-use-running-average';
import { frozenBnRunningStats } from './frozen-bn-running-stats';
import { noRunningStats } from './no-running-stats';
import { syncBnProcessGroup } from './syncbn-process-group';
import { rmsNormEpsNone } from './rmsnorm-eps-none';
import { functionalBatchNormTraining } from './functional-batch-norm-training';

export const CHECKS: readonly Check[] = [
  groupsDivide,
  groupsPositive,
  sizeNotInteger,
  momentumConvention,
  momentumRange,
  channelMismatch,
  convBiasBeforeBn,
  layerNormChannelsFirst,
  axisChannelsFirst,
  kerasBatchNormAxis,
  epsZero,
  epsNegative,
  epsLarge,
  instanceAffine,
  bindingError,
  flaxUseRunningAverage,
  frozenBnRunningStats,
  noRunningStats,
  syncBnProcessGroup,
  rmsNormEpsNone,
  functionalBatchNormTraining,
];

/** The checks that report located diagnostics (what the editor underlines and `inspect` prints). */
export const RULES: readonly DiagnosticCheck[] = CHECKS.filter((c): c is DiagnosticCheck => !isNote(c));
/** The checks only hovers show. */
export const NOTES: readonly NoteCheck[] = CHECKS.filter(isNote);
