/** layernorm-channels-first: LayerNorm(C) applied straight to a channels-first conv output. */
import type { NormDiagnostic } from './types';
import { intValue, layoutOf, onlyThrough, sameCount } from './context';
import { diagnostic, KEEP_CHANNELS, outCount, producerName, role, shortName, type DiagnosticCheck } from './check';

export const layerNormChannelsFirst: DiagnosticCheck = {
  code: 'layernorm-channels-first',
  severity: 'warning',
  title: 'LayerNorm(C) on a channels-first conv output normalizes the last axis, not C',
  explanation:
    "PyTorch's LayerNorm(C) normalizes over the last axis and checks that it has size C. A convolution outputs " +
    '(N, C, H, W) (or (N, C, L)): the channels are first, so LayerNorm(C) applied to it directly either fails with ' +
    '"Given normalized_shape=[C], expected input with shape [*, C]" (when W differs from C) or, when W happens to ' +
    'equal C, silently normalizes over the width instead of the channels. Move the channels last around it ' +
    "(x.permute(0, 2, 3, 1), then back), as ConvNeXt's LayerNorm2d does. NormLens says so only where the code applies " +
    "the LayerNorm to the convolution's output with nothing but elementwise operations, dropout or pooling between, " +
    'and as a warning: whether it fails depends on the input size, which the code does not fix.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      const { producer: p, layer } = a;
      if (layer.spec.kind !== 'layer_norm' || p.spec.kind !== 'conv' || p.spec.channels !== 'first') continue;
      if (layoutOf(p)) continue;
      // Only a LayerNorm named as such: a subclass or custom module may move the channels itself (a LayerNorm2d
      // that permutes in forward), and a parameter's default may be replaced by what callers pass.
      if (layer.origin && layer.origin.via !== 'import' && layer.origin.via !== 'alias') continue;
      if (!onlyThrough(a, KEEP_CHANNELS)) continue;
      const ns = role(layer, 'normalizedShape');
      if (!ns?.written) continue;
      const v = ns.effective.value;
      const count = intValue(v) ?? (Array.isArray(v) && v.length === 1 ? intValue(v[0]) : undefined);
      const outArg = p.args.get(p.spec.outParam);
      const produced = outCount(p);
      // LayerNorm(C) for the conv's C channels; another size may be meant for the last axis
      const same =
        count !== undefined && produced !== undefined ? count === produced : sameCount(outArg, { value: v, text: ns.written.text.replace(/^\[(.*)\]$/, '$1') });
      if (!same) continue;
      const oneD = /1d$/i.test(p.qualifiedName);
      const last = oneD ? 'L' : 'W';
      const shape = oneD ? '(N, C, L)' : /3d$/i.test(p.qualifiedName) ? '(N, C, D, H, W)' : '(N, C, H, W)';
      const c = ns.written.text;
      out.push(
        diagnostic(
          this,
          `${shortName(layer)}(${c}) normalizes the last axis, but the ${producerName(p)} before it outputs ${shape} with the ` +
            `${c} channels first: this fails unless ${last} == ${c}, and then normalizes over ${last}, not the channels. ` +
            `Permute the channels last around it (as ConvNeXt's LayerNorm2d does).`,
          ns.written.valueRange,
        ),
      );
    }
    return out;
  },
};
