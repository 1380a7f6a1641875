/**
 * One Python module as the editor and the CLI see it: the incremental scanner index (calls,
 * imports, direct layers) and the semantic model on top of it (indirect layers, shadowed names),
 * kept in step with edits.
 *
 * The semantic layers are computed per block (./semantic/blocks.ts: top-level statements that
 * share no module-level name with the rest, which the whole module's model would analyze to the
 * same result) and cached by the blocks' text: after an edit, a block whose statements kept
 * their text and their places is reused as it was; one that only moved along the same lines
 * (the edit added no line above it) is reused with its offsets moved; the others are analyzed
 * again, on a tree reparsed only where statements changed (./semantic/syntax.ts ChunkedParser).
 * `semantic()` is still the whole module's model in one piece, and what a module never
 * edited reports.
 */
import { DocumentIndex } from './document';
import {
  analyzeBlock,
  analyzeSemantics,
  appliedOnly,
  chunkSetters,
  imageDataFormat,
  mergeLayers,
  resolveSizes,
  SET_IMAGE_DATA_FORMAT,
  type LeafWatch,
  type LoopSetter,
  type SemanticOptions,
  type SemanticResult,
} from './semantic/index';
import { BlockCache, firstOwnCallOf, type Block, type Item } from './semantic/blocks';
import { ChunkedParser, chunkStarts, lexedBroken, type SyntaxNode, type Tree } from './semantic/syntax';
import type { CallRows, ResolvedLayer, ScannedCall } from './types';
import { FlowModel, type FlowEdge, type FlowEdges, type Ranges } from './semantic/flow';
import { BindingTimeline } from './resolve';
import { detachStrings } from './detach';
import { diffArrays } from 'diff';

/** Start offsets of rows, to find the call that starts exactly at an offset. */
function callStartingAt(rows: CallRows, offset: number): ScannedCall | undefined {
  let lo = 0;
  let hi = rows.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.start(mid) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < rows.count && rows.start(lo) === offset ? rows.call(lo) : undefined;
}

/** One of a block's own statements: where it is, and its first call row. */
interface OwnStatement {
  from: number;
  to: number;
  line: number;
  character: number;
  /** Index of its first call row (the scanner's rows). */
  firstRow: number;
}

/** Where a block's statements are: its own ones, and every statement of it (imports too) by lines. */
export interface BlockPlace {
  own: readonly OwnStatement[];
  /** Every statement of the block (imports included), in text order: first and last line. */
  lines: readonly { line: number; endLine: number }[];
}

/** How to bring what was found at one place of a block to another (same statements, same columns). */
export interface Move {
  offset(o: number): number;
  line(l: number): number;
  /** The line of a position at offset `o` (both of the old place): as the statement holding the offset moved. */
  lineAt(l: number, o: number): number;
  /** How far the call rows of the statement holding an offset (of the old place) moved. */
  rows(o: number): number;
  /** Whether a `definedBy` path is this file's (its lines move). */
  here(path: string | undefined): boolean;
}

function moveBetween(a: BlockPlace, b: BlockPlace, here: (path: string | undefined) => boolean): Move {
  const ownOf = (o: number) => {
    let lo = 0;
    let hi = a.own.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a.own[mid].from <= o) lo = mid;
      else hi = mid - 1;
    }
    // (a call the scanner reads in a broken statement may run past Lezer's end of it, never past
    // its chunk, whose text the block's key holds: it moves with the statement it starts in)
    return a.own[lo].from <= o ? lo : -1;
  };
  // (the first statement whose lines hold l: by start, binary search, then back over those ending on it)
  const line = (l: number) => {
    let lo = 0;
    let hi = a.lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a.lines[mid].line <= l) lo = mid + 1;
      else hi = mid;
    }
    let i = lo - 1;
    if (i < 0 || l > a.lines[i].endLine) return l;
    while (i > 0 && a.lines[i - 1].endLine >= l) i--;
    return l + b.lines[i].line - a.lines[i].line;
  };
  return {
    offset: (o) => {
      const i = ownOf(o);
      return i < 0 ? o : o + b.own[i].from - a.own[i].from;
    },
    line,
    // (the end of a call the scanner reads past Lezer's end of a broken statement lies on no
    // statement's lines: it moves with the statement its offset belongs to, as offsets do)
    lineAt: (l, o) => {
      const i = ownOf(o);
      return i < 0 ? line(l) : l + b.own[i].line - a.own[i].line;
    },
    rows: (o) => {
      const i = ownOf(o);
      return i < 0 ? 0 : b.own[i].firstRow - a.own[i].firstRow;
    },
    here,
  };
}

/** Whether a path is the module's own (a function of the path alone: see settler). */
function sameFile(own: string | undefined): (path: string | undefined) => boolean {
  return (path) => path === own;
}

/** Properties of found layers and diagnostics that hold shared tables, not data of the text (moved and detached as they are). */
export const SHARED: ReadonlySet<string> = new Set(['spec']);

/** `line N` (1-based) outside backticks, as LayerOrigin.how writes the lines of this file. */
const LINE_REF = /\bline (\d+)/g;

/**
 * The same layer, diagnostic or flow edge at a block's new place: offsets, lines (positions, the
 * origin's lines and its words, placements) and the enclosing call's row index (calls were added
 * or removed above). Columns stay: a block is reused only where its statements kept them.
 */
export function moveFound<T>(v: T, m: Move, rows = 0): T {
  if (Array.isArray(v)) return v.map((x) => moveFound(x, m, rows)) as T;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  const position = typeof o.line === 'number' && typeof o.character === 'number';
  // a range: each end's line moves as its offset does
  const ranged = typeof o.startOffset === 'number' && typeof o.endOffset === 'number';
  for (const key in o) {
    const x = o[key];
    if (ranged && (key === 'start' || key === 'end') && x && typeof x === 'object') {
      const p = x as { line: number; character: number };
      copy[key] = { ...p, line: m.lineAt(p.line, o[key === 'start' ? 'startOffset' : 'endOffset'] as number) };
      continue;
    }
    if (typeof x === 'number') {
      if (key === 'startOffset' || key === 'endOffset') copy[key] = m.offset(x);
      else if (key === 'parent') copy[key] = x + rows;
      else if ((key === 'line' && (position || 'how' in o)) || key === 'addLine' || key === 'applyLine') copy[key] = m.line(x);
      else copy[key] = x;
    } else if (key === 'how' && typeof x === 'string')
      copy[key] = x
        .split('`')
        .map((part, i) => (i % 2 ? part : part.replace(LINE_REF, (_, n: string) => `line ${m.line(Number(n) - 1) + 1}`)))
        .join('`');
    else if (key === 'unfollowed' && x && typeof x === 'object') {
      // (a caller of this file, LayerOrigin.unfollowed)
      const u = x as { text: string; line: number };
      copy[key] = { ...u, line: m.line(u.line) };
    } else if (key === 'definedBy' && x && typeof x === 'object') {
      const d = x as { line: number; path?: string };
      copy[key] = m.here(d.path) ? { ...d, line: m.line(d.line) } : d;
    } else copy[key] = SHARED.has(key) ? x : moveFound(x, m, rows);
  }
  return copy as T;
}

/** What loopSetters keeps of a chunk, by its id: its loops that set eps or momentum, and whether it names Keras's layout setter. */
type ChunkFacts = { setters: LoopSetter[]; namesFormat: boolean };

/** Each binding of the scanner (an import or a module-level rebinding) as its chunk's index and what it binds, in text order. */
type BindingLayout = { imports: [number, string][]; rebinds: [number, string][] };

/**
 * Whether bindings read before an edit that replaced chunks [p, oldEnd) by [p, newEnd) are the
 * same apart from that: those before p alike, those after shifted by the chunks added, and those
 * inside binding the same names (in any order).
 */
function sameBindings(a: readonly [number, string][], b: readonly [number, string][], p: number, oldEnd: number, newEnd: number): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && a[i][0] < p) {
    if (j >= b.length || b[j][0] !== a[i][0] || b[j][1] !== a[i][1]) return false;
    i++;
    j++;
  }
  if (j < b.length && b[j][0] < p) return false;
  const inA: string[] = [];
  const inB: string[] = [];
  while (i < a.length && a[i][0] < oldEnd) inA.push(a[i++][1]);
  while (j < b.length && b[j][0] < newEnd) inB.push(b[j++][1]);
  if (inA.length !== inB.length) return false;
  inA.sort();
  inB.sort();
  if (inA.some((x, k) => x !== inB[k])) return false;
  if (a.length - i !== b.length - j) return false;
  for (; i < a.length; i++, j++) if (b[j][0] - newEnd !== a[i][0] - oldEnd || b[j][1] !== a[i][1]) return false;
  return true;
}

/** A flow edge with its offsets moved. */
function moveEdge(e: FlowEdge, move: (offset: number) => number): FlowEdge {
  const moved: FlowEdge = {
    ...e,
    from: move(e.from),
    to: move(e.to),
    at: move(e.at),
    paths: e.paths.map((p) => ({ ops: p.ops.map((o) => ({ ...o, at: move(o.at) })) })),
  };
  if (e.oneOf) moved.oneOf = e.oneOf.map((o) => (o < 0 ? o : move(o)));
  return moved;
}

/** A block settled at a read: its statements, its analysis, its key and the part of the key its statements make. */
interface Entry {
  block: Block;
  analysis: Settled;
  key: string;
  base: string;
}

let serials = 0;

/** A block key met twice at one read. */
const TWICE = '\u0000';
/** Marks the name of a statement holding a call left open that runs past its chunk (nameOf). */
const RUNS_ON = '|>';

/**
 * Blocks of at least this many statements keep what makes an edit inside one of them cheap (a
 * Hub): most statements of a large block (418 model classes calling three norm helpers, 185
 * model functions handing `**kwargs` to one class) only read the names of a few others.
 */
