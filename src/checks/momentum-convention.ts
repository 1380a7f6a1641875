/**
 * momentum-convention: a running-statistics momentum that looks written in the other framework's
 * convention (0.9/0.99 given to PyTorch, 0.1 given to Keras), or that keeps nothing of the past
 * (1.0 in PyTorch). 0.5 means the same in both conventions: it cannot be this mistake, and is not
 * reported.
 */
import { averagingWindow, convertMomentum } from '../core/conversions';
import type { ResolvedLayer } from '../python/types';
import type { FrameworkInfo } from '../frameworks/types';
import type { RuleContext } from './context';
import type { NormDiagnostic, QuickFix } from './types';
import { defaultOf, diagnostic, numberOf, role, type Bound, type DiagnosticCheck } from './check';
import { pyNumber, pyRepr, tidy } from './format';

export interface ConventionFacts {
  bound: Bound;
  /** Set once the layer is built, not at the call (`self.bn.momentum = 0.997`), as written: reported at the call, without a fix. */
  setBy?: string;
  /** The written momentum. */
  m: number;
  info: FrameworkInfo;
  /** The framework takes the weight of the new batch (PyTorch, MLX); otherwise the weight kept from the old average. */
  newWeight: boolean;
}

/**
 * The predicate: a written numeric momentum in (0.5, 1] where the framework takes the new batch's
 * weight, or in (0, 0.5) where it takes the old average's. Values outside [0, 1] are
 * momentum-range's.
 */
export function conventionFacts(ctx: Pick<RuleContext, 'framework'>, layer: ResolvedLayer): ConventionFacts | undefined {
  const bound = role(layer, 'momentum');
  const setBy =
    bound && !bound.written && !bound.effective.isDefault && !bound.effective.range && !bound.effective.maySetBy
      ? layer.codeDefaults?.[bound.name]?.from
      : undefined;
  if (!bound || (!bound.written && !bound.mapped && !setBy)) return undefined;
  // (a layer that keeps no running statistics never reads its momentum: InstanceNorm's default, track_running_stats=False,
  // or turned off once built; PyTorch 2.13 computes alike whatever the value)
  if (role(layer, 'trackRunningStats')?.effective.value === false || layer.untracked?.definite) return undefined;
  const m = numberOf(bound.effective.value);
  const info = ctx.framework(layer.spec.framework);
  const conv = info?.momentumConvention;
  if (m === undefined || !info || !conv) return undefined;
  const newWeight = conv === 'new-weight';
  if (newWeight ? !(m > 0.5 && m <= 1) : !(m > 0 && m < 0.5)) return undefined;
  return { bound, m, info, newWeight, ...(setBy ? { setBy } : {}) };
}

const batches = (newBatchWeight: number) => {
  const n = averagingWindow(newBatchWeight).effectiveSamples;
  return n < 1.5 ? 'about 1 batch' : `about ${Math.round(n)} batches`;
};

export const momentumConvention: DiagnosticCheck = {
  code: 'momentum-convention',
  severity: 'warning',
  title: 'Momentum written in the other framework convention',
  explanation:
    'Frameworks disagree on what the running-statistics momentum means. PyTorch and MLX give the weight of the new ' +
    'batch: running = (1 - m) * running + m * batch, default 0.1. Keras, Flax and Paddle give the weight of the old ' +
    'average: running = m * running + (1 - m) * batch, default 0.99 or 0.9. Code ported between them often keeps ' +
    'the number and flips its meaning: momentum=0.99 in PyTorch makes the running statistics follow the last batch ' +
    "almost entirely (this shipped in torchvision's MaxViT), and momentum=0.1 in Keras barely averages at all. " +
    "The fix writes the same averaging in this framework's convention (1 - m); for a momentum that keeps nothing " +
    "of the past, it offers the framework's default. 0.5, which means the same in both conventions, is not reported.",
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const f = conventionFacts(ctx, layer);
      if (!f) continue;
      const { bound, m, info, newWeight, setBy } = f;
      const name = bound.name;
      const actualNew = newWeight ? m : 1 - m;
      // (a value set once built is reported at the call: the assignment's place is not known here, so no fix)
      const written = bound.written;
      const range = written ? written.valueRange : bound.mapped ? bound.mapped.valueRange : layer.call.nameRange;
      const edit = (title: string, newText: string): QuickFix[] => (written ? [{ title, edits: [{ range, newText }] }] : []);
      const def = defaultOf(layer, name);
      const useDefault: QuickFix[] = typeof def === 'number' ? edit(`Use ${name}=${pyRepr(def)} (the default)`, pyRepr(def)) : [];
      // As written (1.0 stays 1.0); a written expression never gets here.
      const shown = written ? written.text.trim() : pyNumber(m);
      const where = setBy
        ? ` (set by ${setBy.replace(/`/g, '')} once built)`
        : bound.mapped
          ? ` (from ${bound.mapped.text.trim().replace(/^(?!\*\*)/, '**')})`
          : '';
      const meaning = newWeight
        ? `${name}=${shown}${where} in ${info.name} is the weight of the new batch`
        : `${name}=${shown}${where} in ${info.name} is the weight kept from the old average`;
      let message: string;
      let fixes: QuickFix[];
      if (newWeight && m === 1) {
        message =
          `${meaning}, so the running statistics are just the last batch's: nothing is averaged. This looks like ` +
          `the old-weight convention of Keras/Flax, where values close to 1 are usual.`;
        fixes = useDefault;
      } else {
        const fixed = tidy(convertMomentum(m, newWeight ? 'old-weight' : 'new-weight', info.momentumConvention!));
        message = newWeight
          ? `${meaning}, so the running statistics average over ${batches(actualNew)}. This looks like the old-weight ` +
            `convention of Keras/Flax; the same averaging here is ${name}=${pyNumber(fixed)}.`
          : `${meaning}, so the running statistics average over ${batches(actualNew)}. This looks like PyTorch's ` +
            `new-weight convention; the same averaging here is ${name}=${pyNumber(fixed)}.`;
        fixes = edit(`Use ${name}=${pyNumber(fixed)} (${info.name} convention)`, pyNumber(fixed));
      }
      out.push(diagnostic(this, message, range, fixes));
    }
    return out;
  },
};
