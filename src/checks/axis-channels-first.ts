/**
 * axis-channels-first: a norm that normalizes per feature of the last axis (Keras's
 * BatchNormalization, LayerNormalization and GroupNormalization with their default axis=-1)
 * applied straight to a conv whose `data_format="channels_first"` puts the channels on axis 1.
 * Keras 3.15.1: `BatchNormalization()` after `Conv2D(16, 3, data_format="channels_first")` on a
 * (3, 32, 32) input keeps moving_mean of shape (30,), one statistic per width column, not per
 * the 16 channels; with axis=1 it keeps (16,).
 */
import type { NormDiagnostic } from './types';
import { layoutOf } from './context';
import type { OpKind } from '../python/semantic/flow';
import { diagnostic, KEEP_CHANNELS, outCount, producerName, role, setArgument, shortName, unsure, type DiagnosticCheck } from './check';

/** Operations between the conv and the norm that keep its (N, C, ...) layout and rank. */
const SAME_LAYOUT: readonly OpKind[] = KEEP_CHANNELS.filter((k) => k !== 'pool');
/** A pooling over windows (Keras MaxPooling2D, AveragePooling1D; torch max_pool2d): (N, C, H', W'), the layout kept. */
const WINDOWED_POOL = /^(?:Max|Average|Avg)Pool(?:ing)?[123][dD]$|^(?:max|avg)_pool[123]d$/;

/** The value a conv's layout argument takes for channels-first output, by framework (Keras; Haiku writes NCHW and kin). */
const CHANNELS_FIRST = /^(channels_first|NC[DHW]*)$/;

export const axisChannelsFirst: DiagnosticCheck = {
  code: 'axis-channels-first',
  severity: 'warning',
  title: 'A norm over the last axis on a channels-first conv output normalizes a spatial axis, not the channels',
  explanation:
    "Keras's BatchNormalization, LayerNormalization and GroupNormalization normalize along `axis`, -1 by default: the " +
    'last axis, where channels-last data keeps its channels. A convolution written with ' +
    '`data_format="channels_first"` (or without one, after `keras.config.set_image_data_format("channels_first")`) outputs (N, C, H, W) instead, so axis -1 is the width: a BatchNormalization then ' +
    'keeps one mean and variance per width column (Keras 3.15.1: moving_mean of shape (W,), not (C,)), and a ' +
    'LayerNormalization or GroupNormalization normalizes over the width. It runs without an error whenever the shapes ' +
    'allow it. Give the norm axis=1 (the fix), or keep the whole model channels-last. NormLens says so only where the ' +
    "norm is applied to the convolution's output with nothing but elementwise operations, dropout or resizing between " +
    '(after a global pooling the output is (N, C), and axis -1 is then the channels).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      const { producer: p, layer } = a;
      if (p.spec.kind !== 'conv' || !p.spec.layoutParam || layer.spec.framework !== p.spec.framework) continue;
      // written at the conv, or set for the whole process by the file (keras.config.set_image_data_format)
      const layout = layoutOf(p);
      if (typeof layout?.value !== 'string' || !CHANNELS_FIRST.test(layout.value)) continue;
      // the norm's own axis: -1 as the default or written so (another axis was chosen on purpose)
      const ax = role(layer, 'axis');
      // (`BatchNormalization(**kw)` whose mapping may hold axis=1)
      if (unsure(layer, 'axis')) continue;
      const value = ax?.effective.value;
      if (!ax || (Array.isArray(value) && value.length === 1 ? value[0] : value) !== -1) continue;
      // a subclass or a parameter's default may be replaced or may move the axis itself
      if (layer.origin && layer.origin.via !== 'import' && layer.origin.via !== 'alias') continue;
      // (not through a global pooling: it outputs (N, C), where axis -1 is the channels; a windowed one keeps the layout)
      if (
        !a.paths.every((ops) =>
          ops.every((o) => SAME_LAYOUT.includes(o.kind) || (o.kind === 'pool' && WINDOWED_POOL.test(o.name.slice(o.name.lastIndexOf('.') + 1)))),
        )
      )
        continue;
      const filters = outCount(p);
      const channels = filters === undefined ? 'channels' : `${filters} channels`;
      const per = layer.spec.kind === 'batch_norm' ? 'keeps one mean and variance per width column' : 'normalizes over the width';
      out.push(
        diagnostic(
          this,
          `${shortName(layer)} normalizes axis -1, but the ${producerName(p)} before it ` +
            (layout.global ? `runs under ${layout.code}` : `writes ${p.spec.layoutParam}="${layout.value}"`) +
            ': ' +
            `its output has the ${channels} on axis 1 and the width last, so this ${per}, not per channel. Use axis=1.`,
          ax.written?.valueRange ?? layer.call.nameRange,
          ax.mapped ? [] : [{ title: 'Normalize the channels: axis=1', edits: [setArgument(ctx, layer.call, ax.name, '1', ax.written)] }],
        ),
      );
    }
    return out;
  },
};
