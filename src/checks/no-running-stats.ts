/** no-running-stats (note): a BatchNorm with track_running_stats=False normalizes with batch statistics in evaluation too. */
import type { NoteCheck } from './check';

export const noRunningStats: NoteCheck = {
  code: 'no-running-stats',
  severity: 'note',
  title: 'Batch statistics at inference too',
  explanation:
    'Without running statistics (PyTorch track_running_stats=False) there is nothing to normalize with in evaluation ' +
    "but the batch itself: a sample's output depends on what else is in its batch, and a batch of one cannot be " +
    'normalized per channel. Intended for some uses (test-time adaptation), surprising in most.',
  note(layer) {
    const name = layer.spec.roles.trackRunningStats;
    if (layer.spec.kind !== 'batch_norm' || !name || layer.effective[name]?.value !== false) return undefined;
    return `\`${name}=False\`: inference also uses the batch's own statistics, so outputs depend on the rest of the batch.`;
  },
};
