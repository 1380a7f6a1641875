/** rmsnorm-eps-none (note): an RMSNorm whose eps is None uses the input dtype's machine epsilon (float32's for half types). */
import { FLOAT32_EPS } from '../core/index';
import type { NoteCheck } from './check';
import { pyNumber } from './format';

export const rmsNormEpsNone: NoteCheck = {
  code: 'rmsnorm-eps-none',
  severity: 'note',
  title: 'ε = None is machine epsilon',
  explanation:
    "With eps=None, torch.nn.RMSNorm uses a machine epsilon rather than a fixed number: float32's for float32 " +
    'inputs, and float16/bfloat16 inputs get that same float32 value rather than their own much larger epsilon ' +
    "(float64 inputs get float64's). Models ported from elsewhere usually expect an explicit ε such as 1e-6; write " +
    'it to get the same numbers everywhere.',
  note(layer) {
    const name = layer.spec.roles.eps;
    if (layer.spec.kind !== 'rms_norm' || !name || !layer.effective[name] || layer.effective[name].value !== null) return undefined;
    return `float32 inputs get ${pyNumber(FLOAT32_EPS)}, float16/bfloat16 the same float32 value; write an explicit ε such as 1e-6 when porting.`;
  },
};
