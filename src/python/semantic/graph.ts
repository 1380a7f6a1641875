/**
 * Modules of one project seen together, so that `from .norms import ChannelLayerNorm` (or, in
 * a folder of scripts, `from norms import ChannelLayerNorm`) resolves to the class written in
 * the sibling file. Files are read through a synchronous `read(path)` the caller supplies (the
 * CLI reads the disk; the extension preloads through `workspace.fs`), so this stays free of
 * Node and editor APIs. Each file's model is built once and kept (shared by every file that
 * imports it, and by the file's own analysis in `normlens inspect`); bounded: at most `maxFiles`
 * models kept, and what a file being built is asked through an import cycle answers "unknown"
 * (how far imports are followed is bounded by what `read` gives: the extension preloads a few
 * levels). Absolute imports also resolve as namespace packages (PEP 420) do.
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
  /** Files being built, outermost first (an import cycle meets one of them). */
  private building: { path: string; dep: number }[] = [];

  constructor(
    private readonly files: ProjectFiles,
    private readonly maxFiles = 64,
    /** How a file's path is shown in explanations (e.g. relative to the working folder). */
    readonly display: (path: string) => string = (p) => p,
    /**
     * Files of the project that may replace a framework class (`nn.GroupNorm = partial(...)`, see
     * mayPatch): a patch is process-wide, so what they replace may be what any file's call builds.
     */
    private readonly patchers: () => readonly string[] = () => [],
  ) {}

  private patchedCache: Map<string, { vs: VSet; from: string }> | null = null;
  /** Files whose text was tested for ImportHost.patches (mayPatch), by path. */
  private tested = new Map<string, boolean>();

  /**
   * What the project's patch files replace (ModuleModel.patchedAnywhere), by qualified name, with
   * the file's path; built once (until a file is forgotten).
   */
  private projectPatches(): ReadonlyMap<string, { vs: VSet; from: string }> {
    if (this.patchedCache) return this.patchedCache;
    const out = new Map<string, { vs: VSet; from: string }>();
    // (kept only when every patch file's model could be read: one being built, asked from its own analysis, is not yet)
    let complete = true;
    for (const p of this.patchers()) {
      const model = this.model(p);
      if (model === null) complete = false;
      if (!model) continue;
      for (const [q, vs] of model.patchedAnywhere())
        if (!out.has(q)) out.set(q, { vs: vs.map((v) => (v.k === 'partial' ? { ...v, hops: [], owner: v.owner ?? model } : { ...v, hops: [] })), from: p });
    }
    if (complete) this.patchedCache = out;
    return out;
  }

  private pathOfModel = new WeakMap<ModuleModel, string>();

  /** The path of a model this graph built. */
  pathOf(model: ModuleModel): string | undefined {
    return this.pathOfModel.get(model);
  }

  /**
   * The model of a file, built with names imported from other files resolved, shared with every
   * file that imports it; undefined when absent, in an import cycle or past the bound.
   */
  modelOf(path: string): ModuleModel | undefined {
    return this.model(path) ?? undefined;
  }

  /** Files this graph has read (for invalidation by the caller). */
  paths(): string[] {
    return [...this.models.keys()];
  }

  /** Forget a file (it changed on disk or in an editor). */
  invalidate(path: string): void {
    if (this.models.has(path)) this.models.clear();
    this.patchedCache = null;
    this.tested.clear();
  }

  /** The import host for a file at `path`. */
  hostFor(path: string): ImportHost {
    const me = moduleNameOf(path, this.files);
    // the paths a dotted module may be at, by module (a model looks the same modules up on every pass)
    const where = new Map<string, string[]>();
    /**
     * The model of the first file a dotted module may be at; undefined when none is, or in a cycle
     * (say nothing). `only`: a test of the file's text first (no model is built for a file that fails it).
     */
    const modelOf = (module: string, only?: (text: string) => boolean): ModuleModel | undefined => {
      let paths = where.get(module);
      if (!paths)
        where.set(module, (paths = this.candidates(module, path, me.root, me.name.includes('.') || me.isPackage ? me.name.split('.')[0] : undefined)));
      for (const p of paths) {
        if (only) {
          let ok = this.tested.get(p);
          if (ok === undefined) {
            const text = this.files.read(p);
            if (text === undefined) continue;
            this.tested.set(p, (ok = only(text)));
          }
          if (!ok) return undefined;
        }
        const model = this.model(p);
        if (model === undefined) continue;
        return model ?? undefined;
      }
      return undefined;
    };
    return {
      lookup: (module: string, name: string): { values: VSet; model: ModuleModel } | undefined => {
        const model = modelOf(module);
        const values = model?.exported(name);
        return values && model ? { values, model } : undefined;
      },
      patches: (module: string): { patches: ReadonlyMap<string, VSet>; model: ModuleModel } | undefined => {
        // (only a file that may patch is modeled for it: importing one that does not, which imports
        // one that does, is not followed; the run's patch files count anyway, see anywhere)
        const model = modelOf(module, mayPatch);
        return model && { patches: model.exportedPatches(), model };
      },
      anywhere: () => {
        const out = new Map<string, { vs: VSet; from: string }>();
        for (const [q, x] of this.projectPatches()) if (x.from !== path) out.set(q, { vs: x.vs, from: this.display(x.from) });
        return out;
      },
    };
  }

  /**
   * Where a dotted module may be written: under the package root, or beside the importing file. An
   * installed package (its root a site-packages or dist-packages folder) follows absolute imports
   * there into itself only: `import numpy` would read every library installed (a run on
   * keras/src/applications in a venv grew past 4 GB); a project's packages side by side follow each other.
   */
  private candidates(module: string, from: string, root: string, top?: string): string[] {
    const relative = module.startsWith('.');
    const rel = (relative ? module.slice(1) : module).split('.').filter(Boolean).join('/');
    if (!rel) return [];
    const installed = /(^|\/)(site|dist)-packages$/.test(root);
    const own = !installed || (top !== undefined && rel.split('/')[0] === top);
    const bases = relative ? [root] : [...(own ? [root] : []), dirname(from), ...namespaceBases(rel, from)];
    const out: string[] = [];
    for (const b of bases) out.push(join(b, rel + '.py'), join(join(b, rel), '__init__.py'));
    return out.filter((p) => p !== from);
  }

  /**
   * The model of a file: undefined when absent, null while being built (an import cycle) or past
   * the bound. A model built while the cycle it met was still open (it saw a file being built as
   * "unknown") depends on who asked first: it serves that request only and is not kept, so every
   * kept model is the same whatever order files are analyzed in (one after another, or spread over
   * worker threads).
   */
  private model(path: string): ModuleModel | null | undefined {
    const dep = this.transient.get(path);
    if (dep !== undefined) this.dependsOn(dep);
    if (this.models.has(path)) {
      const m = this.models.get(path)!;
      // a cycle: what is being built since `path` started sees it unfinished
      if (m === null) this.dependsOn(this.building.findIndex((b) => b.path === path));
      return m;
    }
    const text = this.files.read(path);
    if (text === undefined) return undefined;
    if (this.models.size >= this.maxFiles) return null;
    this.models.set(path, null);
    const at = this.building.length;
    const frame = { path, dep: Infinity };
    this.building.push(frame);
    let model: ModuleModel | undefined;
    try {
      const me = moduleNameOf(path, this.files);
      model = new ModuleModel(text, parsePython(text), this.hostFor(path), me.name, me.isPackage, this.display(path));
    } finally {
      this.building.pop();
      if (model) this.models.set(path, model);
      else this.models.delete(path);
      if (model && frame.dep < at) this.transient.set(path, frame.dep);
      // models that saw this one unfinished are dropped now that it is done
      for (const [p, d] of this.transient)
        if (d >= at) {
          this.transient.delete(p);
          this.models.delete(p);
        }
    }
    this.pathOfModel.set(model, path);
    return model;
  }

  /** Files built while the one at stack index `i` was unfinished: they (and what is built on them) are kept only until it is done. */
  private transient = new Map<string, number>();

  private dependsOn(i: number): void {
    if (i < 0) return;
    for (let j = i + 1; j < this.building.length; j++) this.building[j].dep = Math.min(this.building[j].dep, i);
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

/**
 * Whether a file's text may replace a framework class on its module (`nn.BatchNorm2d = ...`,
 * `torch.nn.GroupNorm = ...`, `setattr(nn, 'GroupNorm', ...)`): a cheap test on the text, to find
 * the files whose models say what they replace (ProjectGraph's patchers).
 */
export function mayPatch(text: string): boolean {
  // (an object's own attributes, `self.LayerNorm = ...`, replace nothing)
  return /^[ \t]*(?!(?:self|cls)[ \t]*\.)(?:[\p{L}_][\p{L}\p{N}_]*[ \t]*\.[ \t]*)+[A-Z][\p{L}\p{N}_]*[ \t]*=(?!=)|\bsetattr[ \t]*\((?![ \t]*(?:self|cls)[ \t]*,)[^,\n]*,[ \t]*['"][A-Z]/mu.test(
    text,
  );
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
