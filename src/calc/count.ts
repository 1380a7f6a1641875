/**
 * "Count parameters": learnable parameters, buffers and memory of a layer, from the layer under
 * the cursor or from a call typed in (e.g. `BatchNorm2d(64)`, `nn.LayerNorm([768])`,
 * `layers.BatchNormalization()`), recognized by the same recognizer as source files.
 */
import { frameworkCount } from '../frameworks/paramCount';
import type { FrameworkCount } from '../frameworks/paramCount';
import type { CoreLayerSpec } from '../core/spec';
import { allQualifiedNames, bindingMessage, findByQualifiedName } from '../frameworks/index';
import type { FrameworkId, PyValue } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import { recognize } from '../python/index';
import { checkDocument } from '../checks/index';
import { infoOf, layerCore } from '../explain/context';
import { bytesText, code, grouped, mdTable, shapeText, textTable } from '../explain/format';
import { Md, md } from '../explain/markdown';
import { visibleText } from '../core/visible';
import type { CalcOutcome } from './result';

export interface CountRequest {
  /** Bytes per float: 4 for float32, 2 for float16/bfloat16, 8 for float64. */
  dtypeBytes?: number;
  /** Input shape, for layers that size themselves from the input (Keras, Flax, lazy PyTorch layers). */
  inputShape?: number[];
}

export interface CountResult {
  layerName: string;
  framework: FrameworkId;
  call: string;
  parameters: number;
  buffers: number;
  bytes: number;
  dtypeBytes: number;
  detail: { name: string; shape: number[]; trainable: boolean; count: number }[];
}

const DTYPE_NAMES: Record<number, string> = { 2: 'float16/bfloat16', 4: 'float32', 8: 'float64' };

function valuesOf(layer: ResolvedLayer): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [k, e] of Object.entries(layer.effective)) out[k] = e.value;
  return out;
}

function callText(layer: ResolvedLayer): string {
  return `${layer.call.callee}(${layer.call.args.map((a) => (a.star ? `${a.star}${a.text}` : a.name ? `${a.name}=${a.text}` : a.text)).join(', ')})`;
}

