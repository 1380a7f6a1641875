/** functional-batch-norm-training (note): F.batch_norm without training=True uses the running statistics passed in. */
import type { NoteCheck } from './check';
import { pyRepr } from './format';

export const functionalBatchNormTraining: NoteCheck = {
  code: 'functional-batch-norm-training',
  severity: 'note',
  title: 'training defaults to False',
  explanation:
    'The functional batch norm (torch.nn.functional.batch_norm) has no module mode: without training=True it ' +
    'normalizes with the running statistics passed in, whatever mode the surrounding model is in, and does not ' +
    'update them. Pass training=self.training to follow model.train()/model.eval().',
  note(layer) {
    const mode = layer.spec.modeArg;
    if (layer.spec.kind !== 'batch_norm' || layer.spec.form !== 'function' || !mode) return undefined;
    const given = layer.effective[mode.name];
    if (given?.value === mode.trainWhen) return undefined;
    // (an expression, `training=self.training`, follows what the code gives it: only False, written or by default, is said)
    if (given && given.value !== false && given.value !== null) return undefined;
    return `without \`${mode.name}=${pyRepr(mode.trainWhen)}\` it uses the running statistics passed in, whatever the model's mode; pass \`${mode.name}=self.training\`.`;
  },
};