const HUB_MIN = 32;
/** Hubs kept (the most recent ones). */
const HUBS_KEPT = 4;
/**
 * Statements that may be leaves: defs and classes, and plain assignments and expressions (a class body,
 * a default, a decorator or an assignment runs in the module body, where ModuleModel watches it too). Not
 * an `if`, a loop or a `try`: narrowing a name in their branches changes what the statements after read.
 */
const LEAF_KINDS: ReadonlySet<string> = new Set([
  'ClassDefinition',
  'FunctionDefinition',
  'DecoratedStatement',
  'AssignStatement',
  'ExpressionStatement',
  'Comment',
  '⚠',
]);
/** New statements a hub takes at once (more: the block is analyzed whole). */
const MAX_REPLACED = 8;
/** Statements of a leaf group at most (a statement with those that alone read what it binds). */
const MAX_GROUP = 8;
/** Statements a hub analyzes anew at once: the new ones and the leaf groups they join (more: the block is analyzed whole). */
const MAX_FRESH = 16;
/** Statements gone and new at most between the common ends for which a hub is aligned (alignRuns). */
const MAX_ALIGN_EDITS = 64;

const WORD_CHAR = /[\p{L}\p{N}_]/u;
/** Whether `name` stands as a whole word at least twice in `src` (in strings and comments too: more is safe). */
function namedTwice(src: string, name: string): boolean {
  let n = 0;
  for (let i = src.indexOf(name); i >= 0; i = src.indexOf(name, i + 1))
    if (!(i > 0 && WORD_CHAR.test(src[i - 1])) && !WORD_CHAR.test(src[i + name.length] ?? '') && ++n > 1) return true;
  return false;
}

/** How a hub's own statements map to a block's now (alignRuns). */
interface Alignment {
  /** For each statement of the hub, its index now (-1: gone). */
  newOf: readonly number[];
  /** For each statement now, its index in the hub (-1: new). */
  oldOf: readonly number[];
  /** Statements now that are new, and the hub's that are gone (indices, ascending). */
  added: readonly number[];
  removed: readonly number[];
  /**
   * Whether `now` statements before an import stand where `was` did (counts of own statements
   * before it): between the same two kept statements, so every kept one sees the imports it saw.
   */
  sameGap(was: number, now: number): boolean;
}

/**
 * The statements (keys in order) a block keeps from a hub: the common start and end, and in
 * between, when more than `maxAdded` statements differ there, the longest run of common ones
 * (jsdiff's Myers diff, bounded so that it gives up past `maxAdded` new statements). A
 * keystroke in one class and a class pasted elsewhere since the hub was made are then two small
 * runs, not one long one. Null when more than `maxAdded` statements are new.
 */
function alignRuns(was: readonly string[], now: readonly string[], maxAdded: number): Alignment | null {
  const n = was.length;
  const n2 = now.length;
  let p = 0;
  while (p < n && p < n2 && was[p] === now[p]) p++;
  let q = 0;
  while (q < n - p && q < n2 - p && was[n - 1 - q] === now[n2 - 1 - q]) q++;
  const newOf = new Array<number>(n).fill(-1);
  const oldOf = new Array<number>(n2).fill(-1);
  for (let i = 0; i < p; i++) newOf[i] = oldOf[i] = i;
  for (let k = 1; k <= q; k++) {
    newOf[n - k] = n2 - k;
    oldOf[n2 - k] = n - k;
  }
  const gone = n - q - p;
  const come = n2 - q - p;
  if (come > maxAdded) {
    // an edit distance of `gone - come + 2·added` (each new statement also takes an old one's place); the
    // diff's time grows with it, and past a few dozen statements gone the block is analyzed whole anyway
    const maxEditLength = gone - come + 2 * maxAdded;
    if (maxEditLength < 0 || maxEditLength > MAX_ALIGN_EDITS) return null;
    const changes = diffArrays(was.slice(p, n - q), now.slice(p, n2 - q), { maxEditLength });
    if (!changes) return null;
    let i = p;
    let j = p;
    for (const c of changes) {
      const count = c.value.length;
      if (c.added) j += count;
      else if (c.removed) i += count;
      else
        for (let k = 0; k < count; k++, i++, j++) {
          newOf[i] = j;
          oldOf[j] = i;
        }
    }
  }
  const added = oldOf.flatMap((o, j) => (o < 0 ? [j] : []));
  if (added.length > maxAdded) return null;
  const removed = newOf.flatMap((o, i) => (o < 0 ? [i] : []));
  return {
    newOf,
    oldOf,
    added,
    removed,
    sameGap: (k, at) => {
      let before = k - 1;
      while (before >= 0 && newOf[before] < 0) before--;
      let after = k;
      while (after < n && newOf[after] < 0) after++;
      return at >= (before >= 0 ? newOf[before] + 1 : 0) && at <= (after < n ? newOf[after] : n2);
    },
  };
}

/**
 * A large block's analysis, with which of its statements are leaves: a def or class whose names
 * no other statement of the block reads, whose evaluation changed nothing another statement's
 * code reads (ModuleModel's LeafWatch: every value it passed was there already) and whose flow
 * findings tie it to no other statement. The block with one leaf's text changed is then the
 * same block: the others' results stay, and the new leaf's are those of the block without the
 * other leaves, when the new leaf is a leaf there too and the remaining statements run the same
 * units in the same rounds (see PythonModule.fromHub).
 */
interface Hub {
  analysis: HubAnalysis;
  /** Its own statements' keys, and its imports' (in order). */
  own: readonly string[];
  imports: string;
  /** How many own statements come before each import. */
  importsAt: readonly number[];
  /** What the loops that set eps or momentum on every layer set (part of every block's key). */
  setters: string;
  /** Where the module body ends (markOf). */
  end: string;
  /**
   * The names its statements bind whose last binding lies at or after the module body's first call
   * of its own names (a function reading one may see an earlier value: ModuleModel.finalReadable).
   */
  late: ReadonlySet<string>;
  leaf: readonly boolean[];
  /** Each own statement's leaf group, as the index of the group's first statement (-1: the core). */
  group: readonly number[];
  /** The units evaluated outside the leaves: round, rank of the statement among the others, offset in it. */
  schedule: string;
}

/**
 * One block's analysis (./semantic/blocks.ts), kept while its statements keep their text and
 * their columns: an edit elsewhere only moves it, and what it found is moved to today's offsets
 * and lines when someone asks (the hover's block alone, or every block for the full list).
 */
export class BlockAnalysis {
  /** Same number while the analysis is reused (a cache of what is derived from it can key on it). */
  readonly serial = serials++;
  /** Where its statements are now. */
  place: BlockPlace;
  private now: { layers: ResolvedLayer[]; edges: FlowEdge[] | null } | null = null;

  constructor(
    /** Where its statements were when analyzed (the places of `layers` and `edges`). */
    private readonly base: BlockPlace,
    /** Layers of its statements (direct and indirect, sizes resolved, placements), in text order. */
    private readonly layers: readonly ResolvedLayer[],
    private readonly edges: readonly FlowEdge[],
    private readonly here: (path: string | undefined) => boolean,
  ) {
    this.place = base;
  }

  /** Where its statements were when analyzed. */
  get analyzedAt(): BlockPlace {
    return this.base;
  }

  /** Its statements now. */
  get own(): readonly OwnStatement[] {
    return this.place.own;
  }

  /** Whether some of its layers are ones `wanted` selects (from their class and arguments: asked of them unmoved). */
  builds(wanted: (layer: ResolvedLayer) => boolean): boolean {
    let b = this.buildsCache.get(wanted);
    if (b === undefined) this.buildsCache.set(wanted, (b = this.layers.some(wanted)));
    return b;
  }
  private readonly buildsCache = new Map<(layer: ResolvedLayer) => boolean, boolean>();

  /** Puts it at its statements' new places. */
  moveTo(place: BlockPlace): void {
    const a = this.place;
    const same =
      place.own.every((o, i) => o.from === a.own[i].from && o.firstRow === a.own[i].firstRow) && place.lines.every((l, i) => l.line === a.lines[i].line);
    if (same) return;
    this.place = place;
    this.now = null;
  }

  /** How what was found at one place of this block is brought to another. */
  move(from: BlockPlace, to: BlockPlace): Move {
    return moveBetween(from, to, this.here);
  }

  private get moved(): boolean {
    return this.place !== this.base;
  }

  /** Its layers that build a class `wanted` selects, at today's places (only those are moved). */
  layersOf(wanted: (layer: ResolvedLayer) => boolean): ResolvedLayer[] {
    if (!this.moved || this.now) return this.layersNow().filter(wanted);
    const m = this.move(this.base, this.place);
    return this.layers.filter(wanted).map((l) => moveFound(l, m, m.rows(l.call.range.startOffset)));
  }

  /** Its layers at today's places. */
  layersNow(): ResolvedLayer[] {
    if (!this.moved) return this.layers as ResolvedLayer[];
    if (!this.now) {
      const m = this.move(this.base, this.place);
      this.now = { layers: this.layers.map((l) => moveFound(l, m, m.rows(l.call.range.startOffset))), edges: null };
    }
    return this.now.layers;
  }

  /** The data flow of its code at today's offsets. */
  edgesNow(): FlowEdge[] {
    if (!this.moved) return this.edges as FlowEdge[];
    this.layersNow();
    const m = this.move(this.base, this.place);
    this.now!.edges ??= this.edges.map((e) => moveEdge(e, m.offset));
    return this.now!.edges;
  }

  /** Whether one of its statements (today's places) overlaps [from, to]. */
  touches(from: number, to: number): boolean {
    return this.place.own.some((o) => o.from <= to && from <= o.to);
  }

  /** What the checks and the hover read of it: itself. */
  pieces(): readonly BlockAnalysis[] {
    return [this];
  }
}

/** A block's analysis as a read settles it: one piece, or a large block's pieces (HubAnalysis). */
type Settled = BlockAnalysis | HubAnalysis;

