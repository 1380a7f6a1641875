/**
 * What a check is, and the helpers the checks share. Each check lives in its own file
 * (`src/checks/<code>.ts`) and owns everything about one fact: its code, severity, title and
 * explanation, its predicate, its located diagnostic with quick fixes (in order of likelihood),
 * and the line a hover shows for it. `registry.ts` lists them once.
 *
 * Two shapes:
 * - a diagnostic check reports located problems over a whole document (`check`); a hover shows
 *   its diagnostics about the layer (message, or title and first fix when space is short);
 * - a note check says something that this layer's own arguments make true but that is no
 *   problem in the code (`note`): only hovers show it. Notes mark code with backticks.
 */
import type { OpKind } from '../python/semantic/flow';
import type { CallArgument, Range, ResolvedLayer, ScannedCall, EffectiveArgument } from '../python/types';
import type { ParamRoles, PyValue } from '../frameworks/types';
import type { NormDiagnostic, QuickFix, RuleInfo, Severity, TextEdit } from './types';
import { intValue, type ProducerCall, type RuleContext } from './context';

export interface DiagnosticCheck extends RuleInfo {
  /** Located problems in one document or notebook cell. */
  check(ctx: RuleContext): NormDiagnostic[];
  /**
   * Set on checks that read the file beyond a layer's own top-level statements (uses of its name
   * anywhere, a `.train()` somewhere): the editor runs them over the whole module, with the
   * layers this selects (the check reports on no other). The others report on a layer from what
   * lies in the statements connected to it (./incremental.ts runs them per block). Decided from
   * the layer's class and arguments only (it is asked before layers are moved to today's places).
   */
  moduleScope?: (layer: ResolvedLayer) => boolean;
}

export interface NoteCheck {
  code: string;
  severity: 'note';
  title: string;
  explanation: string;
  /** The hover's line about this layer when the note holds; backticks mark code. */
  note(layer: ResolvedLayer): string | undefined;
}

export type Check = DiagnosticCheck | NoteCheck;

export const isNote = (c: Check): c is NoteCheck => c.severity === 'note';

export interface Bound {
  name: string;
  effective: EffectiveArgument;
  /** The argument as written, when written. */
  written?: CallArgument;
  /**
   * The call's one `**mapping` the value comes from, when the code fixes its keys (`**bn_args` with
   * `bn_args = dict(momentum=0.99)`): a check reports there, and offers no edit (the value is in the mapping).
   */
  mapped?: CallArgument;
}

/** The parameter playing `role` in this layer's class, with its effective value. */
export function role(layer: ResolvedLayer, r: keyof ParamRoles): Bound | undefined {
  const name = layer.spec.roles[r];
  if (!name) return undefined;
  const effective = layer.effective[name];
  if (!effective) return undefined;
  if (effective.isDefault) return { name, effective };
  // a value something else may replace (`bn.momentum = 1 - bn.momentum` once built, a `**mapping`): what is
  // written is not known to hold, and the checks that read it say nothing
  if (effective.maySetBy) return { name, effective };
  const written = writtenArgument(layer.call, effective.range);
  if (!written && layer.kwargsUnpacked?.keys?.includes(name)) {
    const stars = layer.call.args.filter((a) => a.star === '**');
    if (stars.length === 1) return { name, effective, mapped: stars[0] };
  }
  // (an item of a `*sequence` the code fixes: reported at it, never rewritten)
  const star = !written && layer.argsUnpacked?.names.includes(name) ? layer.call.args.find((a) => a.star === '*') : undefined;
  if (star) return { name, effective, mapped: star };
  return { name, effective, written };
}

/** Whether a layer's role argument may hold another value than the one shown (a `**mapping` of the call, a statement once built). */
export function unsure(layer: ResolvedLayer, r: keyof ParamRoles): boolean {
  const name = layer.spec.roles[r];
  const e = name ? layer.effective[name] : undefined;
  if (!name || !e) return false;
  if (e.maySetBy) return true;
  const u = layer.kwargsUnpacked;
  return e.isDefault && !!u && (!u.keys || u.keys.includes(name));
}

