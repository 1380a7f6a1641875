/** "In other frameworks": the same layer in other frameworks' terms, where it would read differently. */
import { convertMomentum } from '../core/index';
import type { FrameworkId } from '../frameworks/types';
import { translate } from '../frameworks/index';
import { SHARED } from '../python/index';
import { detachStrings } from '../python/detach';
import { roundShort } from './convention';
import type { LayerContext } from './context';
import { infoOf, num, roleName, roleValue } from './context';
import { code, escapeMd, mdTable, pyFloat } from './format';
import { Md, md } from './markdown';

/** Frameworks compared, in the order shown (tf.keras and Flax nnx read like Keras and Flax linen). */
const SHOWN: FrameworkId[] = ['pytorch', 'keras', 'flax_linen', 'haiku', 'mlx', 'paddle'];
/** Rows of equivalents shown; the preferred framework comes first. */
const MAX_ROWS = 2;

/** Translations are pure in (class, arguments, target); hovering the same layer again reuses them. */
const cache = new Map<string, ReturnType<typeof translate>>();
const CACHE_LIMIT = 512;

function translated(ctx: LayerContext, to: FrameworkId): ReturnType<typeof translate> {
  // γ and β a user class certainly removes or puts back once built
  const tensors: { weight?: boolean; bias?: boolean } = {};
  for (const t of ['weight', 'bias'] as const) {
    if (ctx.layer.removed?.[t]?.definite) tensors[t] = false;
    if (ctx.layer.restored?.[t]?.definite) tensors[t] = true;
  }
  const key = `${ctx.layer.spec.id}\u0000${to}\u0000${JSON.stringify(ctx.values)}\u0000${JSON.stringify(tensors)}`;
  let t = cache.get(key);
  if (!t) {
    // The rank the worked example uses picks the rank-specific class (BatchNorm2d for a channels-last BatchNormalization on images).
    // (kept across edits: an argument's text must not keep the version of the file it was read from)
    t = detachStrings(translate(ctx.layer.spec, ctx.values, to, { inputRank: ctx.rank, tensors }), SHARED);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, t);
  }
  return t;
}

function order(own: FrameworkId, preferred?: FrameworkId): FrameworkId[] {
  const list = preferred && preferred !== own ? [preferred, ...SHOWN.filter((f) => f !== preferred)] : SHOWN;
  return list.filter((f) => f !== own);
}

/** One sentence: the same averaging speed written in every other framework's convention. */
function momentumLine(ctx: LayerContext, frameworks: FrameworkId[]): Md {
  const m = num(roleValue(ctx, 'momentum'));
  const conv = ctx.framework.momentumConvention;
  // (outside [0, 1] no convention has an equal: the momentum-range check says what is wrong)
  if (ctx.layer.spec.kind !== 'batch_norm' || m === null || !conv || !(m >= 0 && m <= 1)) return Md.raw('');
  // no running average to match
  if (roleValue(ctx, 'trackRunningStats') === false) return Md.raw('');
  const byValue = new Map<string, string[]>();
  for (const f of frameworks) {
    const info = infoOf(f);
    if (!info.momentumConvention) continue;
    const v = pyFloat(roundShort(convertMomentum(m, conv, info.momentumConvention)));
    byValue.set(v, [...(byValue.get(v) ?? []), info.name]);
  }
  const parts = [...byValue.entries()].map(([v, names]) => md`${Md.raw(names.join(', '))} ${code(pyFloat(Number(v)))}`);
  return md`Same running-average speed as ${code(`${roleName(ctx, 'momentum') ?? 'momentum'}=${pyFloat(m)}`)}: ${Md.join(parts, ' · ')}.`;
}

/** Where the layers that take an axis normalize over the channels of a channels-first input (dim 1). */
const CHANNELS_FIRST_AXES: [FrameworkId, string][] = [
  ['keras', 'axis=1'],
  ['flax_linen', 'reduction_axes=1, feature_axes=1'],
];

export function otherFrameworks(ctx: LayerContext, preferred?: FrameworkId): Md {
  const own = ctx.layer.spec.framework;
  // a frozen BatchNorm is no framework's BatchNorm with these arguments: one fixed in inference mode, its γ and β frozen, is
  if (ctx.layer.origin?.frozen)
    return Md.raw(
      'A BatchNorm kept in inference mode (PyTorch .eval(), Keras training=False, Flax use_running_average=True) with its γ and β excluded from training computes the same.',
    );
  // a hand-written or permuting LayerNorm/RMSNorm over the channels of (N, C, ...): only layers given that axis are the same
  const kind = ctx.layer.spec.kind;
  if (ctx.layer.origin?.channelsFirst && (kind === 'layer_norm' || kind === 'rms_norm')) {
    const rows: Md[][] = [];
    for (const [f, axes] of CHANNELS_FIRST_AXES) {
      const t = translated(ctx, f);
      if ('error' in t) continue;
      const written = t.code.replace('(', t.code.endsWith('()') ? `(${axes}` : `(${axes}, `);
      rows.push([Md.raw(infoOf(f).name), code(written), escapeMd(`normalizes over axis 1, the channels, as this layer does (the default is the last axis).`)]);
    }
    return rows.length ? mdTable([Md.raw('framework'), Md.raw('equivalent'), Md.raw('differs')], rows) : Md.raw('');
  }
  const frameworks = order(own, preferred);
  const rows: Md[][] = [];
  for (const f of frameworks) {
    if (rows.length === MAX_ROWS) break;
    const t = translated(ctx, f);
    if ('error' in t) continue;
    if (t.notes.length === 0) continue;
    rows.push([Md.raw(infoOf(f).name), code(t.code), escapeMd([...new Set(t.notes)].join(' '))]);
  }
  const line = momentumLine(ctx, frameworks);
  const parts: Md[] = [];
  if (line) parts.push(line);
  if (rows.length) parts.push(mdTable([Md.raw('framework'), Md.raw('equivalent'), Md.raw('differs')], rows));
  return Md.join(parts, '\n\n');
}
