/**
 * How many lines a piece of Markdown takes in VS Code's hover box: parsed by markdown-it (a real
 * CommonMark parser), each block's text wrapped at the box's width. VS Code's hover contents are
 * at most 500 px wide (`--vscode-hover-maxWidth`, workbench.css) in a 13 px font, about 70
 * characters of prose; 64 is used so that bold text and code spans, which run wider, still fit.
 */
import MarkdownIt from 'markdown-it';

const parser = new MarkdownIt();
export const HOVER_CHARS_PER_LINE = 64;

interface Token {
  type: string;
  content: string;
  children: Token[] | null;
}

/** Rendered lines of `markdown` at `width` characters a line (headings, paragraphs, list items, table rows, fence lines). */
export function renderedLines(markdown: string, width = HOVER_CHARS_PER_LINE): number {
  const tokens = parser.parse(markdown, {}) as Token[];
  let lines = 0;
  for (const t of tokens) {
    if (t.type === 'fence' || t.type === 'code_block') {
      lines += t.content.replace(/\n$/, '').split('\n').length;
    } else if (t.type === 'inline') {
      // Hard and soft breaks start new lines; every piece wraps at the width.
      let piece = 0;
      const pieces: number[] = [];
      for (const c of t.children ?? []) {
        if (c.type === 'hardbreak' || c.type === 'softbreak') {
          pieces.push(piece);
          piece = 0;
        } else if (c.type === 'text' || c.type === 'code_inline') piece += c.content.length;
      }
      pieces.push(piece);
      for (const p of pieces) lines += Math.max(1, Math.ceil(p / width));
    }
  }
  return lines;
}
