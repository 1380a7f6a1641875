/**
 * binding-error: a call whose arguments do not fit its class's signature. The recognizer keeps
 * each problem as data (src/frameworks `BindingError`: what went wrong, the parameter, the
 * counts); the message is Python's own, made here from it. An unknown keyword is an error only
 * where the table's signatures of that framework are checked against the real package
 * (`signaturesFrom`); elsewhere the table may lack a keyword, so it is only a note (info).
 */
import { NORM_CLASSES, bindingMessage, type BindingError } from '../frameworks';
import type { ParamRoles } from '../frameworks/types';
import type { Range, ResolvedLayer } from '../python/types';
import type { RuleContext } from './context';
import type { NormDiagnostic, QuickFix } from './types';
import { diagnostic, type DiagnosticCheck } from './check';

export const bindingError: DiagnosticCheck = {
  code: 'binding-error',
  severity: 'error',
  title: 'Arguments do not match the class signature',
  explanation:
    'The call passes arguments the class does not accept: an unknown keyword, too many positional arguments, a ' +
    'parameter given twice, or a required parameter missing. Python raises TypeError when this line runs. A ' +
    "keyword spelled as another framework spells it (epsilon for PyTorch's eps, affine for LayerNorm's " +
    'elementwise_affine) gets a quick fix that renames it. An unknown keyword is reported as an error only for ' +
    'frameworks whose signatures NormLens checks against the real package (PyTorch, Keras 3, Flax, JAX); for the ' +
    'others it is a note, since the class may take a keyword NormLens does not know.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      for (const e of layer.bindingErrors) {
        const unsure = e.problem === 'unexpected-keyword' && !ctx.framework(layer.spec.framework)?.signaturesFrom;
        out.push(diagnostic(this, bindingMessage(e), bindingRange(layer, e), renameFixes(ctx, layer, e), unsure ? 'info' : 'error'));
      }
    }
    return out;
  },
};

/** Roles whose parameter the frameworks name differently, with the same meaning and value. */
const RENAMABLE: (keyof ParamRoles)[] = ['eps', 'affine'];
let spellings: Map<string, Set<keyof ParamRoles>> | undefined;

/** For an unknown keyword that another class uses for a role this class has: rename it. */
function renameFixes(ctx: RuleContext, layer: ResolvedLayer, e: BindingError): QuickFix[] {
  if (e.problem !== 'unexpected-keyword') return [];
  if (!spellings) {
    spellings = new Map();
    for (const spec of NORM_CLASSES) {
      for (const r of RENAMABLE) {
        const name = spec.roles[r];
        if (!name) continue;
        if (!spellings.has(name)) spellings.set(name, new Set());
        spellings.get(name)!.add(r);
      }
    }
  }
  const arg = layer.call.args.find((a) => a.name === e.param);
  if (!arg) return [];
  const fixes: QuickFix[] = [];
  for (const r of spellings.get(e.param) ?? []) {
    const target = layer.spec.roles[r];
    if (!target || target === e.param || target in layer.arguments) continue;
    const at = arg.range.startOffset;
    fixes.push({ title: `Rename ${e.param} to ${target}`, edits: [{ range: ctx.lines.range(at, at + e.param.length), newText: target }] });
  }
  return fixes;
}

/** Underline the argument the problem is about: the keyword, the first extra positional, else the class name. */
function bindingRange(layer: ResolvedLayer, e: BindingError): Range {
  if (e.problem === 'unexpected-keyword' || e.problem === 'multiple-values') {
    const arg = layer.call.args.find((a) => a.name === e.param);
    if (arg) return arg.range;
  }
  if (e.problem === 'too-many-positional') {
    const positional = layer.call.args.filter((a) => a.name === undefined && !a.star);
    if (positional.length > e.index) return positional[e.index].range;
  }
  return layer.call.nameRange;
}
