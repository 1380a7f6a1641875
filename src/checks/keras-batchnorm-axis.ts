/** keras-batchnorm-axis: Keras 3's BatchNormalization given several axes (it takes one, and raises). */
import type { NormDiagnostic } from './types';
import { anchor, diagnostic, role, type DiagnosticCheck } from './check';

export const kerasBatchNormAxis: DiagnosticCheck = {
  code: 'keras-batchnorm-axis',
  severity: 'error',
  title: "Keras 3's BatchNormalization takes one axis",
  explanation:
    'tf.keras 2 accepted a list of feature axes for BatchNormalization (statistics over every other axis, a scale ' +
    'per element of those axes). Keras 3 takes one integer: its constructor calls int(axis), so axis=[1, 3] raises ' +
    'TypeError (Keras 3.15.1). Code ported from tf.keras keeps the list. Normalize over one feature axis, or move the ' +
    'axes into one (a Reshape) first.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      if (layer.spec.framework !== 'keras' || layer.spec.kind !== 'batch_norm' || layer.spec.form !== 'module') continue;
      const axis = role(layer, 'axis');
      const v = axis?.effective.value;
      if (!axis?.written || !Array.isArray(v)) continue;
      out.push(
        diagnostic(
          this,
          `Keras 3's ${layer.spec.name} takes one integer axis: ${axis.name}=${axis.written.text.trim()} raises TypeError.`,
          anchor(layer, axis),
        ),
      );
    }
    return out;
  },
};
