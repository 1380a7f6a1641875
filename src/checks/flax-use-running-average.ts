/**
 * flax-use-running-average: a Flax BatchNorm whose `use_running_average` is set on no path.
 *
 * linen (flax/linen/normalization.py, 0.12.8): BatchNorm merges the constructor's
 * use_running_average (default None) with the call's; with neither, the call raises
 * `ValueError: Parameter "use_running_average" must be passed to the constructor or at call
 * time.` (checked with Flax 0.12.8). nnx: the constructor's default is False, and
 * `model.train()` / `model.eval()` (nnx.Module.set_attributes), `nnx.view(...)` or the call set
 * it; only a BatchNorm built with use_running_average=None and never switched is unset, and then
 * its call raises "No `use_running_average` argument was provided to BatchNorm".
 *
 * Reported only where every use is visible: the module applied in place, or assigned to a name
 * whose every use in its class (or block) is a call. With such calls and none passing it, the
 * linen call certainly raises (error); for nnx a `.eval()` in another file could still set it
 * (warning), and any `.eval()`, `.train()`, `set_attributes(...)`, `view(...)` or `with_attributes(...)` in this file
 * silences it.
 */
import type { ScannedCall } from '../python/types';
import type { NormDiagnostic } from './types';
import { diagnostic, type DiagnosticCheck } from './check';
import { appliedArguments, blockEnd, enclosingClass, passesKeyword, usesOf } from './uses';

/** Where `use_running_average` stands among a BatchNorm call's positional arguments (after `x`). */
const CALL_POSITION = 1;

export const flaxUseRunningAverage: DiagnosticCheck = {
  code: 'flax-use-running-average',
  severity: 'error',
  // calls of the layer anywhere in its class or below it, and `.eval()`/`.train()` anywhere in the file
  moduleScope: ({ spec }) => spec.kind === 'batch_norm' && spec.form === 'module' && (spec.framework === 'flax_linen' || spec.framework === 'flax_nnx'),
  title: 'Flax BatchNorm without use_running_average on any path',
  explanation:
    "Flax's BatchNorm needs to know whether to normalize with the batch's statistics (training) or the stored " +
    'averages (evaluation). In linen nothing decides it by default: use_running_average must be given to the ' +
    'constructor or at the call (often use_running_average=not train), or the call raises ValueError. In nnx the ' +
    'constructor defaults to False and model.train()/model.eval() switch it; one built with use_running_average=None ' +
    'and never switched raises at the call. NormLens reports it only when it sees every call of the layer.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      const fw = layer.spec.framework;
      if (layer.spec.kind !== 'batch_norm' || layer.spec.form !== 'module' || (fw !== 'flax_linen' && fw !== 'flax_nnx')) continue;
      const name = layer.spec.modeArg?.name;
      if (!name || layer.origin || layer.call.args.some((a) => a.star)) continue;
      const e = layer.effective[name];
      if (!e || e.value !== null) continue;
      const nnx = fw === 'flax_nnx';
      // (`nnx.with_attributes(model, use_running_average=True)`, Flax 0.12.8's copy with the flag set, too)
      if (nnx && /\.\s*(eval|train|set_attributes)\s*\(|\b(?:view|with_attributes)\s*\(/.test(ctx.masked)) continue;
      const lines: number[] = [];
      // (the call's signature in linen and nnx alike: `__call__(self, x, use_running_average=None, *, mask=None)`)
      const applied = appliedArguments(ctx, layer.call);
      if (applied) {
        if (passesKeyword(applied.text, name, CALL_POSITION) !== 'no') continue;
        lines.push(ctx.lines.position(applied.from).line + 1);
      } else {
        const target = layer.call.target ?? ctx.assignmentTarget(layer.call);
        if (!target) continue;
        const scope = target.startsWith('self.')
          ? enclosingClass(ctx, layer.call.range.startOffset)
          : { from: layer.call.range.endOffset, to: blockEnd(ctx, layer.call.range.startOffset) };
        if (!scope) continue;
        const calls: ScannedCall[] = [];
        let unreadable = false;
        for (const u of usesOf(ctx, target, scope.from, scope.to)) {
          if (u.at < layer.call.range.startOffset && u.at >= ctx.lines.lineStart(layer.call.range.startOffset)) continue; // the assignment
          if (u.call) calls.push(u.call);
          else unreadable = true;
        }
        if (unreadable || calls.length === 0) continue;
        if (calls.some((c) => c.args.some((a) => a.name === name || a.star) || c.args.filter((a) => !a.name && !a.star).length > CALL_POSITION)) continue;
        for (const c of calls) lines.push(c.range.start.line + 1);
      }
      const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(', ')}`;
      const message = nnx
        ? `${layer.spec.name}(${name}=None) is called (${where}) without ${name}, and nothing in this file switches it ` +
          `with .eval()/.train(): the call raises unless another file does. Pass ${name}=... here or at the call.`
        : `${layer.spec.name} gets ${name} neither here nor at its call (${where}): Flax raises "Parameter ` +
          `"${name}" must be passed to the constructor or at call time". Pass ${name}=not train (or True/False).`;
      out.push(diagnostic(this, message, e.range ?? layer.call.nameRange, [], nnx ? 'warning' : 'error'));
    }
    return out;
  },
};