export function writtenArgument(call: ScannedCall, range: Range | undefined): CallArgument | undefined {
  if (!range) return undefined;
  return call.args.find(
    (a) => a.valueRange.startOffset === range.startOffset || (a.range.startOffset === range.startOffset && a.range.endOffset === range.endOffset),
  );
}

export function diagnostic(rule: RuleInfo, message: string, range: Range, fixes: QuickFix[] = [], severity: Severity = rule.severity): NormDiagnostic {
  return { code: rule.code, severity, message, range, fixes };
}

/** Replace what the user wrote for an argument, or add it as a keyword before the `)`. */
export function setArgument(ctx: RuleContext, call: ScannedCall, name: string, valueText: string, written?: CallArgument): TextEdit {
  if (written) return { range: written.valueRange, newText: valueText };
  const last = call.args[call.args.length - 1];
  if (last) {
    const at = last.range.endOffset;
    return { range: ctx.lines.range(at, at), newText: `, ${name}=${valueText}` };
  }
  const at = call.range.endOffset - 1; // before the closing parenthesis
  return { range: ctx.lines.range(at, at), newText: `${name}=${valueText}` };
}

/** Range to underline for a parameter: its written value, else the class name. */
export const anchor = (layer: ResolvedLayer, b: Bound | undefined): Range => b?.written?.valueRange ?? layer.call.nameRange;

export const numberOf = (v: PyValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

export const shortName = (layer: ResolvedLayer) => layer.spec.name;

/**
 * For a PyTorch batch norm (module or function) given eps ≤ 0: what PyTorch 2 does with it, as a
 * sentence to append. torch 2.13 raises `ValueError: batch_norm eps must be positive during training`
 * on every training forward (evaluation runs); torch 1.13 ran it. Empty for other layers.
 */
export function refusedByTorch(layer: ResolvedLayer): string {
  if (layer.spec.framework !== 'pytorch' || layer.spec.kind !== 'batch_norm') return '';
  return ' PyTorch 2 refuses it in training: every training forward raises "batch_norm eps must be positive during training" (evaluation runs; PyTorch 1.13 accepted it).';
}

/** The class's default for a parameter, from the framework table. */
export function defaultOf(layer: ResolvedLayer, name: string): PyValue | undefined {
  const param = layer.spec.params.find((p) => p.name === name);
  return param && 'default' in param ? param.default : undefined;
}

/** The producer's output count (out_channels, out_features, filters), when an integer literal. */
export function outCount(p: ProducerCall): number | undefined {
  return intValue(p.args.get(p.spec.outParam)?.value);
}

export const producerName = (p: ProducerCall) => p.qualifiedName.split('.').pop()!;

/** The norm's axis was written and differs from the class's default (`axis=-1` written out is the default). */
export function axisMoved(layer: ResolvedLayer): boolean {
  const ax = role(layer, 'axis');
  if (!ax?.written) return false;
  return JSON.stringify(ax.effective.value) !== JSON.stringify(defaultOf(layer, ax.name));
}

/**
 * Operations that keep the channel count of what a producer outputs: elementwise ones, dropout,
 * pooling, resizing. A concatenation, a reshape, a permute or a sum with another tensor do not.
 */
export const KEEP_CHANNELS: readonly OpKind[] = ['activation', 'dropout', 'pool', 'resize', 'identity', 'scale', 'norm'];
/**
 * Operations that leave a per-channel constant (a conv bias) a per-channel constant of the
 * same value: moving or reshaping axes. An add, a product, a dropout (it rescales in training)
 * or an activation between change it, and the bias is then no longer cancelled.
 */
export const KEEP_BIAS: readonly OpKind[] = ['identity', 'permute', 'shape'];
