/**
 * Helpers of the real-code corpus test: the creation-site fixture (test/fixtures/corpus/creation-sites.json, from
 * scripts/corpus/gen_creation_sites.py), where its sources are unpacked (.cache/corpus/<lib>-<version>/, by
 * scripts/corpus/unpack.sh), and the scoring of a recognizer against it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A line of real code that built a normalization layer when the real models were constructed. */
export interface CreationSite {
  /** 1-based line where the call expression starts. */
  line: number;
  /** 0-based column (code points) where it starts; null when the generator could not tie it to an ast.Call. */
  column: number | null;
  /** Framework class whose semantics apply, e.g. 'torch.nn.BatchNorm2d', 'keras.layers.LayerNormalization'. */
  class: string;
  kind: string;
  /** The library's own class when the object is a subclass or a hand-written norm (e.g. 'LlamaRMSNorm'), else null. */
  definedBy: string | null;
  /** 'subclass' (of a framework norm class) or 'computes' (a hand-written module whose output is that norm), with definedBy. */
  definedHow?: 'subclass' | 'computes' | null;
  /** The callee as written (ast.unparse), e.g. 'norm_layer', 'nn.BatchNorm2d'. */
  callee: string | null;
}

/**
 * A line that built something that is not a norm by a call that looks like one (`norm_layer(...)` → nn.Identity,
 * ConvNormAct, LayerScale). `unclassified` lists use the same shape for objects named like norms that normalize in
 * some other way or could not be run (EvoNorm, FilterResponseNorm, a wrapper around one BatchNorm1d): neither
 * counted as sites nor as false sites.
 */
export interface NonNormSite {
  line: number;
  column: number | null;
  /** Qualified class of what was built, e.g. 'torch.nn.modules.linear.Identity'. */
  built: string;
  callee: string | null;
}

export interface CreationSitesFixture {
  libraries: Record<
    string,
    {
      version: string;
      models: string[];
      failed: Record<string, string>;
      files: Record<string, { sites: CreationSite[]; nonNorms: NonNormSite[]; unclassified?: NonNormSite[] }>;
    }
  >;
}

/** What the function under test reports about one layer. */
export interface FoundLayer {
  /** 1-based line where the layer's call starts. */
  line: number;
  /** Every class the call may build (one for a direct call; several when the resolver keeps candidates). */
  qualifiedNames: string[];
  kind: string;
}

export interface CorpusScore {
  files: number;
  total: number;
  found: number;
  recall: number;
  /** 'file:line class' of the sites not found. */
  missed: string[];
  /** Direct calls of a framework class (callee names the class itself) not found. */
  missedDirect: string[];
  byVia: Record<'direct' | 'indirect' | 'custom', { total: number; found: number }>;
  /** 'file:line' where a layer was reported but the real code built no norm there. */
  falseSites: string[];
}

const REPO = join(__dirname, '../../..');
export const FIXTURE = join(REPO, 'test/fixtures/corpus/creation-sites.json');

export function loadCreationSites(): CreationSitesFixture {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as CreationSitesFixture;
}

/** The unpacked corpus holding every library version of the fixture, or why there is none. */
export function corpusRoot(fixture: CreationSitesFixture): { root: string | null; why: string } {
  const root = process.env.NORMLENS_CORPUS_DIR ?? join(REPO, '.cache/corpus');
  const missing = Object.entries(fixture.libraries)
    .map(([lib, l]) => `${lib}-${l.version}`)
    .filter((d) => !existsSync(join(root, d, '.complete')));
  return missing.length === 0 ? { root, why: '' } : { root: null, why: `not unpacked in ${root}: ${missing.join(', ')}` };
}

/** How a site was created: the callee names the framework class itself, or not, or the class is the library's own. */
export function viaOf(s: CreationSite): 'direct' | 'indirect' | 'custom' {
  if (s.definedBy) return 'custom';
  const last = s.class.split('.').pop();
  return s.callee !== null && s.callee.split('.').pop() === last ? 'direct' : 'indirect';
}

/**
 * Scores `find` on every fixture file of each library: a site is found when a reported layer starts on its line
 * and names its class among its candidates.
 */
export function scoreCorpus(fixture: CreationSitesFixture, root: string, find: (text: string, path: string) => FoundLayer[]): Record<string, CorpusScore> {
  const out: Record<string, CorpusScore> = {};
  for (const [lib, l] of Object.entries(fixture.libraries)) {
    const s: CorpusScore = {
      files: 0,
      total: 0,
      found: 0,
      recall: 1,
      missed: [],
      missedDirect: [],
      byVia: { direct: { total: 0, found: 0 }, indirect: { total: 0, found: 0 }, custom: { total: 0, found: 0 } },
      falseSites: [],
    };
    for (const [file, f] of Object.entries(l.files)) {
      if (f.sites.length === 0 && f.nonNorms.length === 0) continue;
      s.files++;
      const path = join(root, `${lib}-${l.version}`, file);
      const text = readFileSync(path, 'utf8');
      const byLine = new Map<number, FoundLayer[]>();
      for (const layer of find(text, path)) {
        const a = byLine.get(layer.line);
        if (a) a.push(layer);
        else byLine.set(layer.line, [layer]);
      }
      for (const site of f.sites) {
        const via = viaOf(site);
        s.total++;
        s.byVia[via].total++;
        const hit = (byLine.get(site.line) ?? []).some((x) => x.qualifiedNames.includes(site.class));
        if (hit) {
          s.found++;
          s.byVia[via].found++;
        } else {
          s.missed.push(`${file}:${site.line} ${site.class}${site.definedBy ? ` (${site.definedBy})` : ''}`);
          if (via === 'direct') s.missedDirect.push(`${file}:${site.line} ${site.callee}`);
        }
      }
      const normLines = new Set(f.sites.map((x) => x.line));
      for (const nn of f.nonNorms) {
        if (!normLines.has(nn.line) && byLine.has(nn.line)) s.falseSites.push(`${file}:${nn.line} (builds ${nn.built})`);
      }
    }
    s.recall = s.total === 0 ? 1 : s.found / s.total;
    out[lib] = s;
  }
  return out;
}
