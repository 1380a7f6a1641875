/**
 * "Convert momentum": the same running-average speed written in another framework's convention,
 * with the averaging window it implies.
 */
import { convertMomentum, averagingWindow } from '../core/index';
import { frameworkInfo } from '../frameworks/index';
import type { FrameworkId } from '../frameworks/types';
import type { MomentumConvention } from '../core/conversions';
import { code, fixed, mdTable, pyFloat, textTable } from '../explain/format';
import { Md, md } from '../explain/markdown';
import type { CalcOutcome } from './result';
import { newBatchWeight } from '../core/conversions';
import { roundShort, updateEquation } from '../explain/convention';

/** Validation for a momentum field: a number in [0, 1]. `allowNone` accepts PyTorch's None. */
export function validateMomentum(text: string, allowNone = false): string | null {
  const t = text.trim();
  if (t === '') return 'enter a momentum between 0 and 1';
  if (allowNone && t === 'None') return null;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return `momentum: '${t}' is not a number${allowNone ? ' (or None)' : ''}`;
  const x = Number(t);
  if (x < 0 || x > 1) return `momentum must be between 0 and 1 (got ${t})`;
  return null;
}

export interface MomentumConversion {
  from: FrameworkId;
  to: FrameworkId;
  value: number | null;
  converted: number | null;
  fromConvention: MomentumConvention;
  toConvention: MomentumConvention;
  /** Weight of the newest batch (null for a cumulative average). */
  newWeight: number | null;
  halfLife: number | null;
  effectiveSamples: number | null;
  note: string | null;
}

export function convertMomentumBetween(value: number | null, from: FrameworkId, to: FrameworkId): CalcOutcome<MomentumConversion> {
  const fi = frameworkInfo(from);
  const ti = frameworkInfo(to);
  if (!fi) return { ok: false, message: `unknown framework ${from}` };
  if (!ti) return { ok: false, message: `unknown framework ${to}` };
  if (!fi.momentumConvention) return { ok: false, message: `${fi.name} has no running statistics, so no momentum` };
  if (!ti.momentumConvention) return { ok: false, message: `${ti.name} has no running statistics, so no momentum` };
  if (value !== null && !(value >= 0 && value <= 1)) return { ok: false, message: `momentum must be between 0 and 1 (got ${value})` };
  let converted: number | null = null;
  let note: string | null = null;
  let newWeight: number | null = null;
  let halfLife: number | null = null;
  let effectiveSamples: number | null = null;
  if (value === null) {
    if (fi.momentumConvention !== 'new-weight') return { ok: false, message: `None is not a momentum in ${fi.name}` };
    note =
      `momentum=None is a cumulative average: every batch so far weighs the same (1/t at step t). ${ti.momentumConvention === 'new-weight' && from === to ? '' : `${ti.name} has no equivalent constant; a momentum close to ${ti.momentumConvention === 'new-weight' ? '0' : '1'} comes nearest for long runs.`}`.trim();
  } else {
    converted = roundShort(convertMomentum(value, fi.momentumConvention, ti.momentumConvention));
    newWeight = newBatchWeight(value, fi.momentumConvention);
    const w = averagingWindow(newWeight);
    halfLife = w.halfLife;
    effectiveSamples = w.effectiveSamples;
    if (fi.momentumConvention === 'decay-debiased' || ti.momentumConvention === 'decay-debiased') {
      note = 'Haiku divides its moving average by (1 − decay^t), so early estimates are not pulled towards the zero start; the steady-state speed is the same.';
    }
  }
  const value_: MomentumConversion = {
    from,
    to,
    value,
    converted,
    fromConvention: fi.momentumConvention,
    toConvention: ti.momentumConvention,
    newWeight,
    halfLife,
    effectiveSamples,
    note,
  };
  return { ok: true, value: value_, ...renderConversion(value_) };
}

function windowText(c: MomentumConversion): string {
  if (c.newWeight === null) return 'cumulative average of all batches';
  if (c.newWeight === 0) return 'never updated (the first value is kept forever)';
  if (c.newWeight === 1) return 'only the last batch (no averaging)';
  return `each batch weighs ${pyFloat(roundShort(c.newWeight))}; an old batch's weight halves every ${fixed(c.halfLife!, 1)} batches; about the last ${fixed(c.effectiveSamples!, 1)} batches count`;
}

export function renderConversion(c: MomentumConversion): { markdown: Md; text: string; copyText: string } {
  const fi = frameworkInfo(c.from)!;
  const ti = frameworkInfo(c.to)!;
  const src = c.value === null ? 'None' : pyFloat(c.value);
  const dst = c.converted === null ? '—' : pyFloat(c.converted);
  const rows = [
    [fi.name, src, c.value === null ? 'cumulative average' : updateEquation(c.value, c.fromConvention)],
    [ti.name, dst, c.converted === null ? '—' : updateEquation(c.converted, c.toConvention)],
  ];
  const head = `${fi.name} momentum ${src} = ${ti.name} momentum ${dst}`;
  const window = `Averaging window: ${windowText(c)}.`;
  const out = [
    md`**${Md.raw(head)}**`,
    Md.raw(''),
    mdTable(
      ['framework', 'momentum', 'update'].map(Md.raw),
      rows.map((r) => [Md.raw(r[0]), code(r[1]), code(r[2])]),
    ),
    Md.raw(''),
    Md.raw(window),
  ];
  if (c.note) out.push(Md.raw(''), Md.raw(c.note));
  const text = [head, '', textTable(['framework', 'momentum', 'update'], rows), '', window, ...(c.note ? ['', c.note] : [])];
  return { markdown: Md.join(out, '\n'), text: text.join('\n'), copyText: dst };
}
