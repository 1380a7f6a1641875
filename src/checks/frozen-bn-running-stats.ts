/**
 * frozen-bn-running-stats: a PyTorch BatchNorm whose parameters are frozen (`requires_grad_(False)`,
 * or `p.requires_grad = False` for p in its parameters()) while the model is put in training mode:
 * freezing stops γ and β only; in training mode the forward pass still overwrites running_mean and
 * running_var with every batch (torch.nn.modules.batchnorm, `self.training` decides). The usual
 * ways to freeze a BatchNorm whole are torchvision.ops.FrozenBatchNorm2d (what torchvision's
 * detection backbones use, and timm's freeze_batch_norm_2d converts to) or calling .eval() on it
 * after every model.train().
 *
 * Reported where the freezing and a `.train()` call are both in the file and nothing in it keeps
 * that layer in evaluation mode (its own `.eval()`, an overridden `train()`, or the
 * `isinstance(m, ...BatchNorm...)` + `m.eval()` idiom).
 */
import type { ResolvedLayer } from '../python/types';
import type { Range } from '../python/types';
import type { NormDiagnostic } from './types';
import { diagnostic, role, type DiagnosticCheck } from './check';
import { blockEnd, usesOf } from './uses';
import type { RuleContext } from './context';

/** Where the code freezes this target's parameters, if it does. */
function freezing(ctx: RuleContext, target: string): Range | undefined {
  const m = ctx.masked;
  for (const u of usesOf(ctx, target)) {
    if (u.attribute === 'requires_grad_') {
      const call = ctx.calls.find((c) => c.range.startOffset === u.at && c.callee.replace(/\s+/g, '') === `${target}.requires_grad_`);
      const arg = call?.args[0];
      if (call && call.args.length === 1 && (arg!.name === undefined || arg!.name === 'requires_grad') && arg!.value === false) return call.range;
    }
    if (u.attribute === 'parameters') {
      // for NAME in TARGET.parameters(): ... NAME.requires_grad = False / NAME.requires_grad_(False)
      const ls = ctx.lines.lineStart(u.at);
      const head = /^[ \t]*for[ \t]+([\p{L}_][\p{L}\p{N}_]*)[ \t]+in[ \t]+$/u.exec(m.slice(ls, u.at));
      if (!head) continue;
      const body = m.slice(u.at, blockEnd(ctx, m.indexOf('\n', u.at) + 1 || m.length));
      const v = head[1];
      if (
        new RegExp(
          String.raw`(?<![\p{L}\p{N}_.])${v}\s*\.\s*requires_grad\s*=\s*False\b|(?<![\p{L}\p{N}_.])${v}\s*\.\s*requires_grad_\s*\(\s*False\s*\)`,
          'u',
        ).test(body)
      ) {
        const end = m.indexOf(':', u.at);
        return ctx.lines.range(ls + /^[ \t]*/.exec(m.slice(ls))![0].length, end < 0 ? u.at : end);
      }
    }
  }
  // TARGET.weight.requires_grad = False (and the bias): the affine parameters one by one.
  // (a target the scanner read in broken code may hold any character: escaped as usesOf does)
  const esc = target
    .split('.')
    .map((p) => p.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
    .join(String.raw`\s*\.\s*`);
  const one = new RegExp(String.raw`(?<![\p{L}\p{N}_.])${esc}\s*\.\s*(?:weight|bias)\s*\.\s*requires_grad\s*=\s*False\b`, 'u').exec(m);
  if (one) return ctx.lines.range(one.index, one.index + one[0].length);
  return undefined;
}

export const frozenBnRunningStats: DiagnosticCheck = {
  code: 'frozen-bn-running-stats',
  severity: 'warning',
  // uses of the layer's name and a `.train()` anywhere in the file
  moduleScope: ({ spec }) => spec.framework === 'pytorch' && spec.kind === 'batch_norm' && spec.form === 'module',
  title: 'Frozen BatchNorm parameters, running statistics still updating',
  explanation:
    "requires_grad=False freezes a BatchNorm's γ and β, not its running statistics: whenever the module is in " +
    'training mode (model.train(), and every new module), each forward pass moves running_mean and running_var ' +
    'toward the current batch. Fine-tuning with a "frozen" backbone then silently changes what the backbone does in ' +
    'evaluation, often badly with small batches. Freeze it whole: replace it with torchvision.ops.FrozenBatchNorm2d ' +
    "(as torchvision's detection models do; timm's freeze_batch_norm_2d converts to it), or call .eval() on it after " +
    'every model.train().',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    // Cheap tests first: most files freeze nothing (the text first: the masked text is built when read).
    if (!ctx.text.includes('requires_grad')) return out;
    const m = ctx.masked;
    if (!m.includes('requires_grad')) return out;
    if (!/\.\s*train\s*\(\s*(True)?\s*\)/.test(m)) return out;
    if (/\bdef[ \t]+train[ \t]*\(/.test(m)) return out;
    // BatchNorms put in eval by type: `isinstance(m, nn.BatchNorm2d)`, through a tuple of their classes bound to a
    // name (`BN_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d)`), or by name (`m.__class__.__name__.find("BatchNorm")`)
    if (/\.\s*eval\s*\(\s*\)/.test(m)) {
      const tuples = [...m.matchAll(/^[ \t]*([\p{L}_][\p{L}\p{N}_]*)[ \t]*=[^\n]*\b_?(?:BatchNorm|NormBase)/gmu)].map((x) => x[1]);
      const tested = new RegExp(String.raw`isinstance\s*\([^)]*(?:BatchNorm|_NormBase${tuples.map((t) => `|\\b${t}\\b`).join('')})`, 'u');
      if (tested.test(m) || (m.includes('__name__') && /(["'])[^"'\n]*BatchNorm[^"'\n]*\1/.test(ctx.text))) return out;
    }
    for (const layer of ctx.layers as ResolvedLayer[]) {
      if (layer.spec.framework !== 'pytorch' || layer.spec.kind !== 'batch_norm' || layer.spec.form !== 'module') continue;
      const track = role(layer, 'trackRunningStats');
      if (track && track.effective.value !== true) continue;
      // (its running statistics turned off once built, `self.bn.track_running_stats = False`: PyTorch no longer updates them)
      if (layer.untracked?.definite) continue;
      const momentum = role(layer, 'momentum');
      if (momentum && momentum.effective.value === 0) continue;
      const target = layer.call.target ?? ctx.assignmentTarget(layer.call);
      if (!target) continue;
      if (usesOf(ctx, target).some((u) => u.attribute === 'eval' || u.attribute === 'train')) continue;
      // (and through the model that holds it: `model.bn1.eval()` for `self.bn1`)
      const leaf = /^self\.([\p{L}_][\p{L}\p{N}_]*)$/u.exec(target)?.[1];
      if (leaf && new RegExp(String.raw`\.\s*${leaf}\s*\.\s*(?:eval\s*\(\s*\)|train\s*\(\s*False\s*\))`, 'u').test(m)) continue;
      const at = freezing(ctx, target);
      if (!at) continue;
      out.push({
        about: layer.call.range,
        ...diagnostic(
          this,
          `This freezes ${target}'s weight and bias only: the ${layer.spec.name}'s running_mean and running_var keep ` +
            `moving with every batch while the model is in training mode (.train() is called in this file). Use ` +
            `torchvision.ops.FrozenBatchNorm2d for a frozen BatchNorm, or call ${target}.eval() after each model.train().`,
          at,
        ),
      });
    }
    return out;
  },
};
