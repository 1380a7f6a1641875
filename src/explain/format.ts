/** Formatting shared by hovers and calculators: numbers, Markdown tables (Python values: frameworks/read's pyRepr). */
import { pyFloat as pyFloatText } from '../frameworks/read';
import { Md } from './markdown';

/** A number with a fixed count of decimals; never prints "-0.000". Large or tiny values use exponents. */
export function fixed(x: number, decimals: number): Md {
  return Md.raw(fixedText(x, decimals));
}

function fixedText(x: number, decimals: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const ax = Math.abs(x);
  if (ax !== 0 && (ax >= 1e7 || ax < Math.pow(10, -decimals) / 2)) return x.toExponential(Math.max(decimals - 1, 1));
  const s = x.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A float as Python's repr writes it: 0.1, 1e-05, 1.1920928955078125e-07, 64. */
export function pyFloat(x: number): Md {
  return Md.raw(pyFloatText(x));
}

/** Inline code span of user (or our) text; see src/explain/markdown.ts. */
export const code = (text: string): Md => Md.code(text);

/** User text as Markdown text (escaped); see src/explain/markdown.ts. */
export const escapeMd = (text: string): Md => Md.text(text);

/** Text whose backtick-quoted parts are code (the checks' notes): code spans for those, escaped text for the rest. */
export const codeMarked = (text: string): Md => Md.join(text.split('`').map((part, i) => (i % 2 ? Md.code(part) : Md.text(part))));

export const mdTable = (header: readonly Md[], rows: readonly (readonly Md[])[]): Md => Md.table(header, rows);

/** A plain-text table with aligned columns (for copying and for terminals). */
export function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => all.reduce((w, r) => Math.max(w, (r[i] ?? '').length), 0));
  return all
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function shapeText(shape: readonly number[]): Md {
  return Md.raw(`(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
}

/** Nested-array text of row-major values, e.g. [[1.0000, 2.0000], [3.0000, 4.0000]]. */
export function nestedText(values: ArrayLike<number>, shape: readonly number[], decimals: number | null): Md {
  const f = (x: number) => (decimals === null ? pyFloatText(x) : fixedText(x, decimals));
  if (shape.length === 0) return Md.raw(f(values[0]));
  let offset = 0;
  const walk = (d: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < shape[d]; i++) parts.push(d === shape.length - 1 ? f(values[offset++]) : walk(d + 1));
    return `[${parts.join(', ')}]`;
  };
  return Md.raw(walk(0));
}

/** 1234567 → "1,234,567" (toLocaleString is much slower and locale-dependent). */
export function grouped(n: number): Md {
  return Md.raw(String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
}

/** `word`: NormLens's own wording, never user text. */
export function plural(n: number, word: string, pluralWord = `${word}s`): Md {
  return Md.raw(`${grouped(n)} ${n === 1 ? word : pluralWord}`);
}

export function bytesText(bytes: number): Md {
  if (bytes < 1024) return Md.raw(`${bytes} B`);
  if (bytes < 1024 * 1024) return Md.raw(`${(bytes / 1024).toFixed(1)} KiB (${grouped(bytes)} B)`);
  return Md.raw(`${(bytes / 1024 / 1024).toFixed(2)} MiB (${grouped(bytes)} B)`);
}
