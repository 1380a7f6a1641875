/** instancenorm-affine-default: `.weight`/`.bias` used on an InstanceNorm that has none by default. */
import type { RuleContext } from './context';
import type { ResolvedLayer } from '../python/types';
import { detach } from '../python/detach';
import { diagnostic, role, setArgument, shortName, type DiagnosticCheck } from './check';

/**
 * Every `name.weight` / `name.bias` read or written outside strings and comments: name -> first
 * attribute, or TESTED when the code compares one of them with None.
 */
const usesCache = new WeakMap<RuleContext, Map<string, string>>();
function parameterUses(ctx: RuleContext): Map<string, string> {
  let uses = usesCache.get(ctx);
  if (uses) return uses;
  const chunks = ctx.chunks;
  if (chunks) {
    // chunk by chunk (a name and its attribute share a line), each chunk's uses kept under its id
    uses = new Map();
    for (let i = 0; i < chunks.starts.length; i++) {
      const key = `instancenorm-affine-default:${chunks.ids[i]}`;
      let found = chunks.memo.get(key) as Map<string, string> | undefined;
      if (!found) chunks.memo.set(key, (found = usesIn(chunks.masked(i))));
      for (const [name, attr] of found) if (attr === TESTED || !uses.has(name)) uses.set(name, attr);
    }
  } else uses = usesIn(ctx.masked);
  usesCache.set(ctx, uses);
  return uses;
}

/** What parameterUses keeps for a name whose `.weight`/`.bias` is compared with None somewhere. */
const TESTED = '';
/** Right after `.weight`: a comparison with None. */
const NONE_TEST = /[ \t]*(?:is(?:[ \t]+not)?|[!=]=)[ \t]*None(?![\p{L}\p{N}_])/uy;

function usesIn(text: string): Map<string, string> {
  const uses = new Map<string, string>();
  const identChar = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]/u;
  // Anchor on the attribute (cheap), then read the dotted name before it backwards.
  for (const m of text.matchAll(/\.[ \t]*(weight|bias)(?![\p{L}\p{N}_])/gu)) {
    let k = m.index!;
    let start = k;
    let plain = true; // a pure dotted name, not `f(x).norm`
    for (;;) {
      let j = k;
      while (j > 0 && (text[j - 1] === ' ' || text[j - 1] === '\t')) j--;
      let h = j;
      while (h > 0 && identChar.test(text[h - 1])) h--;
      if (h === j) {
        plain = false;
        break;
      }
      start = h;
      let b = h;
      while (b > 0 && (text[b - 1] === ' ' || text[b - 1] === '\t')) b--;
      if (b > 0 && text[b - 1] === '.') k = b - 1;
      else break;
    }
    if (!plain) continue;
    const name = text.slice(start, m.index).replace(/[ \t]/g, '');
    if (/^\p{N}/u.test(name)) continue;
    // code that tests whether it exists (`if norm.weight is not None:`) handles a layer without
    // it: such a name is kept with '' (no finding), whatever else it does with the attribute
    NONE_TEST.lastIndex = m.index! + m[0].length;
    // (kept in the chunk memo across edits: must not keep this version of the text)
    if (NONE_TEST.test(text)) uses.set(detach(name), TESTED);
    else if (!uses.has(name)) uses.set(detach(name), m[1]);
  }
  return uses;
}

/** An InstanceNorm left without scale and shift by default (the only layers this check reports on). */
function affineOffByDefault(layer: ResolvedLayer): boolean {
  if (layer.spec.kind !== 'instance_norm') return false;
  const ab = role(layer, 'affine');
  return !!ab && ab.effective.isDefault && ab.effective.value === false;
}

export const instanceAffine: DiagnosticCheck = {
  code: 'instancenorm-affine-default',
  severity: 'info',
  // `.weight`/`.bias` of the layer's name anywhere in the file; reported once per file
  moduleScope: affineOffByDefault,
  title: 'InstanceNorm without learnable scale and shift by default',
  explanation:
    "PyTorch's InstanceNorm1d/2d/3d (and MLX's InstanceNorm) default to affine=False: they have no weight and no " +
    "bias, unlike BatchNorm, GroupNorm and LayerNorm, and unlike Flax's InstanceNorm, whose use_scale and use_bias " +
    'default to True. Code that reads or initializes `.weight` or `.bias` of such a layer finds None. Pass affine=True ' +
    'when the layer should learn a per-channel scale and shift. Reported once per file.',
  check(ctx) {
    // (no `.weight` or `.bias` read anywhere: nothing to report, whatever the layers)
    if (parameterUses(ctx).size === 0) return [];
    for (const layer of ctx.layers) {
      if (!affineOffByDefault(layer)) continue;
      const ab = role(layer, 'affine')!;
      const target = ctx.assignmentTarget(layer.call);
      if (!target) continue;
      const used = parameterUses(ctx).get(target);
      if (!used) continue;
      // (uses are found by name: `self.norm.bias` may be another class's `self.norm`, a LayerNorm that has one)
      if (ctx.layers.some((o) => !affineOffByDefault(o) && ctx.assignmentTarget(o.call) === target)) continue;
      return [
        diagnostic(
          this,
          `${shortName(layer)} has ${ab.name}=False by default, so ${target}.${used} is None: the layer learns no ` +
            `scale or shift. Pass ${ab.name}=True if it should.`,
          layer.call.nameRange,
          [{ title: `Set ${ab.name}=True`, edits: [setArgument(ctx, layer.call, ab.name, 'True')] }],
        ),
      ];
    }
    return [];
  },
};
