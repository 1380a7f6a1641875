// The links and images of a Markdown document, and the file a relative one names. VS Code's
// details page of an installed extension resolves README's relative links and images inside the
// extension's folder (the package is built with --no-rewrite-relative-links: there is no
// repository to point them at), so each relative target must be a file the .vsix holds.
import MarkdownIt from 'markdown-it';

export interface MarkdownTarget {
  kind: 'link' | 'image';
  target: string;
}

/** Link targets and image sources of a Markdown document, in document order (as markdown-it parses them). */
export function markdownTargets(markdown: string): MarkdownTarget[] {
  const found: MarkdownTarget[] = [];
  type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'link_open') found.push({ kind: 'link', target: String(t.attrGet('href') ?? '') });
      if (t.type === 'image') found.push({ kind: 'image', target: String(t.attrGet('src') ?? '') });
      if (t.children) walk(t.children);
    }
  };
  walk(new MarkdownIt().parse(markdown, {}));
  return found;
}

/**
 * The path, relative to the document's folder and with `/` separators, that a relative target
 * names (query and fragment dropped, percent-escapes decoded); undefined for URLs with a scheme,
 * protocol-relative URLs and in-page anchors.
 */
export function relativeTargetPath(target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) return undefined;
  return decodeURI(target.replace(/[?#].*$/, ''))
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}