/** One piece of a large block: some of its own statements (indices), analyzed apart or cut from the whole. */
interface Piece {
  analysis: BlockAnalysis;
  own: readonly number[];
}

/**
 * A large block's analysis in pieces: its core (the statements that are no leaf: what the
 * others read), then each leaf apart (see Hub). A leaf's results depend on nothing in the other
 * leaves, so what the checks found in each piece, and the layers the hover reads there, stay
 * when another leaf is edited: only the new leaf's piece is new. Each piece's place holds its
 * own statements, and the lines of the core and of the imports, which its results may name
 * (a class defined in the core, a parameter's default there).
 */
class HubAnalysis {
  place: BlockPlace;
  private readonly all: readonly BlockAnalysis[];

  constructor(
    place: BlockPlace,
    private readonly parts: readonly Piece[],
    /** The core's own statements (indices), and how many own statements come before each import. */
    private readonly core: readonly number[],
    private readonly importsAt: readonly number[],
  ) {
    this.place = place;
    this.all = parts.map((p) => p.analysis);
    this.placeParts();
  }

  get own(): readonly OwnStatement[] {
    return this.place.own;
  }

  /** Its pieces, each at its statements' places now. */
  pieces(): readonly BlockAnalysis[] {
    return this.all;
  }

  /** Its pieces with their own statements (indices into the block's), to make the next analysis from. */
  get pieceList(): readonly Piece[] {
    return this.parts;
  }

  /** The place of a piece whose own statements are `own`, inside a block placed at `place` (see HubAnalysis). */
  static placeOf(place: BlockPlace, own: readonly number[], core: readonly number[], importsAt: readonly number[]): BlockPlace {
    return HubAnalysis.placeIn(place, own, HubAnalysis.sharedLines(core, importsAt), importsAt);
  }

  /** The lines every piece's place holds (see HubAnalysis): the imports' and the core's, as indices into a place's `lines`, ascending. */
  private static sharedLines(core: readonly number[], importsAt: readonly number[]): number[] {
    const at = importsAt.map((k, j) => k + j);
    for (const i of core) at.push(HubAnalysis.lineOf(i, importsAt));
    return [...new Set(at)].sort((a, b) => a - b);
  }

  /** The index in a place's `lines` of own statement i (`lines` holds the imports too: i + the imports before it). */
  private static lineOf(i: number, importsAt: readonly number[]): number {
    let k = 0;
    while (k < importsAt.length && importsAt[k] <= i) k++;
    return i + k;
  }

  /** placeOf with the shared lines computed once (a hub moves all its pieces at each edit that moves it). */
  private static placeIn(place: BlockPlace, own: readonly number[], shared: readonly number[], importsAt: readonly number[]): BlockPlace {
    const mine = own.map((i) => HubAnalysis.lineOf(i, importsAt)).sort((a, b) => a - b);
    const lines: BlockPlace['lines'][number][] = [];
    let j = 0;
    for (const k of shared) {
      for (; j < mine.length && mine[j] <= k; j++) if (mine[j] < k) lines.push(place.lines[mine[j]]);
      lines.push(place.lines[k]);
    }
    for (; j < mine.length; j++) lines.push(place.lines[mine[j]]);
    return { own: own.map((i) => place.own[i]), lines };
  }

  /** Puts it, and each piece (another analysis may share a piece and have moved it), at its statements' new places. */
  moveTo(place: BlockPlace): void {
    this.place = place;
    this.placeParts();
  }

  private placeParts(): void {
    this.shared ??= HubAnalysis.sharedLines(this.core, this.importsAt);
    for (const p of this.parts) p.analysis.moveTo(HubAnalysis.placeIn(this.place, p.own, this.shared, this.importsAt));
  }
  private shared: number[] | undefined;
}

export class PythonModule {
  readonly index: DocumentIndex;
  private tree: Tree | null = null;
  private readonly parser = new ChunkedParser();
  private sem: SemanticResult | null = null;
  private merged: ResolvedLayer[] | null = null;
  private flowModel: FlowModel | null = null;
  private readonly blockCache = new BlockCache();
  /** Block analyses by key (statement texts), kept from the last read. */
  private blockResults = new Map<string, Settled>();
  /**
   * Analyses the last reads dropped, newest last, holding up to as many statements as the current read's: a
   * docstring or bracket opened above changes how the statements below it read, and closing it
   * brings their text back (their analyses are then found here instead of being made again).
   */
  private dropped = new Map<string, Settled>();
  /** Why the last read could not patch the blocks, '' when it did (for the bench and tests). */
  patchMiss = '';
  private miss(why: string): null {
    this.patchMiss = why;
    return null;
  }

  /** What the last read found, for the next one to patch (see patch). */
  private last: {
    starts: readonly number[];
    ids: readonly number[];
    length: number;
    lines: number;
    rows: number;
    /** Every top-level statement (places kept up to date), and the chunk each lies in. */
    items: Item[];
    chunk: number[];
    /** Every name some statement binds at module level (what joins statements into blocks). */
    bound: Set<string>;
    /** The blocks with statements of their own, in order, and the block of each such statement. */
    entries: Entry[];
    blockOfItem: number[];
    resynced: boolean;
  } | null = null;
  /** Where the scanner's bindings were at the last read, and the part of each block's key they made (by the rest of its key). */
  private layout = '';
  private layoutParts: BindingLayout = { imports: [], rebinds: [] };
  /** The loop setters at the last read (see analyzeBlocks). */
  private setters = '';
  private bindingsOf = new Map<string, string>();
  /** The blocks of the current text, by their first statement, and the direct layers outside any (null: not read since the last edit). */
  private current: { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } | null = null;
  /** Blocks analyzed again by the last read, and reused (for the bench and tests). */
  stats = { analyzed: 0, reused: 0, moved: 0 };
  /** Milliseconds of the last read, by phase (for the bench). */
  phases = { tree: 0, blocks: 0, keys: 0, analysis: 0 };

  /**
   * `editor`: the text is open in an editor and will be edited. Its reads go block by block from
   * the first one (slower once than a whole analysis: 1.3 s against 0.8 s on the bench's
   * 20,000-line file), so that the first keystroke costs what it changes instead of the
   * analysis of every block.
   */
  constructor(
    text: string,
    private readonly options: SemanticOptions = {},
    { editor = false }: { editor?: boolean } = {},
  ) {
    this.index = new DocumentIndex(text);
    this.edited = editor;
  }

  /** The span the scanner saw again in the edits since the last read of the blocks (null: none). */
  private rescanSpan: [number, number] | null = null;
  /** What the edits since the last parse left alone: the first `prefix` and the last `suffix` characters. */
  private same: { prefix: number; suffix: number } | null = null;

  applyEdit(startOffset: number, endOffset: number, newText: string): void {
    this.edited = true;
    const before = this.index.length;
    this.index.applyEdit(startOffset, endOffset, newText);
    const after = this.index.length;
    // (the index clamps and orders the range as here)
    const s = Math.max(0, Math.min(before, Math.min(startOffset, endOffset)));
    const e = Math.max(0, Math.min(before, Math.max(startOffset, endOffset)));
    if (this.tree || this.same) {
      const prev = this.same ?? { prefix: before, suffix: before };
      this.same = { prefix: Math.min(prev.prefix, s), suffix: Math.min(prev.suffix, before - e, after - s - newText.length) };
    }
    // what the scanner saw again since the last read (an earlier span moves with this edit)
    const [ra, rb] = this.index.rescanned;
    const d = after - before;
    const prevSpan = this.rescanSpan;
    // (an offset inside the replaced text maps to its start on one side and to its end on the other)
    this.rescanSpan = prevSpan
      ? [
          Math.min(prevSpan[0] >= e ? prevSpan[0] + d : Math.min(prevSpan[0], s), ra),
          Math.max(prevSpan[1] >= e ? prevSpan[1] + d : prevSpan[1] > s ? s + newText.length : prevSpan[1], rb),
        ]
      : [ra, rb];
    this.tree = null;
    this.sem = null;
    this.merged = null;
    this.flowModel = null;
    this.current = null;
    this.qualifyNow = null;
  }

  get text(): string {
    return this.index.text;
  }

  /**
   * The syntax tree of the current text: parsed one top-level statement at a time, at the
   * scanner's clean line starts, reusing the trees of statements whose text an edit left alone.
   */
  syntax(): Tree {
    if (!this.tree) {
      // a module never edited whose model the project graph built already: the same text, its tree
      if (!this.edited && this.options.model?.text === this.index.text) return (this.tree = this.options.model.tree);
      const lexed = { clean: this.index.cleanStarts(), broken: lexedBroken(this.index.errors) };
      this.tree = this.parser.parse(this.index.text, lexed, this.same ?? undefined);
      this.chunked = true;
      this.same = null;
    }
    return this.tree;
  }

  /** Whether the tree is this module's parser's (else the project graph's, and the parser never saw this text). */
  private chunked = false;

  /**
   * Where the text is cut into chunks parsed apart (./semantic/syntax.ts chunkStarts: top-level
   * statement starts; past a string left open above, also the definitions it ran into), with an
   * id per chunk (same id, same chunk text): where a lexical pass over the text starts afresh.
   */
  statementChunks(): { starts: readonly number[]; ids?: readonly number[] } {
    this.syntax();
    if (this.chunked) return { starts: this.parser.starts, ids: this.parser.ids };
    return { starts: chunkStarts(this.index.text, this.index.cleanStarts(), lexedBroken(this.index.errors)) };
  }

  semantic(): SemanticResult {
    if (!this.sem) {
      const rows = this.index.callRows();
      const text = this.index.text;
      this.sem = analyzeSemantics(
        text,
        (o) => callStartingAt(rows, o),
        (o) => this.index.positionAt(o),
        { ...this.options, tree: this.options.model?.text === text ? this.options.model.tree : this.syntax() },
      );
    }
    return this.sem;
  }

