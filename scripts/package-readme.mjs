#!/usr/bin/env node
// Writes dist/README.md, the README packaged into the .vsix (VS Code's details page of the
// installed extension): README.md without its `<!-- vsix:omit -->` … `<!-- /vsix:omit -->` blocks.
// Left out are the screenshots (the details page drops images with relative sources, and the
// extension has no web address to point them at; `npm run test:e2e` checks the page) and what
// only a source checkout has: the command line and the build.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OPEN = /^<!-- vsix:omit\b.*-->$/;
const CLOSE = /^<!-- \/vsix:omit -->$/;

/** README text without the omitted blocks; throws on unbalanced markers. */
export function packageReadme(text) {
  const out = [];
  let open = 0;
  text.split('\n').forEach((line, i) => {
    if (OPEN.test(line.trim())) {
      if (open) throw new Error(`README.md:${i + 1}: vsix:omit inside another vsix:omit block`);
      open = i + 1;
    } else if (CLOSE.test(line.trim())) {
      if (!open) throw new Error(`README.md:${i + 1}: /vsix:omit without a vsix:omit before it`);
      open = 0;
    } else if (!open) {
      out.push(line);
    }
  });
  if (open) throw new Error(`README.md:${open}: vsix:omit block is never closed`);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'dist', 'README.md'), packageReadme(readFileSync(path.join(root, 'README.md'), 'utf8')));
  } catch (err) {
    console.error(`package-readme: ${err.message}`);
    process.exit(1);
  }
}
