/**
 * `normlens port`: one JSON request in (a layer in its framework's terms, the target framework, the input shape),
 * one JSON plan out: the target's constructor, which tensor goes where, the target's weight order, what happens to
 * the running variance, and a Python snippet that moves the values (see src/calc/port.ts). Errors exit with code 2
 * and {"error": {"type": "InputError", "message"}}.
 */
import { PORT_FRAMEWORKS, portLayer } from '../calc/port';
import type { FrameworkId, PyValue } from '../frameworks/types';
import { jsonErrorOffset } from './compute';

export interface PortAnswer {
  code: number;
  output: string;
}

const KEYS = ['layer', 'kwargs', 'to', 'inputShape', 'countPerChannel'];

class PortRequestError extends Error {}
const bad = (message: string): never => {
  throw new PortRequestError(message);
};

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lists nested deeper than this in an argument are refused (no layer argument is; as compute does). */
const MAX_KWARGS_DEPTH = 32;

function pyValue(v: unknown, where: string, depth = 0): PyValue {
  // (JSON reads 1e999 as infinity: a snippet writing `inf` would not run, and no framework takes it)
  if (typeof v === 'number' && !Number.isFinite(v)) return bad(`${where} is not a finite number`);
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (depth >= MAX_KWARGS_DEPTH) return bad(`${where.split('[')[0]} is nested more than ${MAX_KWARGS_DEPTH} lists deep; no layer argument is`);
    return v.map((e, i) => pyValue(e, `${where}[${i}]`, depth + 1));
  }
  return bad(`${where} must be a number, string, boolean, null or a list, not an object`);
}

/** Answer one request given as JSON text. Never throws. */
export function port(text: string): PortAnswer {
  try {
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      const at = jsonErrorOffset(text);
      return bad(`invalid JSON${text.trim() === '' ? ': the request is empty' : at >= 0 ? ` at offset ${at}` : ''}`);
    }
    if (!plainObject(req)) return bad('the request must be a JSON object with "layer", "to" and "inputShape"');
    for (const k of Object.keys(req)) if (!KEYS.includes(k)) bad(`unknown request field "${k}" (expected ${KEYS.map((x) => `"${x}"`).join(', ')})`);
    if (typeof req.layer !== 'string') bad('"layer" must be a qualified name such as "torch.nn.BatchNorm2d"');
    if (typeof req.to !== 'string' || !PORT_FRAMEWORKS.includes(req.to as FrameworkId))
      bad(`"to" must be one of ${PORT_FRAMEWORKS.map((f) => `"${f}"`).join(', ')}`);
    const kwargsIn = req.kwargs ?? {};
    if (!plainObject(kwargsIn)) bad('"kwargs" must be an object of argument names to values');
    const kwargs: Record<string, PyValue> = {};
    for (const [k, v] of Object.entries(kwargsIn as Record<string, unknown>)) kwargs[k] = pyValue(v, `kwargs.${k}`);
    const shape = req.inputShape;
    if (!Array.isArray(shape) || shape.length < 2 || shape.length > 6 || !shape.every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 20)) {
      bad('"inputShape" must be a list of 2 to 6 positive integers, in the source layer\'s layout');
    }
    const n = req.countPerChannel;
    if (n !== undefined && n !== null && (!Number.isInteger(n) || (n as number) < 2))
      bad('"countPerChannel" must be an integer of at least 2 (values per channel in one training batch)');
    const plan = portLayer({
      layer: req.layer as string,
      kwargs,
      to: req.to as FrameworkId,
      inputShape: shape as number[],
      countPerChannel: (n as number | undefined) ?? undefined,
    });
    if ('error' in plan) return bad(plan.error);
    return { code: 0, output: JSON.stringify(plan) + '\n' };
  } catch (e) {
    const message = e instanceof PortRequestError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    return { code: 2, output: JSON.stringify({ error: { type: 'InputError', message } }) + '\n' };
  }
}

export const PORT_USAGE = `Usage: normlens port < request.json

Reads one JSON request on stdin and writes the porting plan on stdout:
  {"layer": "torch.nn.BatchNorm2d", "kwargs": {"num_features": 64}, "to": "keras",
   "inputShape": [32, 64, 28, 28], "countPerChannel": 25088}
"to" is one of ${PORT_FRAMEWORKS.join(', ')}; "inputShape" is in the source layer's layout and sizes the
target (Keras build(), PyTorch num_features/normalized_shape, Flax nnx num_features). "countPerChannel"
(optional: values per channel in one training batch) states the stored variance in the target's
convention. The answer: {"constructor", "moves": [{"role", "from", "to"}], "targetOrder" (Keras
get_weights() order, Flax collections), "variance", "snippet", "notes"}. The snippet expects the trained
source layer as \`src\` (Flax linen: its variables as \`src_vars\`) and leaves the target in \`dst\` (Flax
linen: \`dst_vars\`); evaluation outputs then match (checked in the real frameworks by the tests).
Errors exit with code 2 and {"error": {"type": "InputError", "message": ...}}.
`;