  /**
   * Qualified name of a callee at an offset, from the scanner's imports and rebinds (as the flow
   * and the checks read them): one table per text, made on first use.
   */
  qualifier(): (callee: string, at: number) => string | null {
    if (!this.qualifyNow) {
      const t = new BindingTimeline();
      t.add(this.index.imports, this.index.rebinds);
      t.seal();
      this.qualifyNow = (callee, at) => t.qualify(callee, 0, at);
    }
    return this.qualifyNow;
  }
  private qualifyNow: ((callee: string, at: number) => string | null) | null = null;

  /** Whether the text was edited since the module was made, or is open in an editor (a one-shot analysis is whole). */
  private edited: boolean;

  /** Whether reads go block by block now (see byBlock): what checks per block then key on. */
  get analyzedByBlock(): boolean {
    return this.byBlock;
  }

  /** Direct layers outside every block's statements (normally none; see analyzeBlocks). */
  looseLayers(): readonly ResolvedLayer[] {
    this.blocks();
    return this.current!.loose;
  }

  /** The parts of the text outside every block's statements: between statements, and import statements. */
  looseRanges(): readonly [number, number][] {
    this.blocks();
    return this.current!.looseRanges;
  }

  /**
   * Whether reads go block by block: after edits, unless what other files pass in (project seeds)
   * or a model shared with the project graph needs the whole module's model. A module neither
   * edited nor open in an editor (the command line) is analyzed whole, which is faster once.
   */
  private get byBlock(): boolean {
    return this.edited && !this.options.exchange && !this.options.model;
  }

  /**
   * The data flow of the module's code: after edits, the edges of the blocks' flows (each
   * analyzed with its block, reused while the block is); otherwise the whole module's (each
   * function analyzed on first read).
   */
  flow(): FlowEdges {
    if (this.byBlock) {
      const edges = this.blocks().flatMap((b) => b.edgesNow());
      edges.sort((a, b) => a.to - b.to || a.from - b.from || a.at - b.at);
      return { edges: () => edges };
    }
    return this.wholeFlow();
  }

  private wholeFlow(): FlowModel {
    this.flowModel ??= new FlowModel(this.index.text, this.syntax(), this.qualifier());
    return this.flowModel;
  }

  /** Every normalization layer: direct calls and indirect ones, in text order, with their placement. */
  get layers(): ResolvedLayer[] {
    this.merged ??= this.byBlock ? this.layersByBlock() : this.wholeLayers();
    return this.merged;
  }

  /** The innermost layer whose call contains an offset (the shortest; what a hover there explains). */
  layerAt(offset: number): ResolvedLayer | undefined {
    let best: ResolvedLayer | undefined;
    const consider = (l: ResolvedLayer) => {
      const r = l.call.range;
      if (r.startOffset <= offset && offset <= r.endOffset && (!best || r.endOffset - r.startOffset < best.call.range.endOffset - best.call.range.startOffset))
        best = l;
    };
    if (!this.byBlock || this.merged) {
      for (const l of this.layers) consider(l);
      return best;
    }
    this.blocks();
    // a call the scanner reads in a broken statement may run past Lezer's end of it, never past a
    // clean line start: the blocks with a statement in the chunk of the offset (or in the chunks
    // before it back to a clean start) are the ones that may hold it
    const starts = this.parser.starts;
    let c = 0;
    for (let lo = 0, hi = starts.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= offset) {
        c = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (c > 0 && this.parser.resynced.has(c)) c--;
    const from = this.chunked ? starts[c] : 0;
    for (const b of this.current!.blocks) if (b.touches(from, offset)) for (const l of b.layersNow()) consider(l);
    for (const l of this.current!.loose) consider(l);
    return best;
  }

  /** The layers as the analysis per block gives them (equal to `wholeLayers()`), filling the block cache. */
  layersByBlock(): ResolvedLayer[] {
    const cur = this.blocks() && this.current!;
    const out = [...cur.loose];
    for (const b of cur.blocks) for (const l of b.layersNow()) out.push(l);
    return out.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
  }

  /** Whether the module has any layer (without the data flow a read of them all builds for placements). */
  hasLayers(): boolean {
    if (this.merged) return this.merged.length > 0;
    return this.byBlock ? this.layers.length > 0 : mergeLayers(this.index.layers, this.semantic()).length > 0;
  }

  /** The layers of the whole module's model in one piece, with their placement (what `layers` must equal). */
  wholeLayers(): ResolvedLayer[] {
    const merged = mergeLayers(this.index.layers, this.semantic());
    if (!merged.length) return merged;
    const placements = this.wholeFlow().placements();
    const line = (o: number) => this.index.positionAt(o).line;
    return merged.map((l) => {
      const p = placements.get(l.call.range.startOffset);
      return p ? { ...l, placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } } : l;
    });
  }

  /**
   * The blocks of the current text, each analyzed (or reused from the last read: same
   * statements, same lines), in text order of their first statement. What checks per block key on.
   */
  blocks(): readonly BlockAnalysis[] {
    if (!this.current) this.current = this.analyzeBlocks();
    return this.current.blocks;
  }

