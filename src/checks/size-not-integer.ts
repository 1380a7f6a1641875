/**
 * size-not-integer: a PyTorch norm given a float literal where it needs an int (a size or a
 * group count). Checked in torch 2.13: `BatchNorm2d(64.0)` raises TypeError when it allocates
 * its weight or running statistics ("empty(): argument 'size' (position 1) must be tuple of
 * ints, not float"), and builds without either (`affine=False, track_running_stats=False`);
 * `GroupNorm(32, 64.0)` raises when it allocates γ and β (builds with `affine=False`);
 * `LayerNorm(64.0)` and `RMSNorm(64.0)` raise "'float' object is not iterable" always;
 * `GroupNorm(32.0, 64)` builds and raises at its first forward ("group_norm(): argument
 * 'num_groups' (position 2) must be int, not float"): a warning, as building it works.
 */
import type { NormDiagnostic } from './types';
import { diagnostic, role, shortName, unsure, type Bound, type DiagnosticCheck } from './check';
import type { ResolvedLayer } from '../python/types';

/** A float literal as Python writes one (`64.0`, `64.`, `.5`, `6.4e1`, underscores allowed). */
const FLOAT = /^(?:\d[\d_]*\.[\d_]*|\.\d[\d_]*|\d[\d_]*)(?:[eE][+-]?\d+)?$/;
const isFloatLiteral = (text: string) => FLOAT.test(text) && /[.eE]/.test(text);

/** Whether a boolean role certainly holds true (the value shown, and nothing may replace it). */
function certainlyTrue(layer: ResolvedLayer, r: 'affine' | 'trackRunningStats'): boolean {
  const b = role(layer, r);
  return !!b && b.effective.value === true && !unsure(layer, r);
}

/**
 * When PyTorch raises for a float in this role of this layer, and what it says; undefined when it
 * builds and runs. `atForward`: only applying the layer raises (a warning: building it works).
 */
function refusal(layer: ResolvedLayer, r: 'channels' | 'normalizedShape' | 'groups'): { when: string; says: string; atForward?: true } | undefined {
  const kind = layer.spec.kind;
  const size = "empty(): argument 'size' (position 1) must be tuple of ints, not float";
  if (r === 'normalizedShape') return { when: 'when the layer is built', says: "'float' object is not iterable" };
  if (r === 'groups')
    return kind === 'group_norm'
      ? { when: 'at its first forward', says: "group_norm(): argument 'num_groups' (position 2) must be int, not float", atForward: true }
      : undefined;
  // a size only allocates: weight and bias with affine, running statistics when tracked
  if (kind === 'group_norm') return certainlyTrue(layer, 'affine') ? { when: 'when it allocates γ and β', says: size } : undefined;
  if (kind === 'batch_norm' || kind === 'instance_norm') {
    if (certainlyTrue(layer, 'affine')) return { when: 'when it allocates γ and β', says: size };
    if (certainlyTrue(layer, 'trackRunningStats')) return { when: 'when it allocates the running statistics', says: size.replace('empty()', 'zeros()') };
  }
  return undefined;
}

export const sizeNotInteger: DiagnosticCheck = {
  code: 'size-not-integer',
  severity: 'error',
  title: 'A size or group count written as a float',
  explanation:
    'PyTorch sizes the weight, the bias and the running statistics of a norm layer with its num_features, ' +
    'num_channels or normalized_shape, and tensor sizes must be integers: 64.0 is a float even though it equals 64, ' +
    'and the constructor raises TypeError when it allocates them (LayerNorm and RMSNorm raise on any float, GroupNorm ' +
    'raises at the first forward for a float number of groups). A division such as channels / 2 gives a float in ' +
    'Python 3; write channels // 2.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      if (layer.spec.framework !== 'pytorch') continue;
      for (const r of ['channels', 'normalizedShape', 'groups'] as const) {
        const b: Bound | undefined = role(layer, r);
        const w = b?.written;
        if (!b || !w || unsure(layer, r) || !isFloatLiteral(w.text.trim())) continue;
        const why = refusal(layer, r);
        if (!why) continue;
        const v = Number(w.text.trim().replace(/_/g, ''));
        const whole = Number.isInteger(v) && v > 0 ? String(v) : undefined;
        out.push(
          diagnostic(
            this,
            `${shortName(layer)} needs an integer ${b.name}: ${w.text.trim()} is a float, and PyTorch raises TypeError ${why.when} ("${why.says}").`,
            w.valueRange,
            whole ? [{ title: `Use ${b.name}=${whole}`, edits: [{ range: w.valueRange, newText: whole }] }] : [],
            why.atForward ? 'warning' : 'error',
          ),
        );
      }
    }
    return out;
  },
};
