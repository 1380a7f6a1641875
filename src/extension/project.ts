/**
 * Other Python files of the workspace, for names a file imports from its siblings
 * (`from .norms import ChannelLayerNorm`). They are read through `workspace.fs` (never Node's
 * `fs`, so this works in a web extension host such as vscode.dev), preloaded asynchronously
 * before the semantic model asks for them synchronously, bounded (MAX_FILES per project, a few
 * import levels deep), and forgotten when one of them changes.
 */
import type * as vscode from 'vscode';
import {
  importedModules,
  mayPatch,
  moduleNameOf,
  preloadPaths,
  ProjectGraph,
  SeedExchange,
  seedsByTarget,
  type ProjectFiles,
  type Seed,
  type SemanticOptions,
} from '../python/index';
import { readWorkspaceFile, textDocuments } from './vscodeapi';

/** Most files read for one workspace's imports. */
const MAX_FILES = 256;
/** Import levels followed from an open file. */
const MAX_DEPTH = 3;
/** Open files whose calls into a document are bound into its parameters (the project-level fixed point, one round). */
const MAX_CALLERS = 16;
/** Largest file read (bytes). */
const MAX_BYTES = 4 * 1024 * 1024;

/** A sibling file as hovers name it: its folder and name (`indirect/norms.py`), not the whole path. */
const shownPath = (path: string) => path.split('/').slice(-2).join('/');

export class WorkspaceProject {
  /** File text by path (undefined: looked for, not there). */
  private readonly cache = new Map<string, string | undefined>();
  private graph: ProjectGraph;
  private readonly files: ProjectFiles;

  constructor(private readonly uriFor: (doc: vscode.TextDocument, path: string) => vscode.Uri) {
    // an open editor's text wins over what is on disk
    this.files = {
      read: (path) => {
        for (const d of textDocuments()) if (d.uri.path === path && d.languageId === 'python') return d.getText();
        return this.cache.get(path);
      },
    };
    this.graph = this.newGraph();
  }

  /**
   * A graph of the files read so far. A file among them that may replace a framework class
   * (`nn.GroupNorm = partial(...)`) counts for every file: a patch is process-wide.
   */
  private newGraph(): ProjectGraph {
    const patchers = () => {
      const out: string[] = [];
      for (const [path, text] of this.cache) if (text !== undefined && mayPatch(text)) out.push(path);
      for (const d of textDocuments()) if (d.languageId === 'python' && !this.cache.has(d.uri.path) && mayPatch(d.getText())) out.push(d.uri.path);
      return out;
    };
    return new ProjectGraph(this.files, MAX_FILES, shownPath, patchers);
  }

  /** Semantic options for a document (cross-file names resolve through what has been preloaded). */
  options(doc: vscode.TextDocument): SemanticOptions {
    const path = doc.uri.path;
    const me = moduleNameOf(path, this.files);
    const exchange = new SeedExchange(this.graph, path, shownPath(path), this.seedsFor(path));
    return { host: this.graph.hostFor(path), moduleName: me.name, isPackage: me.isPackage, exchange };
  }

  /**
   * What the other open Python files that import a document pass to its functions and classes
   * (`Mlp(norm_layer=partial(LayerNorm, eps=1e-6))` in an open vit.py, for mlp.py): one round of
   * the fixed point `normlens inspect` solves over a folder, within the files the editor holds.
   */
  private seedsFor(path: string): Seed[] {
    const seeds: Seed[] = [];
    let callers = 0;
    for (const d of textDocuments()) {
      if (callers >= MAX_CALLERS) break;
      const from = d.uri.path;
      if (d.languageId !== 'python' || from === path) continue;
      const imports = importedModules(d.getText()).flatMap((w) => preloadPaths(w, from, this.files));
      if (!imports.includes(path)) continue;
      callers++;
      const model = this.graph.modelOf(from);
      if (!model) continue;
      const exchange = new SeedExchange(this.graph, from, shownPath(from));
      exchange.collect(model);
      seeds.push(...exchange.outgoing.filter((s) => s.target.path === path));
    }
    return seedsByTarget([seeds]).get(path) ?? [];
  }

  /**
   * Reads the files a document's imports may name, and the `__init__.py` files above them;
   * resolves to true when something new was read (the document's analysis should be redone).
   */
  async preload(doc: vscode.TextDocument): Promise<boolean> {
    let fresh = false;
    const load = async (path: string): Promise<string | undefined> => {
      if (this.cache.has(path)) return this.cache.get(path);
      if (this.cache.size >= MAX_FILES) return undefined;
      const bytes = await readWorkspaceFile(this.uriFor(doc, path));
      const text = bytes && bytes.length <= MAX_BYTES ? new TextDecoder('utf-8').decode(bytes) : undefined;
      this.cache.set(path, text);
      if (text !== undefined) fresh = true;
      return text;
    };
    const packagesAbove = async (path: string) => {
      let dir = path.slice(0, path.lastIndexOf('/'));
      for (let i = 0; i < 8 && dir; i++) {
        if ((await load(`${dir}/__init__.py`)) === undefined) break;
        dir = dir.slice(0, dir.lastIndexOf('/'));
      }
    };
    let frontier: { path: string; text: string }[] = [{ path: doc.uri.path, text: doc.getText() }];
    await packagesAbove(doc.uri.path);
    for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
      const next: { path: string; text: string }[] = [];
      for (const f of frontier) {
        for (const written of importedModules(f.text)) {
          for (const p of preloadPaths(written, f.path, this.files)) {
            const known = this.cache.has(p);
            const text = await load(p);
            if (text !== undefined && !known) {
              await packagesAbove(p);
              next.push({ path: p, text });
            }
          }
        }
      }
      frontier = next;
    }
    if (fresh) this.graph = this.newGraph();
    return fresh;
  }

  /** A file changed (edited or saved): its text and every model built from it are forgotten. */
  changed(path: string): boolean {
    const known = this.cache.has(path) || this.graph.paths().includes(path);
    if (!known) return false;
    this.cache.delete(path);
    this.graph = this.newGraph();
    return true;
  }
}