  private analyzeBlocks(): { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } {
    const ph = { tree: 0, blocks: 0, keys: 0, analysis: 0 };
    this.patchMiss = '';
    let t0 = performance.now();
    const lap = (k: keyof typeof ph) => {
      const t = performance.now();
      ph[k] += t - t0;
      t0 = t;
    };
    const tree = this.syntax();
    const text = this.index.text;
    lap('tree');
    // a statement is named by its chunk (./semantic/syntax.ts: same id, same chunk text, scanned
    // alike from the clean line start it begins at) and its place in it
    const starts = this.parser.starts;
    const ids = this.parser.ids;
    const chunkOf = (o: number) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= o) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    // (past a string left open above, the scanner does not start afresh where the chunk does:
    // what it sees there is part of the name)
    const resynced = this.parser.resynced;
    const nameOf = (from: number, to: number, kind: string) => {
      const c = chunkOf(from);
      let seen = resynced.has(c) ? `|${this.index.callShape(from, to)}` : '';
      // (a call left open runs past its statement, and past its chunk: its text, and so what it
      // builds, is also that of the chunks it runs into)
      const chunkEnd = c + 1 < starts.length ? starts[c + 1] : text.length;
      const end = this.index.callsEnd(from, to);
      if (end > chunkEnd) seen += `${RUNS_ON}${end - from}:${ids.slice(c + 1, chunkOf(end - 1) + 1).join(',')}`;
      return `${ids[c]}@${from - starts[c]}:${to - from}:${kind}${seen}`;
    };
    const pos = (o: number) => this.index.positionAt(o);
    const span = (it: Item) => ({ line: pos(it.from).line, endLine: pos(it.to).line });
    // where the scanner's bindings are (the chunk each lies in) and what they bind: while this
    // stays, the part of a block's key they make stays too
    const parts = this.bindingLayout(chunkOf);
    const layout = [...parts.imports, ...parts.rebinds].map(([c, s]) => `${c}:${s}`).join(',');
    const sameLayout = layout === this.layout;
    const lastParts = this.layoutParts;
    this.layout = layout;
    this.layoutParts = parts;
    // loops that set eps or momentum on every layer of a model (semantic/index.ts loopSetters)
    // may change any block's layers: what they set is part of every block's key
    const loops = this.loopSetters(text, starts, ids);
    // (and Keras's global image layout, which the checks of every block read: semantic/index.ts
    // imageDataFormat; looked for only when some chunk names it)
    const format = imageDataFormat(text, this.formatNamed);
    const setters =
      loops.map((x) => `${x.code}|${x.classes.join(',')}|${x.exact ? 'exact' : ''}|${(x.nameHas ?? []).join(',')}`).join('\n') +
      (format ? `\u0006${format.value}|${format.code}` : '');
    const sameSetters = setters === this.setters;
    this.setters = setters;
    const settle = this.settler(tree, text, sameLayout, setters, loops, lap);
    const rescan = this.rescanSpan;
    this.rescanSpan = null;
    const patched = !sameSetters
      ? this.miss('setters')
      : this.patch(tree, text, nameOf, chunkOf, span, settle, resynced.size ? rescan : null, sameLayout || { last: lastParts, now: parts });
    if (patched) {
      lap('analysis');
      this.phases = ph;
      return patched;
    }
    const items = this.blockCache.items(tree, text, nameOf);
    const lineSpan = new Map(items.map((it) => [it, span(it)]));
    const blocks = this.blockCache.blocks(items);
    settle.state.items = items;
    lap('blocks');
    const entries: Entry[] = [];
    const blockOfItem = new Int32Array(items.length).fill(-1);
    const indexOf = new Map(items.map((it, i) => [it, i]));
    for (const b of blocks) {
      if (!b.own.length) continue;
      for (const it of b.own) blockOfItem[indexOf.get(it)!] = entries.length;
      entries.push(
        settle.block(
          b,
          b.items.map((it) => lineSpan.get(it)!),
        ),
      );
    }
    const out = this.finish(entries, items, text, settle);
    this.last = {
      starts,
      ids,
      length: text.length,
      lines: this.index.lineCount,
      rows: this.index.callRows().count,
      items,
      chunk: items.map((it) => chunkOf(it.from)),
      bound: new Set(items.flatMap((it) => it.info.binds)),
      entries,
      blockOfItem: [...blockOfItem],
      resynced: resynced.size > 0,
    };
    lap('analysis');
    this.phases = ph;
    return out;
  }

  /** The scanner's bindings: in which chunk each lies, and what it binds (./semantic/syntax.ts chunks), in text order. */
  private bindingLayout(chunkOf: (o: number) => number): BindingLayout {
    return {
      imports: this.index.imports.map((i) => [chunkOf(i.range.startOffset), `${i.local}=${i.target}`]),
      rebinds: this.index.rebinds.map((r) => [chunkOf(r.at), r.local]),
    };
  }

  /** What settles a block at one read: its key, then its analysis reused (moved to its place) or made. */
  /**
   * The text's loops that set eps or momentum on every layer (semantic/index.ts loopSetters),
   * found chunk by chunk and kept by chunk id: a loop's body never runs past a chunk's end (both
   * stop at a line that starts at column 0), so this equals loopSetters of the whole text, and an
   * edit looks at its own chunk only.
   */
  private loopSetters(text: string, starts: readonly number[], ids: readonly number[]): LoopSetter[] {
    const next = new Map<number, ChunkFacts>();
    const out: LoopSetter[] = [];
    let named = false;
    for (let i = 0; i < starts.length; i++) {
      let found = next.get(ids[i]) ?? this.loopChunks.get(ids[i]);
      if (!found) {
        const chunk = text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length);
        found = { setters: chunkSetters(chunk), namesFormat: chunk.includes(SET_IMAGE_DATA_FORMAT) };
      }
      next.set(ids[i], found);
      for (const x of found.setters) out.push(x);
      named ||= found.namesFormat;
    }
    this.loopChunks = next;
    this.formatNamed = named;
    return appliedOnly(out, text);
  }
  private loopChunks = new Map<number, ChunkFacts>();
  /** Whether some chunk of the text loopSetters last read names set_image_data_format. */
  private formatNamed = true;

  private settler(tree: Tree, text: string, sameLayout: boolean, setters: string, loops: readonly LoopSetter[], lap: (k: 'keys' | 'analysis') => void) {
    const rows = this.index.callRows();
    const callAt = (o: number) => callStartingAt(rows, o);
    const pos = (o: number) => this.index.positionAt(o);
    const line = (o: number) => pos(o).line;
    // (kept by every block analysis: made outside this function, so as not to keep its text and tree)
    const here = sameFile(this.options.path);
    let qualify: ((callee: string, at: number) => string | null) | undefined;
    const next = new Map<string, Settled>();
    const bindingsOf = new Map<string, string>();
    const stats = { analyzed: 0, reused: 0, moved: 0 };
    // where the whole module body first calls its own names (ModuleModel.firstOwnCall), from the
    // statements' cached facts: once per read, not a walk of the whole tree per block analyzed
    const state: { items: readonly Item[] } = { items: [] };
    let ownCall: number | undefined;
    const ownCallAt = () => (ownCall ??= firstOwnCallOf(state.items));
    // the scanner's bindings by name, which the direct layers and the flow resolve callees with
    let binds: Map<string, { at: number; s: string }[]> | null = null;
    const bindsOf = () => {
      if (binds) return binds;
      const m = new Map<string, { at: number; s: string }[]>();
      const bind = (name: string, at: number, s: string) => {
        const list = m.get(name);
        if (list) list.push({ at, s });
        else m.set(name, [{ at, s }]);
      };
      for (const i of this.index.imports) bind(i.local, i.range.startOffset, `=${i.target}`);
      for (const r of this.index.rebinds) bind(r.local, r.at, '!');
      for (const list of m.values()) list.sort((a, b) => a.at - b.at);
      return (binds = m);
    };
    /** The own statement holding an offset (by start, in text order), or -1. */
    const ownIndex = (own: readonly { from: number; to: number }[], o: number) => {
      let lo = 0;
      let hi = own.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (own[mid].from <= o) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 && o < own[lo - 1].to ? lo - 1 : -1;
    };
    /** The layers of `own` statements (direct and indirect, sizes resolved, placed) from an analysis of their block. */
    const layersIn = (sem: SemanticResult, flow: FlowModel, own: readonly { from: number; to: number }[], ranges?: Ranges) => {
      const placements = flow.placements(ranges);
      // as mergeLayers: the direct layers of its statements (unless the model resolves the call
      // itself or its name is shadowed), then the indirect ones, in text order
      const semStarts = new Set(sem.layers.map((l) => l.call.range.startOffset));
      const layers: ResolvedLayer[] = [];
      for (const o of own)
        for (const l of this.index.layersIn(o.from, o.to)) {
          const at = l.call.range.startOffset;
          if (!semStarts.has(at) && !sem.shadowed.has(at)) layers.push(resolveSizes(l, sem.model, 0, loops));
        }
      for (const l of sem.layers) if (ownIndex(own, l.call.range.startOffset) >= 0) layers.push(resolveSizes(l, sem.model, 0, loops));
      layers.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
      for (let i = 0; i < layers.length; i++) {
        const p = placements.get(layers[i].call.range.startOffset);
        if (p) layers[i] = { ...layers[i], placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } };
      }
      return layers;
    };
    /**
     * Where a module-level offset is, by the statement holding it (its key, which occurrence of that key, the offset in
     * it); '' for none. (The body's end is the last offset of the statement that ends it.)
     */
    const markOf = (at: number | undefined) => {
      if (at === undefined || at === Infinity) return '';
      const i = ownIndex(state.items, at);
      if (i < 0) return `@${at}`;
      const key = this.itemKey(state.items[i]);
      let n = 0;
      for (let k = 0; k < i; k++) if (this.itemKey(state.items[k]) === key) n++;
      return `${key}#${n}+${at - state.items[i].from}`;
    };
    const endOf = (b: Block) => markOf(b.execEnd === undefined ? undefined : b.execEnd - 1);
    /** Hub.late of a block now. */
    const lateOf = (b: Block) => {
      const at = ownCallAt();
      const out = new Set<string>();
      if (at === Infinity) return out;
      for (const it of b.own) if (it.from >= at) for (const nm of it.info.binds) out.add(nm);
      return out;
    };
    /** Each import of a block as its key and how many own statements come before it. */
    const importsOf = (b: Block) => {
      const keys: string[] = [];
      const at: number[] = [];
      let n = 0;
      for (const it of b.items)
        if (it.info.isImport) {
          keys.push(this.itemKey(it));
          at.push(n);
        } else n++;
      return { keys: keys.join(';'), at };
    };
    /**
     * The units a watch saw evaluated, but those in statements `skip` tells: each as its round,
     * the rank of its statement among those not skipped, and its offset in it.
     */
    const scheduleOf = (w: LeafWatch, own: readonly Item[], skip: (i: number) => boolean) => {
      const rank: number[] = [];
      let r = 0;
      for (let i = 0; i < own.length; i++) rank.push(skip(i) ? -1 : r++);
      let out = '';
      for (let k = 0; k < w.schedule.length; k += 3) {
        const start = w.schedule[k + 1];
        if (start < 0) {
          out += `${w.schedule[k]}:M,`;
          continue;
        }
        const i = ownIndex(own, start);
        if (i >= 0 && skip(i)) continue;
        out += `${w.schedule[k]}:${i < 0 ? 'x' : rank[i]}:${i >= 0 ? start - own[i].from : start},`;
      }
      return out;
    };
    /** The module-level names each own statement binds: its own, and those the scanner reads it as rebinding (the direct layers resolve with those). */
    const namesBound = (own: readonly Item[]): string[][] => {
      const out = own.map((it) => [...it.info.binds]);
      for (const r of this.index.rebinds) {
        const i = ownIndex(own, r.at);
        if (i >= 0 && !out[i].includes(r.local)) out[i].push(r.local);
      }
      return out;
    };
    /** The own statements that may read each name (ItemInfo.words), in order. */
    const readersOf = (own: readonly Item[]): Map<string, number[]> => {
      const out = new Map<string, number[]>();
      own.forEach((it, i) => {
        for (const w of it.info.words) {
          const r = out.get(w);
          if (r) r.push(i);
          else out.set(w, [i]);
        }
      });
      return out;
    };
    /** Whether statements may be a leaf group: defs, classes or plain statements whose names no statement outside them reads. */
    const groupShaped = (own: readonly Item[], g: readonly number[], binds: readonly string[][], readers: ReadonlyMap<string, number[]>) =>
      g.every((i) => LEAF_KINDS.has(own[i].node.name)) && g.every((i) => binds[i].every((n) => (readers.get(n) ?? []).every((r) => g.includes(r))));
    /**
     * The leaf groups of a large block: each statement whose names no other statement reads alone, and
     * each statement whose names a few others read (at most MAX_GROUP, with what they in turn bind)
     * with those (a class and the helper only it calls; while typing, a broken line Lezer reads as an
     * assignment and the statement that reads the name it binds). In order of their first statement.
     */
    const groupsOf = (own: readonly Item[], binds: readonly string[][], readers: ReadonlyMap<string, number[]>): number[][] => {
      const n = own.length;
      const kind = (i: number) => LEAF_KINDS.has(own[i].node.name);
      const alone = (i: number) => kind(i) && binds[i].every((nm) => (readers.get(nm) ?? []).every((r) => r === i));
      const parent = Array.from({ length: n }, (_, i) => i);
      const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
      const grouped = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (!kind(i) || alone(i)) continue;
        const c = [i];
        let ok = true;
        closure: for (let k = 0; k < c.length; k++)
          for (const nm of binds[c[k]])
            for (const r of readers.get(nm) ?? [])
              if (!c.includes(r)) {
                if (!kind(r) || c.length >= MAX_GROUP) {
                  ok = false;
                  break closure;
                }
                c.push(r);
              }
        if (!ok) continue;
        for (const m of c) {
          parent[find(m)] = find(i);
          grouped[m] = 1;
        }
      }
      const members = new Map<number, number[]>();
      const out: number[][] = [];
      for (let i = 0; i < n; i++) {
        if (!grouped[i]) {
          if (alone(i)) out.push([i]);
          continue;
        }
        const r = find(i);
        const g = members.get(r);
        if (g) g.push(i);
        else {
          const ng = [i];
          members.set(r, ng);
          out.push(ng);
        }
      }
      // (closures that met grew too large together: their statements that are leaves alone stay ones)
      return out.flatMap((g) => (g.length <= MAX_GROUP ? [g] : g.filter(alone).map((i) => [i])));
    };
    /** A watch of leaf groups (each one unit), with the group of each of their statements. */
    const watchOf = (own: readonly Item[], groups: readonly (readonly number[])[]): { watch: LeafWatch; unitOf: Map<number, number> } => {
      const unitOf = new Map<number, number>();
      groups.forEach((g, u) => g.forEach((i) => unitOf.set(i, u)));
      const ranges: [number, number][] = [];
      const unit: number[] = [];
      for (const i of [...unitOf.keys()].sort((x, y) => x - y)) {
        ranges.push([own[i].from, own[i].to]);
        unit.push(unitOf.get(i)!);
      }
      const names = new Map<string, number>();
      groups.forEach((g, u) => g.forEach((i) => own[i].info.binds.forEach((nm) => names.set(nm, u))));
      const reads = groups.map((g) => (g.length === 1 ? own[g[0]].info.words : [...new Set(g.flatMap((i) => own[i].info.words))]));
      return { watch: { ranges, unit, names, reads, foreign: groups.map(() => false), schedule: [], converged: false }, unitOf };
    };
    const keep = (h: Hub) => {
      this.hubs = [h, ...this.hubs.filter((x) => x !== h)].slice(0, HUBS_KEPT);
    };
    /**
     * Pieces of a large block (HubAnalysis): one per leaf group of `which`, and the core's when `withCore`
     * (the statements of `core`). What was found in each statement (layers by their call, flow edges by
     * their application) goes to the piece holding it.
     */
    const piecesOf = (
      own: readonly Item[],
      place: BlockPlace,
      layers: readonly ResolvedLayer[],
      edges: readonly FlowEdge[],
      which: readonly (readonly number[])[],
      core: readonly number[],
      importsAt: readonly number[],
      withCore: boolean,
    ): Piece[] => {
      const found = which.map(() => ({ layers: [] as ResolvedLayer[], edges: [] as FlowEdge[] }));
      const pieceOf = new Map<number, (typeof found)[number]>();
      which.forEach((g, k) => g.forEach((i) => pieceOf.set(i, found[k])));
      const coreFound = { layers: [] as ResolvedLayer[], edges: [] as FlowEdge[] };
      const of = (o: number) => pieceOf.get(ownIndex(own, o)) ?? coreFound;
      for (const l of layers) of(l.call.range.startOffset).layers.push(l);
      for (const e of edges) of(e.at).edges.push(e);
      const make = (ids: readonly number[], f: typeof coreFound): Piece => ({
        analysis: new BlockAnalysis(HubAnalysis.placeOf(place, ids, core, importsAt), f.layers, f.edges, here),
        own: ids,
      });
      const out = which.map((g, k) => make(g, found[k]));
      if (withCore && core.length) out.unshift(make(core, coreFound));
      return out;
    };
    /** A block analyzed whole (a large one watched for its leaf groups, and kept as a hub, in pieces). */
    const analyze = (b: Block, place: BlockPlace): Settled => {
      let watched: ReturnType<typeof watchOf> | undefined;
      let groups: number[][] = [];
      if (b.own.length >= HUB_MIN) {
        this.hubStats.whole++;
        groups = groupsOf(b.own, namesBound(b.own), readersOf(b.own));
        watched = watchOf(b.own, groups);
      }
      const watch = watched?.watch;
      const nodes = b.items.map((i) => i.node);
      const sem = analyzeBlock(text, tree, nodes, b.execEnd, callAt, pos, { ...this.options, tree }, ownCallAt(), watch);
      const flow = new FlowModel(text, tree, qualify!, nodes);
      const layers = layersIn(sem, flow, place.own);
      // (kept across edits: its strings must not keep this version of the text)
      const found = { layers: detachStrings(layers, SHARED), edges: detachStrings(flow.edges()) };
      // (pieces hold what lies in their statements: anything found outside every one keeps the block whole)
      const placed = found.layers.every((l) => ownIndex(b.own, l.call.range.startOffset) >= 0) && found.edges.every((e) => ownIndex(b.own, e.at) >= 0);
      if (!watched || !watch!.converged || !placed) return new BlockAnalysis(place, found.layers, found.edges, here);
      const ok = groups.map((_, u) => !watch!.foreign[u]);
      // (a flow finding of one statement about another's layer ties them, unless one leaf group holds both)
      const n = b.own.length;
      const keyOf = (i: number) => (i < 0 ? -1 : (watched!.unitOf.get(i) ?? n + i));
      for (const ln of flow.links()) {
        const at = ln.map((o) => ownIndex(b.own, o));
        const k0 = keyOf(at[0]);
        if (at.some((i) => keyOf(i) !== k0))
          for (const i of at) {
            const u = i >= 0 ? watched.unitOf.get(i) : undefined;
            if (u !== undefined) ok[u] = false;
          }
      }
      const which = groups.filter((_, u) => ok[u]);
      const group = new Array<number>(n).fill(-1);
      for (const g of which) for (const i of g) group[i] = g[0];
      const leaf = group.map((g) => g >= 0);
      const imports = importsOf(b);
      const core = leaf.flatMap((x, i) => (x ? [] : [i]));
      const r = new HubAnalysis(place, piecesOf(b.own, place, found.layers, found.edges, which, core, imports.at, true), core, imports.at);
      keep({
        analysis: r,
        own: b.own.map((it) => this.itemKey(it)),
        imports: imports.keys,
        importsAt: imports.at,
        setters,
        end: endOf(b),
        late: lateOf(b),
        leaf,
        group,
        schedule: scheduleOf(watch!, b.own, (i) => leaf[i]),
      });
      this.hubStats.watched++;
      return r;
    };
    /**
     * A large block that is a kept hub but for a run of its leaves, replaced by other leaves (typing
     * in one of 418 model classes, a class pasted, one deleted): the others' findings moved, and
     * the new statements' from the block without the other leaves, when they are leaf groups there
     * too and the rest ran alike (the same units in the same rounds). The statements analyzed anew
     * are the new ones, the others of a leaf group that lost one, and the leaf groups whose names a
     * new one reads or which read a name a new one binds. Null otherwise.
     */
    const fromHub = (b: Block, place: BlockPlace): HubAnalysis | null => {
      if (b.own.length < HUB_MIN || !this.hubs.length) return null;
      const own = b.own.map((it) => this.itemKey(it));
      let imports: ReturnType<typeof importsOf> | undefined;
      let end: string | undefined;
      let late: Set<string> | undefined;
      for (const h of this.hubs) {
        const a = alignRuns(h.own, own, MAX_REPLACED);
        if (!a || (!a.added.length && !a.removed.length)) continue;
        if (a.removed.some((i) => !h.leaf[i])) continue;
        // the imports the others see, where they saw them (none among the new statements); the other
        // bindings they read are statements of the block other than the new ones (whose names no other reads)
        if (h.setters !== setters) continue;
        imports ??= importsOf(b);
        if (h.imports !== imports.keys || h.importsAt.some((k, i) => !a.sameGap(k, imports!.at[i]))) continue;
        if (h.end !== (end ??= endOf(b))) continue;
        // (every other statement kept the column it had when its piece was made: what it found is moved)
        const moved = (pc: Piece) => {
          const was = pc.analysis.analyzedAt.own;
          return pc.own.some((i, k) => {
            if (a.newOf[i] < 0) return false;
            const o = place.own[a.newOf[i]];
            return o.character !== was[k].character || (was[k].from === 0 && o.from !== 0);
          });
        };
        if (h.analysis.pieceList.some(moved)) continue;
        const binds = namesBound(b.own);
        const readers = readersOf(b.own);
        const binders = new Map<string, number[]>();
        binds.forEach((ns, i) => ns.forEach((nm) => binders.set(nm, [...(binders.get(nm) ?? []), i])));
        const oldGroup = (i: number) => (a.oldOf[i] < 0 ? -1 : h.group[a.oldOf[i]]);
        const fresh = new Set<number>(a.added);
        const queue = [...a.added];
        const pull = (g: number) => {
          for (let k = 0; k < own.length; k++)
            if (!fresh.has(k) && oldGroup(k) === g) {
              fresh.add(k);
              queue.push(k);
            }
        };
        // (the others of a group that lost a statement, by the group's id: the hub's index of its first statement)
        for (const i of a.removed) pull(h.group[i]);
        while (queue.length) {
          if (fresh.size > MAX_FRESH) return null;
          const f = queue.pop()!;
          const near = [...b.own[f].info.words.flatMap((w) => binders.get(w) ?? []), ...binds[f].flatMap((nm) => readers.get(nm) ?? [])];
          for (const j of near) {
            if (fresh.has(j)) continue;
            // a statement of the core read or reading: read as before by the new ones, or the block is analyzed whole
            if (oldGroup(j) < 0) continue;
            pull(oldGroup(j));
          }
        }
        if (fresh.size > MAX_FRESH) return null;
        // the statements analyzed anew in leaf groups: connected by the names they bind and read
        const list = [...fresh].sort((x, y) => x - y);
        const parent = new Map(list.map((i) => [i, i]));
        const find = (i: number): number => (parent.get(i) === i ? i : find(parent.get(i)!));
        for (const f of list) for (const nm of binds[f]) for (const r of readers.get(nm) ?? []) if (fresh.has(r)) parent.set(find(r), find(f));
        const byRoot = new Map<number, number[]>();
        for (const i of list) byRoot.set(find(i), [...(byRoot.get(find(i)) ?? []), i]);
        const groups = [...byRoot.values()].sort((x, y) => x[0] - y[0]);
        if (!groups.every((g) => groupShaped(b.own, g, binds, readers))) return null;
        // (where the module body first calls its own names may have moved, into a statement typed in: the others see
        // the same values when each name one of them may read, and no new statement binds, is as late as it was)
        late ??= lateOf(b);
        const newNames = new Set(list.flatMap((i) => binds[i]));
        const lateNow = late;
        // (a statement binding a name has it among its words: it reads it only where its text names it again)
        const reads = (r: number, nm: string) => !binds[r].includes(nm) || namedTwice(text.slice(b.own[r].from, b.own[r].to), nm);
        if (
          [...h.late, ...lateNow].some(
            (nm) => !newNames.has(nm) && h.late.has(nm) !== lateNow.has(nm) && (readers.get(nm) ?? []).some((r) => !fresh.has(r) && reads(r, nm)),
          )
        )
          continue;
        // the block without the other leaves, the new statements watched
        const kept = b.items.filter((it) => {
          if (it.info.isImport) return true;
          const i = ownIndex(b.own, it.from);
          return fresh.has(i) || !h.leaf[a.oldOf[i]];
        });
        const keptOwn = kept.filter((it) => !it.info.isImport);
        const { watch, unitOf } = watchOf(b.own, groups);
        const ranges = watch.ranges;
        const nodes = kept.map((i) => i.node);
        const sem = analyzeBlock(text, tree, nodes, b.execEnd, callAt, pos, { ...this.options, tree }, ownCallAt(), watch, ranges);
        const inRun = (i: number) => i >= 0 && fresh.has(ownIndex(b.own, keptOwn[i].from));
        if (watch.foreign.some((x) => x) || !watch.converged || scheduleOf(watch, keptOwn, inRun) !== h.schedule) return null;
        const flow = new FlowModel(text, tree, qualify!, nodes);
        const unitAt = (o: number) => {
          const i = ownIndex(b.own, o);
          return i >= 0 && fresh.has(i) ? unitOf.get(i)! : -1;
        };
        for (const ln of flow.links(ranges)) {
          const at = ln.map(unitAt);
          if (at.some((u) => u >= 0) && at.some((u) => u !== at[0])) return null;
        }
        const mine = list.map((i) => b.own[i]);
        const inside = (o: number) => unitAt(o) >= 0;
        const group = own.map((_, i) => {
          if (fresh.has(i)) return groups[unitOf.get(i)!][0];
          const g = oldGroup(i);
          return g < 0 ? -1 : a.newOf[g];
        });
        const leaf = group.map((g) => g >= 0);
        const core = leaf.flatMap((x, i) => (x ? [] : [i]));
        // the hub's pieces but those of statements gone or analyzed anew, their statements numbered as now; then one per new group
        const pieces: Piece[] = [];
        for (const pc of h.analysis.pieceList)
          if (pc.own.every((i) => a.newOf[i] >= 0 && !fresh.has(a.newOf[i]))) pieces.push({ analysis: pc.analysis, own: pc.own.map((i) => a.newOf[i]) });
        const layers = detachStrings(layersIn(sem, flow, mine, ranges), SHARED);
        const edges = detachStrings(flow.edges(ranges).filter((e) => inside(e.at)));
        pieces.push(...piecesOf(b.own, place, layers, edges, groups, core, imports.at, false));
        pieces.sort((x, y) => x.own[0] - y.own[0]);
        const r = new HubAnalysis(place, pieces, core, imports.at);
        keep({ ...h, analysis: r, own, leaf, group, importsAt: imports.at, late });
        this.hubStats.fromHub++;
        return r;
      }
      return null;
    };
    const block = (b: Block, lines: BlockPlace['lines']): Entry => {
      // the key: its statements (their infos stand for their chunk's text and their place in it,
      // so for how the scanner saw them too)
      const base = this.blockKey(b);
      let key = base;
      const own: OwnStatement[] = b.own.map((it) => {
        const at = pos(it.from);
        return { from: it.from, to: it.to, line: at.line, character: at.character, firstRow: this.index.rowsIn(it.from, it.from)[0] };
      });
      // and the bindings of the names written in its statements, each with how many of them
      // start before it (what a callee there resolves to depends only on that order); when no
      // binding moved to another chunk since the last read, as they were
      // (a key met twice may stand for statements in two places: computed each time)
      let bound = sameLayout ? this.bindingsOf.get(base) : undefined;
      if (bound === TWICE) bound = undefined;
      if (bound === undefined) {
        bound = '';
        const seen = new Set<string>();
        for (const it of b.own)
          for (const w of it.info.identifiers) {
            if (seen.has(w)) continue;
            seen.add(w);
            for (const x of bindsOf().get(w) ?? []) {
              let lo = 0;
              let hi = own.length;
              while (lo < hi) {
                const mid = (lo + hi) >> 1;
                if (own[mid].from < x.at) lo = mid + 1;
                else hi = mid;
              }
              bound += `${lo}:${w}${x.s},`;
            }
          }
      }
      bindingsOf.set(base, bindingsOf.has(base) ? TWICE : bound);
      key += '\u0004' + bound + (setters && '\u0005' + setters);
      const place: BlockPlace = { own, lines };
      let r = this.blockResults.get(key) ?? this.dropped.get(key);
      lap('keys');
      if (r && next.has(key)) r = undefined;
      // reusable when every statement kept its column (its lines and offsets are then moved) and
      // none moved away from offset 0 (where a hop without a place points too)
      const kept = r && own.every((o, i) => o.character === r!.own[i].character && (o.from === r!.own[i].from || r!.own[i].from !== 0));
      if (r && kept) {
        const still = own.every((o, i) => o.from === r!.own[i].from && o.firstRow === r!.own[i].firstRow && o.line === r!.own[i].line);
        r.moveTo(place);
        if (still) stats.reused++;
        else stats.moved++;
      } else {
        qualify ??= this.qualifier();
        r = fromHub(b, place) ?? analyze(b, place);
        stats.analyzed++;
      }
      next.set(key, r);
      lap('analysis');
      return { block: b, analysis: r, key, base };
    };
    return { block, next, bindingsOf, stats, state };
  }

  /** The read's blocks in order, the settled maps kept for the next read, and the direct layers outside every block. */
  private finish(
    entries: Entry[],
    items: readonly Item[],
    text: string,
    settle: ReturnType<PythonModule['settler']>,
  ): { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } {
    for (const [k, a] of this.blockResults)
      if (settle.next.get(k) !== a) {
        this.dropped.delete(k);
        this.dropped.set(k, a);
      }
    for (const [k, a] of settle.next) if (this.dropped.get(k) === a) this.dropped.delete(k);
    // (bounded by statements, the oldest going first: as many as the current read's blocks hold, so
    // a large block's old analyses, one per edit inside it, are not all kept)
    let held = 0;
    for (const a of settle.next.values()) held += a.place.own.length;
    let kept = 0;
    for (const a of this.dropped.values()) kept += a.place.own.length;
    for (const [k, a] of this.dropped) {
      if (kept <= held) break;
      kept -= a.place.own.length;
      this.dropped.delete(k);
    }
    this.blockCache.prune(items);
    this.blockResults = settle.next;
    this.bindingsOf = settle.bindingsOf;
    this.stats = settle.stats;
    // direct layers outside every block's statements (between top-level statements there are only
    // blank lines and comments, so normally none)
    const looseRanges: [number, number][] = [];
    let prev = 0;
    for (const it of items) {
      if (it.from > prev) looseRanges.push([prev, it.from]);
      if (it.info.isImport) looseRanges.push([it.from, it.to]);
      prev = Math.max(prev, it.to);
    }
    looseRanges.push([prev, text.length + 1]);
    const loose: ResolvedLayer[] = [];
    for (const [a, b] of looseRanges) for (const l of this.index.layersIn(a, b)) loose.push(l);
    return { blocks: entries.flatMap((e) => e.analysis.pieces()), loose, looseRanges };
  }

  /**
   * The blocks after an edit that changed chunks in one place without changing which names any
   * statement reads or binds (typing inside a statement, most edits): the blocks stay made of
   * the same statements, so only those holding a changed statement are settled again; the others
   * keep their key and their analysis and are moved by the edit's length (and lines, and rows).
   * Null when this does not hold (the full path then settles every block).
   */
  private patch(
    tree: Tree,
    text: string,
    nameOf: (from: number, to: number, kind: string) => string,
    chunkOf: (o: number) => number,
    span: (it: Item) => { line: number; endLine: number },
    settle: ReturnType<PythonModule['settler']>,
    rescan: [number, number] | null,
    layout: true | { last: BindingLayout; now: BindingLayout },
  ): { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } | null {
    const last = this.last;
    const resynced = this.parser.resynced.size > 0;
    if (!last || last.resynced !== resynced || (resynced && !rescan)) return this.miss('state');
    const starts = this.parser.starts;
    const ids = this.parser.ids;
    const n = starts.length;
    const m = last.starts.length;
    const delta = text.length - last.length;
    let p = 0;
    while (p < n && p < m && ids[p] === last.ids[p] && starts[p] === last.starts[p]) p++;
    let q = 0;
    while (q < n - p && q < m - p && ids[n - 1 - q] === last.ids[m - 1 - q] && starts[n - 1 - q] - delta === last.starts[m - 1 - q]) q++;
    // past a string left open above, a chunk's text does not fix what the scanner saw in it: the
    // chunks the scanner saw again count as changed too
    if (resynced) {
      p = Math.min(p, chunkOf(rescan![0]));
      q = Math.min(q, n - 1 - chunkOf(Math.max(rescan![0], rescan![1] - 1)));
      if (q < 0 || p > n - q || p > m - q) return this.miss('rescan');
    }
    // a call left open in the chunk before the changed ones may run into them (or did): its
    // statement is named by their text too (nameOf), so it is read again with them
    const runsOn = (c: number) => {
      const end = c + 1 < n ? starts[c + 1] : text.length;
      if (this.index.callsEnd(starts[c], end) > end) return true;
      let i = 0;
      for (let hi = last.chunk.length; i < hi;) {
        const mid = (i + hi) >> 1;
        if (last.chunk[mid] < c) i = mid + 1;
        else hi = mid;
      }
      for (; i < last.chunk.length && last.chunk[i] === c; i++) if (last.items[i].key.includes(RUNS_ON)) return true;
      return false;
    };
    while (p > 0 && runsOn(p - 1)) p--;
    // the blocks left as they were keep their key only while no binding moved across their
    // statements: the bindings outside the changed chunks are where they were (their chunks
    // shifted by the chunks the edit added), those inside bind the same names (every statement
    // there is settled again: a block reading them, if left as it was, has no statement there)
    if (
      layout !== true &&
      !(sameBindings(layout.last.imports, layout.now.imports, p, m - q, n - q) && sameBindings(layout.last.rebinds, layout.now.rebinds, p, m - q, n - q))
    )
      return this.miss('layout');
    // old chunks [p, m - q) became new chunks [p, n - q): old text [from, oldTo), new [from, oldTo + delta)
    const from = p < m ? last.starts[p] : last.length;
    const oldTo = m - q < m ? last.starts[m - q] : last.length;
    const items = last.items;
    let i0 = 0;
    while (i0 < items.length && last.chunk[i0] < p) i0++;
    let i1 = i0;
    while (i1 < items.length && last.chunk[i1] < m - q) i1++;
    const fresh: Item[] = [];
    for (let c = tree.topNode.childAfter(from); c && c.from < oldTo + delta; c = c.nextSibling)
      if (c.from >= from) fresh.push(this.blockCache.item(c, text, nameOf));
    const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    // (names no statement binds join no blocks)
    const joins = (w: readonly string[]) => w.filter((x) => last.bound.has(x)).sort();
    // A statement that binds no name and reads none a statement binds (an expression, a half-typed
    // line) is a block of its own that no other block reads: one typed or deleted adds or drops
    // that block alone. The others must pair up, in order, with the same names.
    const alone = (it: Item) => !it.info.isImport && !it.info.barrier && !it.info.binds.length && !joins(it.info.words).length;
    const pairs = fresh.length === i1 - i0 && fresh.every((f, k) => alone(f) === alone(items[i0 + k]));
    const oldKept: number[] = [];
    const freshKept: number[] = [];
    const added: Item[] = [];
    for (let k = i0; k < i1; k++) if (pairs || !alone(items[k])) oldKept.push(k);
    for (let k = 0; k < fresh.length; k++) {
      if (pairs || !alone(fresh[k])) freshKept.push(k);
      else added.push(fresh[k]);
    }
    if (oldKept.length !== freshKept.length) return this.miss('statements');
    let regroup = !pairs;
    const joined = new Set<string>();
    for (let j = 0; j < oldKept.length; j++) {
      const a = items[oldKept[j]].info;
      const b = fresh[freshKept[j]].info;
      // (a statement that ends the module body may be edited as long as it still does: which
      // statements never run is then unchanged outside it, see execEnd below)
      if (a.isImport || b.isImport || a.barrier !== b.barrier || items[oldKept[j]].node.name !== fresh[freshKept[j]].node.name) return this.miss('kind');
      if (!sameNames(a.binds, b.binds)) return this.miss('names');
      // a name a statement binds, written or deleted (typing `n` in a class when a broken line binds `n` at
      // top level): the blocks holding the name regroup with the changed ones (see regroup below)
      const was = joins(a.words);
      const now = joins(b.words);
      if (!sameNames(was, now)) for (const w of now) if (!was.includes(w)) joined.add(w);
      if (!sameNames(was, now)) regroup = true;
    }
    const dl = this.index.lineCount - last.lines;
    const rowCount = this.index.callRows().count;
    const drows = rowCount - last.rows;
    // the statements after the change move; the changed ones are replaced (blocks hold the same
    // objects); the blocks of the lone statements that went are dropped
    const dirty = new Set<number>();
    for (const k of oldKept) dirty.add(last.blockOfItem[k]);
    // (every statement that holds a name joined now is in the block of the name's other statements)
    if (joined.size)
      for (let k = 0; k < items.length; k++) if ((k < i0 || k >= i1) && items[k].info.words.some((w) => joined.has(w))) dirty.add(last.blockOfItem[k]);
    const gone = new Set<number>();
    for (let k = i0; k < i1; k++) if (!pairs && alone(items[k])) gone.add(last.blockOfItem[k]);
    const replaced = new Map<Item, Item>();
    for (let j = 0; j < oldKept.length; j++) replaced.set(items[oldKept[j]], fresh[freshKept[j]]);
    for (let k = i1; k < items.length; k++) {
      items[k].from += delta;
      items[k].to += delta;
      last.chunk[k] += n - m;
    }
    items.splice(i0, i1 - i0, ...fresh);
    last.chunk.splice(i0, i1 - i0, ...fresh.map((f) => chunkOf(f.from)));
    settle.state.items = items;
    const entries: Entry[] = [];
    const next = settle.next;
    // top-level nodes of this tree by offset (a large block looks up each of its statements)
    let topAt: Map<number, SyntaxNode> | null = null;
    const nodeAt = (from: number) => {
      if (!topAt) {
        topAt = new Map();
        for (let c = tree.topNode.firstChild; c; c = c.nextSibling) if (c.to > c.from && !topAt.has(c.from)) topAt.set(c.from, c);
      }
      return topAt.get(from);
    };
    let dirtyItems = 0;
    for (const e of dirty) dirtyItems += last.entries[e].block.items.length;
    // the module body's end (BlockCache.blocks): the first statement that ends it is where it was, or in the change
    let execEnd: number | undefined;
    for (const it of items)
      if (it.info.barrier && !(it.node.name === ':' || it.node.name === 'Comment' || it.node.name === '⚠')) {
        execEnd = it.to;
        break;
      }
    // the changed statements in, every statement's node from this tree
    const swap = (it: Item) => {
      const r = replaced.get(it);
      if (r) return r;
      const c = dirtyItems > 64 ? nodeAt(it.from) : tree.topNode.childAfter(it.from);
      if (c && c.from === it.from) it.node = c;
      return it;
    };
    // (regrouped: the statements of the blocks settled again, grouped anew below)
    const pool: Item[] = [];
    for (let e = 0; e < last.entries.length; e++) {
      if (gone.has(e)) continue;
      const old = last.entries[e];
      const b = old.block;
      b.execEnd = execEnd;
      if (dirty.has(e)) {
        if (regroup) for (const it of b.own) pool.push(swap(it));
        else {
          const nb: Block = { items: b.items.map(swap), own: b.own.map(swap), execEnd: b.execEnd };
          entries.push(settle.block(nb, nb.items.map(span)));
        }
        continue;
      }
      // moved by the edit: the statements after it
      const a = old.analysis;
      const place = a.place;
      let moved = false;
      const own = place.own.map((o) => {
        if (o.from < oldTo) return o;
        moved = true;
        return { ...o, from: o.from + delta, to: o.to + delta, line: o.line + dl, firstRow: o.firstRow + drows };
      });
      if (moved || dl) {
        const lines = place.lines.map((l, i) => (b.items[i].from >= oldTo + delta ? { line: l.line + dl, endLine: l.endLine + dl } : l));
        if (moved) a.moveTo({ own, lines });
        else if (lines.some((l, i) => l !== place.lines[i])) a.moveTo({ own, lines });
      }
      if (moved) settle.stats.moved++;
      else settle.stats.reused++;
      next.set(old.key, a);
      settle.bindingsOf.set(old.base, this.bindingsOf.get(old.base) ?? '');
      entries.push(old);
    }
    if (regroup) {
      // The blocks settled again, and the lone statements typed, grouped as the full path groups
      // them (BlockCache.blocks): no other statement shares a bound name with them, so their
      // groups are the module's. Each goes where the full path puts it (by first statement); then
      // which block holds each statement, anew.
      // (by place in the text's statements: two may start at one offset, an empty one first)
      const indexOf = new Map(items.map((it, k) => [it, k]));
      const inPool = new Set([...pool, ...added]);
      const grouped = items.filter((it) => it.info.isImport || inPool.has(it));
      for (const it of grouped) if (it.info.isImport) swap(it);
      for (const g of inPool.size ? this.blockCache.blocks(grouped) : []) {
        g.execEnd = execEnd;
        const entry = settle.block(g, g.items.map(span));
        const first = indexOf.get(g.own[0])!;
        let at = entries.length;
        while (at > 0 && indexOf.get(entries[at - 1].block.own[0])! > first) at--;
        entries.splice(at, 0, entry);
      }
      last.blockOfItem = new Array<number>(items.length).fill(-1);
      entries.forEach((en, e) => {
        for (const it of en.block.own) last.blockOfItem[indexOf.get(it)!] = e;
      });
    }
    // (an entry settled again may hold other statements' objects now: keep the new block)
    last.entries = entries;
    last.starts = starts;
    last.ids = ids;
    last.length = text.length;
    last.lines = this.index.lineCount;
    last.rows = rowCount;
    last.resynced = resynced;
    return this.finish(entries, items, text, settle);
  }

  /**
   * A block's statements by text and kind, in order (which never ran, too). Their places are
   * not part of it: a block reused elsewhere has its offsets moved, and only while every own
   * statement keeps its line. The imports every block gets give values without places (an import
   * hop is recorded only with a host, for siblings' names: then their places count too).
   */
  private blockKey(b: Block): string {
    let key = '';
    for (const it of b.items) {
      const dead = b.execEnd !== undefined && it.from >= b.execEnd ? 'x' : '';
      key += `${this.itemKey(it)}${dead};`;
    }
    return key;
  }

  /** A statement's part of its block's key: the info's id stands for its kind and text (infos are shared by text), an import's place when files are placed. */
  private itemKey(it: Item): string {
    return `${it.info.isImport && this.options.host ? it.from : ''}:${it.info.id}`;
  }

  /** Large blocks analyzed last, most recent first (see Hub). */
  private hubs: Hub[] = [];
  /**
   * Large blocks analyzed whole, those of them kept as hubs (watched for their leaves), and blocks made
   * from a hub with only the edited leaves analyzed again (for the bench and tests).
   */
  hubStats = { whole: 0, watched: 0, fromHub: 0 };
}
