import type { Md } from '../explain/markdown';

/** What every calculator returns: structured data plus a readable and a copyable rendering. */
export interface Rendered {
  /** For a Markdown view (hover-like, headings and tables). */
  markdown: Md;
  /** Plain text with aligned columns, for an output channel or terminal. */
  text: string;
  /** What a "Copy" button puts on the clipboard (full precision where numbers matter). */
  copyText: string;
}

export type CalcOutcome<T> = ({ ok: true; value: T } & Rendered) | { ok: false; message: string };
