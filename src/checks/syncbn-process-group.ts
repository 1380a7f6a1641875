/** syncbn-process-group (note): SyncBatchNorm synchronizes only under an initialized torch.distributed process group. */
import type { NoteCheck } from './check';

export const syncBnProcessGroup: NoteCheck = {
  code: 'syncbn-process-group',
  severity: 'note',
  title: 'SyncBatchNorm only synchronizes under torch.distributed',
  explanation:
    'In training under an initialized torch.distributed process group (usually DistributedDataParallel with ' +
    'convert_sync_batchnorm) SyncBatchNorm all-reduces batch statistics across processes; uneven participation ' +
    'across ranks can hang the collective. Without a process group, PyTorch 2.x (checked on 2.13) computes it as a ' +
    'plain BatchNorm in train and eval, also on CPU. PyTorch 1.x differs: torch 1.13 raises "SyncBatchNorm expected ' +
    'input tensor to be on GPU" for CPU input in both modes.',
  note(layer) {
    if (layer.spec.framework !== 'pytorch' || layer.spec.name !== 'SyncBatchNorm') return undefined;
    return 'it all-reduces statistics only under an initialized torch.distributed process group (usually DistributedDataParallel); without one it computes as a plain BatchNorm (PyTorch 2.x).';
  },
};
