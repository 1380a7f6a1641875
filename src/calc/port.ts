/**
 * Porting a trained normalization layer to another framework: the target's constructor (the translation, sized
 * from the input shape), which source tensor goes to which target tensor, the target's own weight order (Keras
 * `get_weights()` is [gamma, beta, moving_mean, moving_variance]), what happens to the running variance, and a
 * Python snippet that moves the values. The snippets are executed in the real frameworks by
 * test/unit/calc/port-run.test.ts (scripts/run_ports.py), which requires equal evaluation outputs.
 *
 * Frameworks: PyTorch, Keras 3 (and tf.keras), Flax linen and Flax nnx.
 */
import { checkGroupNormSpec } from '../core/index';
import { NORM_CLASSES, bindArguments, bindingMessage, findByQualifiedName, frameworkInfo, translate } from '../frameworks/index';
import type { FrameworkId, NormClassSpec, PyValue, TensorNames } from '../frameworks/types';
import { pyRepr } from '../frameworks/read';
import type { CalcOutcome } from './result';
import { Md, md } from '../explain/markdown';

export const PORT_FRAMEWORKS: FrameworkId[] = ['pytorch', 'keras', 'flax_linen', 'flax_nnx'];

export interface PortRequest {
  /** Qualified name of the source layer, e.g. 'torch.nn.BatchNorm2d'. */
  layer: string;
  /** Its constructor arguments, in its framework's names. */
  kwargs: Record<string, PyValue>;
  to: FrameworkId;
  /** Input shape in the source's layout (sizes the target and Keras's build()). */
  inputShape: number[];
  /**
   * Values per channel in one training batch (N·H·W for BatchNorm2d), when known: only used to say how the stored
   * variance would read in the target's convention. Evaluation outputs match without any conversion.
   */
  countPerChannel?: number;
}

export interface TensorMove {
  role: keyof Omit<TensorNames, 'counter'>;
  from: string;
  to: string;
}

export interface PortPlan {
  /** The target's constructor as Python. */
  constructor: string;
  moves: TensorMove[];
  /** The target's own order of its weights (Keras get_weights()/set_weights(), Flax collections...). */
  targetOrder: string[];
  /** What happens to the running variance, in words. */
  variance: string | null;
  /** Python that builds the target `dst` from the source `src` (linen: `src_vars`), with the values moved. */
  snippet: string;
  notes: string[];
}

function names(spec: NormClassSpec): TensorNames {
  return { ...frameworkInfo(spec.framework)!.tensorNames, ...spec.tensorNames };
}

/** Which roles a built layer holds, from its effective arguments through the core spec. */
function rolesOf(spec: NormClassSpec, values: Record<string, PyValue>, shape: number[]): TensorMove['role'][] | { error: string } {
  const core = spec.toCore?.(values, shape.length, shape);
  if (!core) return { error: `${spec.id} cannot be computed, so it cannot be ported` };
  if ('error' in core) return { error: core.error };
  if (core.kind === 'local_response_norm') return [];
  // the layer must take an input of this shape (a port sized by another input would be wrong)
  const rank = shape.length;
  const at = (axis: number) => shape[((axis % rank) + rank) % rank];
  const dims = `[${shape.join(', ')}]`;
  // PyTorch's instance norms also take an unbatched (C, L...) input; every target reads a batch axis first
  if (core.kind === 'instance_norm' && core.batchedRank !== undefined && rank < core.batchedRank)
    return core.numFeatures !== null && shape[0] !== core.numFeatures
      ? {
          error: `inputShape ${dims}, an unbatched input of ${spec.name}, has its ${shape[0]} channels first, but ${spec.name} has ${core.numFeatures} features; give a batched input (N, ${core.numFeatures}, ...)`,
        }
      : {
          error: `inputShape ${dims} is an unbatched input of ${spec.name} (no batch axis); ports are made for batched inputs: give [1, ${shape.join(', ')}], the same layer on a batch of one`,
        };
  if (
    (core.kind === 'batch_norm' || (core.kind === 'instance_norm' && rank === (core.batchedRank ?? rank))) &&
    core.numFeatures !== null &&
    at(core.channelAxis) !== core.numFeatures
  )
    return { error: `inputShape ${dims} has ${at(core.channelAxis)} channels but ${spec.name} has ${core.numFeatures} features` };
  if (core.kind === 'group_norm' && at(core.channelAxis) !== core.numChannels)
    return { error: `inputShape ${dims} has ${at(core.channelAxis)} channels but ${spec.name} has ${core.numChannels}` };
  if (core.kind === 'layer_norm' || core.kind === 'rms_norm') {
    const ns = core.normalizedShape;
    if (ns.length > rank || ns.some((d, i) => shape[rank - ns.length + i] !== d))
      return { error: `inputShape ${dims} does not end in the normalized shape [${ns.join(', ')}] of ${spec.name}` };
  }
  const out: TensorMove['role'][] = [];
  if (core.hasWeight) out.push('weight');
  if (core.kind !== 'rms_norm' && core.hasBias) out.push('bias');
  if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.trackRunningStats) out.push('runningMean', 'runningVar');
  return out;
}