export function countLayer(layer: ResolvedLayer, req: CountRequest = {}): CalcOutcome<CountResult> {
  const dtypeBytes = req.dtypeBytes ?? 4;
  if (!DTYPE_NAMES[dtypeBytes]) return { ok: false, message: `bytes per value must be 2, 4 or 8 (got ${dtypeBytes})` };
  const spec = layer.spec;
  if (spec.form === 'function') return { ok: false, message: `${spec.name} is a function: it owns no parameters or buffers (they are passed in)` };
  if (layer.bindingErrors.length) return { ok: false, message: bindingMessage(layer.bindingErrors[0]) };
  if (!spec.toCore) return { ok: false, message: `${spec.name} is not computed by NormLens` };
  const shape = req.inputShape;
  let core: CoreLayerSpec | { error: string };
  try {
    core = layerCore(layer, valuesOf(layer), shape?.length, shape);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  if ('error' in core) return { ok: false, message: core.error };
  // Layers that take their channel count from the input (lazy, Keras, Flax): read it from the shape.
  if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.numFeatures === null) {
    if (!shape) return { ok: false, message: `${spec.name} takes its channel count from the input: give the input shape` };
    const axis = core.channelAxis < 0 ? core.channelAxis + shape.length : core.channelAxis;
    if (axis < 0 || axis >= shape.length) return { ok: false, message: `the input shape ${shapeText(shape)} has no channel axis ${core.channelAxis}` };
    core = { ...core, numFeatures: shape[axis] };
  }
  let counted: FrameworkCount;
  try {
    counted = frameworkCount(core, spec.framework, dtypeBytes, spec.tensorNames);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const value: CountResult = { layerName: spec.name, framework: spec.framework, call: callText(layer), dtypeBytes, ...counted };
  return { ok: true, value, ...renderCount(value) };
}

export function renderCount(r: CountResult): { markdown: Md; text: string; copyText: string } {
  const rows = r.detail.map((d) => [
    Md.raw(d.name),
    d.shape.length ? shapeText(d.shape) : Md.raw('scalar'),
    grouped(d.count),
    Md.raw(d.trainable ? 'learnable' : 'buffer'),
  ]);
  const header = ['tensor', 'shape', 'values', 'kind'].map(Md.raw);
  const dtype = DTYPE_NAMES[r.dtypeBytes];
  const hasCounter = r.detail.some((d) => d.name === 'num_batches_tracked');
  const summary = `${grouped(r.parameters)} learnable parameters, ${grouped(r.buffers)} buffer values, ${bytesText(r.bytes)} in ${dtype}${hasCounter ? ' (num_batches_tracked is an int64: 8 bytes)' : ''}`;
  // The call is the user's text (typed, or from a hover link): a code span in Markdown, one visible line in text.
  const titleTail = `${infoOf(r.framework).name}${r.framework === 'pytorch' ? '' : ' (tensor names as in PyTorch)'}`;
  const title = `${visibleText(r.call, 'space')} · ${titleTail}`;
  const markdown = Md.join(
    [
      md`**${code(r.call)} · ${Md.raw(titleTail)}**`,
      Md.raw(''),
      rows.length ? mdTable(header, rows) : Md.raw('No parameters and no buffers.'),
      Md.raw(''),
      Md.raw(summary),
    ],
    '\n',
  );
  const text = [title, '', rows.length ? textTable(header, rows) : 'No parameters and no buffers.', '', summary].join('\n');
  return { markdown, text, copyText: JSON.stringify({ parameters: r.parameters, buffers: r.buffers, bytes: r.bytes }) };
}

/** How a typed alias prefix is imported, per framework family. */
const ALIASES: Record<string, string> = {
  torch: 'import torch',
  F: 'import torch.nn.functional as F',
  keras: 'import keras',
  layers: 'from keras import layers',
  tf: 'import tensorflow as tf',
  hk: 'import haiku as hk',
  nnx: 'from flax import nnx',
  flax: 'import flax',
  linen: 'import flax.linen as linen',
  jax: 'import jax',
  mx: 'import mlx.core as mx',
  mlx: 'import mlx',
  paddle: 'import paddle',
};

/** `nn` means a different module in each framework; the preferred one decides. */
const NN_MODULE: Partial<Record<FrameworkId, string>> = {
  pytorch: 'torch.nn',
  flax_linen: 'flax.linen',
  mlx: 'mlx.nn',
  paddle: 'paddle.nn',
};

/** The import lines that make a typed call resolvable, or a message. */
export function preludeFor(callee: string, preferred: FrameworkId = 'pytorch'): string | { error: string } {
  const parts = callee.split('.');
  if (parts.length === 1) {
    const name = parts[0];
    const candidates = allQualifiedNames().filter((q) => q.endsWith(`.${name}`));
    if (candidates.length === 0) return { error: `'${name}' is not a normalization layer NormLens knows` };
    const pick = candidates.find((q) => findByQualifiedName(q)?.framework === preferred) ?? candidates[0];
    return `from ${pick.slice(0, pick.length - name.length - 1)} import ${name}`;
  }
  const head = parts[0];
  if (head === 'nn') return `import ${NN_MODULE[preferred] ?? 'torch.nn'} as nn`;
  return ALIASES[head] ?? `import ${head}`;
}

/** The program a typed call is read as (its imports, then the call on line 1), or a message. */
function typedProgram(text: string, preferred: FrameworkId): { program: string; callee: string } | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'type a layer, e.g. BatchNorm2d(64) or nn.LayerNorm([768])' };
  const m = /^([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*(\(?)/.exec(t);
  if (!m) return { error: `'${t}' does not start with a layer name` };
  const callee = m[1].replace(/\s+/g, '');
  const source = m[2] ? t : `${t}()`;
  const prelude = preludeFor(callee, preferred);
  if (typeof prelude !== 'string') return prelude;
  return { program: `${prelude}\n${source}\n`, callee };
}

/** Recognizes a call typed by a person, e.g. `BatchNorm2d(64)` or `nn.LayerNorm([768], eps=1e-6)`. */
export function recognizeTyped(text: string, preferred: FrameworkId = 'pytorch'): ResolvedLayer | { error: string } {
  const p = typedProgram(text, preferred);
  if ('error' in p) return p;
  const found = recognize(p.program).filter((l) => l.call.range.start.line >= 1);
  if (found.length === 0) return { error: `'${p.callee}' is not a normalization layer NormLens knows` };
  const layer = found[0];
  if (!layer.call.complete) return { error: "the call is not closed: a ')' is missing" };
  return layer;
}

/**
 * What is wrong with a typed layer, checked as it is typed, or null: not a layer NormLens knows,
 * arguments that do not bind, names whose value is needed (`BatchNorm2d(planes)`: type the
 * number), and what the framework itself refuses to build (the rules' errors, e.g. GroupNorm(32,
 * 100): 100 channels do not split into 32 groups).
 */
export function typedLayerProblem(text: string, preferred: FrameworkId = 'pytorch'): string | null {
  const p = typedProgram(text, preferred);
  if ('error' in p) return p.error;
  const layer = recognizeTyped(text, preferred);
  if ('error' in layer) return layer.error;
  if (layer.bindingErrors.length) return bindingMessage(layer.bindingErrors[0]);
  if (layer.spec.form === 'function') return null;
  // Tensors passed in (weights, running statistics) are names by nature; sizes and settings need values.
  const settings = Object.entries(layer.arguments).filter(([k]) => !layer.spec.params.find((q) => q.name === k)?.tensor);
  const exprs = settings.filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v));
  const listExpr = settings.filter(([, v]) => Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null));
  const named = [...exprs, ...listExpr].map(
    ([k, v]) => `${k}=${visibleText(typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { expr: string }).expr : JSON.stringify(v))}`,
  );
  if (named.length) return `${named.join(', ')}: a name or expression has a value only when the code runs; type the number (e.g. ${layer.spec.name}(64))`;
  const refused = checkDocument(p.program).find((d) => d.severity === 'error' && d.range.start.line >= 1);
  if (refused) return `${infoOf(layer.spec.framework).name} refuses to build it: ${refused.message}`;
  return null;
}

export function countTyped(text: string, preferred: FrameworkId = 'pytorch', req: CountRequest = {}): CalcOutcome<CountResult> {
  const problem = typedLayerProblem(text, preferred);
  if (problem) return { ok: false, message: problem };
  const layer = recognizeTyped(text, preferred);
  if ('error' in layer) return { ok: false, message: layer.error };
  return countLayer(layer, req);
}
