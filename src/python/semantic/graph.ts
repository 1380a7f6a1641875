/**
 * Modules of one project seen together, so that `from .norms import ChannelLayerNorm` (or, in
 * a folder of scripts, `from norms import ChannelLayerNorm`) resolves to the class written in
 * the sibling file. Files are read through a synchronous `read(path)` the caller supplies (the
 * CLI reads the disk; the extension preloads through `workspace.fs`), so this stays free of
 * Node and editor APIs. Bounded: at most `maxFiles` other files per analysis, import cycles
 * answer "unknown".
 *
 * Paths are '/'-separated.
 */
import { ModuleModel, type ImportHost } from './model';
import { parsePython } from './syntax';
import type { VSet } from './values';

export interface ProjectFiles {
  /** Text of a file, or undefined when it does not exist or cannot be read. */
  read(path: string): string | undefined;
}

/** Levels of imports followed from the analyzed file (its imports are level 1). */
const MAX_IMPORT_DEPTH = 3;

const dirname = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) || '/' : '.');
const join = (a: string, b: string) => (a === '.' ? b : a.endsWith('/') ? a + b : a + '/' + b);

/** The dotted name of a file's module and the folder its top package sits in. */
export function moduleNameOf(path: string, files: ProjectFiles): { name: string; root: string; isPackage: boolean } {
  const file = path.slice(path.lastIndexOf('/') + 1);
  const stem = file.replace(/\.py$/, '');
  const isPackage = stem === '__init__';
  const parts: string[] = isPackage ? [] : [stem];
  let dir = dirname(path);
  for (let i = 0; i < 64 && files.read(join(dir, '__init__.py')) !== undefined; i++) {
    parts.unshift(dir.slice(dir.lastIndexOf('/') + 1));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { name: parts.join('.'), root: dir, isPackage };
}

export class ProjectGraph {
  private models = new Map<string, ModuleModel | null>();
  private loaded = 0;

  constructor(
    private readonly files: ProjectFiles,
    private readonly maxFiles = 64,
    /** How a file's path is shown in explanations (e.g. relative to the working folder). */
    readonly display: (path: string) => string = (p) => p,
  ) {}

  private pathOfModel = new WeakMap<ModuleModel, string>();

  /** The path of a model this graph built. */
  pathOf(model: ModuleModel): string | undefined {
    return this.pathOfModel.get(model);
  }

  /** The model of a file (built if needed, as an import of the analyzed file is); undefined when absent, in a cycle or past the bound. */
  modelOf(path: string): ModuleModel | undefined {
    return this.model(path, 1) ?? undefined;
  }

  /** Files this graph has read (for invalidation by the caller). */
  paths(): string[] {
    return [...this.models.keys()];
  }

  /** Forget a file (it changed on disk or in an editor). */
  invalidate(path: string): void {
    if (this.models.has(path)) this.models.clear();
  }

  /**
   * The import host for a file at `path`. Modules it loads get hosts one level deeper, and past
   * MAX_IMPORT_DEPTH levels none: a re-export through a package `__init__` and the module that
   * defines a class are reached, a library's whole import graph is not.
   */
  hostFor(path: string, depth = 0): ImportHost {
    const me = moduleNameOf(path, this.files);
    return {
      lookup: (module: string, name: string): { values: VSet; model: ModuleModel } | undefined => {
        for (const p of this.candidates(module, path, me.root)) {
          const model = this.model(p, depth + 1);
          if (model === undefined) continue;
          if (model === null) return undefined; // a cycle: say nothing
          const values = model.exported(name);
          if (values) return { values, model };
          return undefined;
        }
        return undefined;
      },
    };
  }

  /** Where a dotted module may be written: under the package root, or beside the importing file. */
  private candidates(module: string, from: string, root: string): string[] {
    const relative = module.startsWith('.');
    const rel = (relative ? module.slice(1) : module).split('.').filter(Boolean).join('/');
    if (!rel) return [];
    const bases = relative ? [root] : [root, dirname(from), ...namespaceBases(rel, from)];
    const out: string[] = [];
    for (const b of bases) out.push(join(b, rel + '.py'), join(join(b, rel), '__init__.py'));
    return out.filter((p) => p !== from);
  }

  /** The model of a file: undefined when absent, null while being built (cycle) or past the bound. */
  private model(path: string, depth: number): ModuleModel | null | undefined {
    if (this.models.has(path)) return this.models.get(path);
    const text = this.files.read(path);
    if (text === undefined) return undefined;
    if (this.loaded >= this.maxFiles) return null;
    this.loaded++;
    this.models.set(path, null);
    const me = moduleNameOf(path, this.files);
    const host = depth < MAX_IMPORT_DEPTH ? this.hostFor(path, depth) : undefined;
    const model = new ModuleModel(text, parsePython(text), host, me.name, me.isPackage, this.display(path));
    this.models.set(path, model);
    this.pathOfModel.set(model, path);
    return model;
  }
}

/**
 * Folders an absolute import may also start from: above a folder of the importing file's path
 * that has the import's first name (`timm.layers` from `.../timm/models/vit.py` → `.../`), as
 * Python finds namespace packages (folders without `__init__.py`, PEP 420) on its path.
 */
function namespaceBases(rel: string, from: string): string[] {
  const head = rel.split('/')[0];
  const out: string[] = [];
  let dir = dirname(from);
  for (let i = 0; i < 64; i++) {
    const up = dirname(dir);
    if (dir.slice(dir.lastIndexOf('/') + 1) === head) out.push(up);
    if (up === dir || dir === '.' || dir === '/') break;
    dir = up;
  }
  return out;
}

/** Relative and sibling imports of a text, as written (`.norms`, `..layers.norm`, `norms`): what to preload. */
export function importedModules(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import\b/gm)) if (m[1]) out.add(m[1]);
  for (const m of text.matchAll(/^[ \t]*import[ \t]+([\w.]+)/gm)) out.add(m[1]);
  return [...out];
}

/** Paths a written import may be read from, for preloading (same rules as the graph). */
export function preloadPaths(written: string, from: string, files: ProjectFiles): string[] {
  const me = moduleNameOf(from, files);
  const dots = /^\.*/.exec(written)![0].length;
  const rest = written.slice(dots).split('.').filter(Boolean);
  let bases: string[];
  if (dots > 0) {
    let dir = dirname(from);
    for (let i = 1; i < dots; i++) dir = dirname(dir);
    bases = [dir];
  } else bases = [me.root, dirname(from), ...namespaceBases(rest.join('/'), from)];
  const out: string[] = [];
  for (const b of bases) {
    for (let k = 1; k <= rest.length; k++) {
      const p = rest.slice(0, k).join('/');
      if (p) out.push(join(b, p + '.py'), join(join(b, p), '__init__.py'));
    }
    if (rest.length === 0) out.push(join(b, '__init__.py'));
  }
  return [...new Set(out)];
}