/** A tensor role in the field's words (PyTorch's names for what every framework holds). */
const ROLE_WORDS: Record<string, string> = { weight: 'weight', bias: 'bias', runningMean: 'running_mean', runningVar: 'running_var' };

/** Python reading one source tensor as a NumPy array. */
function getter(fw: FrameworkId, name: string, role: TensorMove['role']): string {
  switch (fw) {
    case 'pytorch':
      return `src.${name}.detach().cpu().numpy()`;
    case 'keras':
    case 'tf_keras':
      return `np.asarray(src.${name})`;
    case 'flax_linen':
      return `np.asarray(src_vars['${role === 'runningMean' || role === 'runningVar' ? 'batch_stats' : 'params'}']['${name}'])`;
    case 'flax_nnx':
      return `np.asarray(src.${name}.value)`;
    default:
      throw new Error(`no getter for ${fw}`);
  }
}

export function portLayer(req: PortRequest): PortPlan | { error: string } {
  const spec = findByQualifiedName(req.layer);
  if (!spec) return { error: `unknown layer "${req.layer}"` };
  if (!PORT_FRAMEWORKS.includes(spec.framework === 'tf_keras' ? 'keras' : spec.framework)) {
    return { error: `porting from ${frameworkInfo(spec.framework)!.name} is not supported (PyTorch, Keras, Flax linen and nnx are)` };
  }
  if (!PORT_FRAMEWORKS.includes(req.to)) return { error: `porting to ${req.to} is not supported (pytorch, keras, flax_linen, flax_nnx are)` };
  if (spec.form !== 'module') return { error: `${spec.id} is a function: it owns no weights to port` };
  const b = bindArguments(spec, [], { ...req.kwargs, ...(spec.framework === 'flax_nnx' && !('rngs' in req.kwargs) ? { rngs: { expr: 'rngs' } } : {}) });
  if (b.errors.length) return { error: bindingMessage(b.errors[0]) };
  const values: Record<string, PyValue> = {};
  for (const [k, e] of Object.entries(b.effective)) values[k] = e.value;
  // a source that cannot be built is refused as its framework refuses it, before any target is made
  // (torch.nn.GroupNorm(4, 6): "num_channels must be divisible by num_groups")
  const source = spec.toCore?.(values, req.inputShape.length, req.inputShape);
  if (source && 'error' in source && spec.kind === 'group_norm' && /divisible|multiple/.test(source.error)) return { error: source.error };
  // (an input of a rank the source refuses: the plan would be made for a shape the layer never sees)
  if (source && !('error' in source) && source.kind === 'batch_norm' && source.allowedRanks && !source.allowedRanks.includes(req.inputShape.length))
    return {
      error: `${spec.name} takes ${source.allowedRanks.map((r) => `${r}-D`).join(' or ')} input; inputShape [${req.inputShape.join(', ')}] is ${req.inputShape.length}-D`,
    };
  if (source && !('error' in source) && source.kind === 'group_norm') {
    try {
      checkGroupNormSpec(source);
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
  // (Keras's base-layer `trainable`, which its **kwargs takes: False puts a BatchNormalization in inference mode)
  const trainable = b.arguments.trainable;
  const t = translate(spec, trainable === undefined ? b.effective : { ...b.effective, trainable }, req.to, { inputShape: req.inputShape });
  if ('error' in t) return { error: t.error };
  const missing = t.spec.params.filter((q) => !('default' in q) && !q.tensor && !(q.name in t.args));
  if (missing.length) return { error: `${t.qualifiedName} needs ${missing.map((q) => q.name).join(', ')}, which the input shape does not give` };

  const srcRoles = rolesOf(spec, values, req.inputShape);
  if ('error' in srcRoles) return srcRoles;
  const tValues: Record<string, PyValue> = {};
  const tb = bindArguments(t.spec, [], t.args as Record<string, PyValue>);
  for (const [k, e] of Object.entries(tb.effective)) tValues[k] = e.value;
  const toLast = frameworkInfo(req.to)!.channels === 'last';
  const transposed = t.notes.some((n) => n.includes('transpose the input'));
  const tShape = transposed
    ? toLast
      ? [req.inputShape[0], ...req.inputShape.slice(2), req.inputShape[1]]
      : [req.inputShape[0], req.inputShape[req.inputShape.length - 1], ...req.inputShape.slice(1, -1)]
    : req.inputShape;
  const dstRoles = rolesOf(t.spec, tValues, tShape);
  if ('error' in dstRoles) return dstRoles;
  if (JSON.stringify(srcRoles) !== JSON.stringify(dstRoles)) {
    const said = (roles: readonly string[]) => roles.map((r) => ROLE_WORDS[r] ?? r).join(', ') || 'nothing';
    // (a BatchNorm without running statistics: the target's averages are never read when it is always called in training mode)
    const advice = t.notes.find((n) => n.includes('keeps no running statistics'));
    return {
      error: `${spec.name} holds ${said(srcRoles)} but ${t.spec.name} as written holds ${said(dstRoles)}${advice ? `: copy weight and bias, leave the averages as built; ${advice}` : ''}`,
    };
  }
  const sn = names(spec);
  const dn = names(t.spec);
  const moves: TensorMove[] = srcRoles.map((role) => ({ role, from: sn[role], to: dn[role] }));
  const notes = [...t.notes];

  // The running variance: copied unchanged, since every framework normalizes with the stored value in evaluation.
  let variance: string | null = null;
  if (srcRoles.includes('runningVar') && spec.storedVariance && t.spec.storedVariance && spec.storedVariance !== t.spec.storedVariance) {
    const n = req.countPerChannel;
    const factor = spec.storedVariance === 'unbiased' ? (n ? (n - 1) / n : null) : n ? n / (n - 1) : null;
    variance =
      `${sn.runningVar} is copied unchanged: in evaluation both normalize with the stored value, so outputs match. ` +
      `Training differs: ${frameworkInfo(spec.framework)!.name} adds the ${spec.storedVariance} batch variance to it, ${frameworkInfo(req.to)!.name} the ${t.spec.storedVariance} one` +
      (factor !== null
        ? `; with ${n} values per channel per batch, the same statistic in ${frameworkInfo(req.to)!.name}'s convention is ${sn.runningVar} × ${pyRepr(Math.round(factor * 1e12) / 1e12)}.`
        : '; the factor between them, (n−1)/n, needs the values per channel per batch (countPerChannel), which was not given.');
  }

  // The snippet.
  const get = (m: TensorMove) => getter(spec.framework, m.from, m.role);
  const lines: string[] = ['import numpy as np'];
  let targetOrder = moves.map((m) => m.to).filter((x) => x !== undefined);
  switch (req.to) {
    case 'pytorch':
      lines.push('import torch', `dst = ${t.code}`, 'with torch.no_grad():');
      for (const m of moves) lines.push(`    dst.${m.to}.copy_(torch.as_tensor(${get(m)}).reshape(dst.${m.to}.shape))`);
      if (moves.length === 0) lines.push('    pass');
      break;
    case 'keras':
    case 'tf_keras': {
      // Keras creates weights in build(): gamma, beta, then moving_mean, moving_variance (get_weights() order).
      lines.push('import keras', `dst = ${t.code}`, `dst.build(${pyRepr(tShape)})`);
      targetOrder = ['weight', 'bias', 'runningMean', 'runningVar'].filter((r) => moves.some((m) => m.role === r)).map((r) => dn[r as TensorMove['role']]);
      lines.push(
        `dst.set_weights([${targetOrder
          .map((n) => {
            const m = moves.find((x) => x.to === n)!;
            return `${get(m)}.reshape(dst.${n}.shape)`;
          })
          .join(', ')}])`,
      );
      break;
    }
    case 'flax_linen': {
      const params = moves.filter((m) => m.role === 'weight' || m.role === 'bias');
      const stats = moves.filter((m) => m.role === 'runningMean' || m.role === 'runningVar');
      lines.push('import flax.linen', 'import jax.numpy as jnp', `dst = ${t.code}`);
      // linen's variables are plain arrays with no module to read a shape from: a scale/offset over several dims is
      // reshaped to them here (a flat Flax nnx scale of prod(sizes) values, a Keras gamma over several axes...).
      const tCore = t.spec.toCore?.(tValues, tShape.length, tShape);
      const perPosition = tCore && !('error' in tCore) && (tCore.kind === 'layer_norm' || tCore.kind === 'rms_norm') ? tCore.normalizedShape : null;
      const reshape = (m: TensorMove) => (perPosition && (m.role === 'weight' || m.role === 'bias') ? `.reshape(${pyRepr(perPosition)})` : '');
      const dict = (ms: TensorMove[]) => `{${ms.map((m) => `'${m.to}': jnp.asarray(${get(m)}${reshape(m)})`).join(', ')}}`;
      lines.push(`dst_vars = {'params': ${dict(params)}${stats.length ? `, 'batch_stats': ${dict(stats)}` : ''}}`);
      targetOrder = [...params.map((m) => `params/${m.to}`), ...stats.map((m) => `batch_stats/${m.to}`)];
      break;
    }
    case 'flax_nnx':
      lines.push('import flax', 'import jax.numpy as jnp', `dst = ${t.code}`);
      for (const m of moves) lines.push(`dst.${m.to}.value = jnp.asarray(${get(m)}).reshape(dst.${m.to}.value.shape)`);
      break;
  }
  if (transposed)
    notes.push(
      `Feed ${t.spec.name} the input with the channel axis moved (${toLast ? 'channels first → last' : 'channels last → first'}); the per-channel tensors need no reordering.`,
    );
  return { constructor: t.code, moves, targetOrder, variance, snippet: lines.join('\n') + '\n', notes };
}

/** Module classes of the four frameworks that can be ported (for tests and the CLI's help). */
export function portableClasses(): NormClassSpec[] {
  return NORM_CLASSES.filter((c) => PORT_FRAMEWORKS.includes(c.framework) && c.form === 'module');
}

/** The plan rendered for the calculator: Markdown with the snippet, plain text, and the snippet to copy. */
export function portCalc(req: PortRequest): CalcOutcome<PortPlan> {
  const plan = portLayer(req);
  if ('error' in plan) return { ok: false, message: plan.error };
  const to = frameworkInfo(req.to)!.name;
  // the layer name is typed by the user: it enters Markdown only through the escaping builder
  const rows = plan.moves.map((m) => [Md.code(m.from), Md.code(m.to)]);
  const markdown = Md.join(
    [
      md`## ${Md.text(req.layer)} → ${Md.text(to)}`,
      Md.fence(plan.constructor),
      rows.length ? Md.table([Md.raw('source'), Md.raw('target')], rows) : Md.raw('No weights or statistics to move.'),
      md`Target order: ${
        plan.targetOrder.length
          ? Md.join(
              plan.targetOrder.map((n) => Md.code(n)),
              ', ',
            )
          : Md.raw('—')
      }`,
      ...(plan.variance ? [Md.text(plan.variance)] : []),
      ...(plan.notes.length
        ? [
            Md.join(
              plan.notes.map((n) => md`- ${Md.text(n)}`),
              '\n',
            ),
          ]
        : []),
      Md.raw('Snippet (the trained source layer as `src`; Flax linen: its variables as `src_vars`):'),
      Md.fence(plan.snippet.trimEnd()),
    ],
    '\n\n',
  );
  const text = [
    `${req.layer} → ${to}: ${plan.constructor}`,
    ...plan.moves.map((m) => `  ${m.from.padEnd(16)} → ${m.to}`),
    `  target order: ${plan.targetOrder.join(', ')}`,
    ...(plan.variance ? [`  ${plan.variance}`] : []),
    ...plan.notes.map((n) => `  ${n}`),
  ].join('\n');
  return { ok: true, value: plan, markdown, text, copyText: plan.snippet };
}
