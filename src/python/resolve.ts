/**
 * From callee text to the framework table: which import (or module-level rebinding) is in
 * effect where the call is written, the qualified name it denotes, and the call's arguments
 * bound to that class's signature. Only syntax is used: a name bound by anything other than an
 * import (`norm = nn.BatchNorm2d; norm(64)`) is not followed.
 */
import { bindArguments, findByQualifiedName } from '../frameworks/index';
import type { NormClassSpec, PyValue } from '../frameworks/types';
import type { EffectiveArgument, ImportBinding, Range, Rebinding, ResolvedLayer, ScannedCall } from './types';

/**
 * A binding. Its offset is read from the import or rebinding it comes from, so that shifting
 * those after an edit keeps the timeline current.
 */
interface Event {
  /** Order key: (cell, offset). */
  cell: number;
  src: ImportBinding | Rebinding;
  target: string | null;
}

const atOf = (e: Event) => ('at' in e.src ? e.src.at : e.src.range.endOffset);

/** Where each local name is (re)bound, in text order, plus `from m import *` modules. */
export class BindingTimeline {
  private byName = new Map<string, Event[]>();
  private stars: Event[] = [];
  /**
   * Per callee: its bindings and, per binding, the qualified name it gives (a file writes the
   * same callees thousands of times; this saves splitting and joining each one).
   */
  private memo = new Map<string, { list: Event[] | undefined; dot: number; names: (string | null | undefined)[] }>();

  add(imports: readonly ImportBinding[], rebinds: readonly Rebinding[], cell = 0): void {
    this.memo.clear();
    const all: [string, Event][] = [];
    for (const b of imports) {
      const ev = { cell, src: b, target: b.target };
      if (b.local === '*') this.stars.push(ev);
      else all.push([b.local, ev]);
    }
    for (const r of rebinds) all.push([r.local, { cell, src: r, target: null }]);
    for (const [name, ev] of all) {
      let list = this.byName.get(name);
      if (!list) this.byName.set(name, (list = []));
      list.push(ev);
    }
  }

  /** Sort once after all add() calls. */
  seal(): this {
    const cmp = (a: Event, b: Event) => a.cell - b.cell || atOf(a) - atOf(b);
    for (const list of this.byName.values()) list.sort(cmp);
    this.stars.sort(cmp);
    this.memo.clear();
    return this;
  }

  private static last(list: Event[], cell: number, at: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = list[mid];
      if (e.cell < cell || (e.cell === cell && atOf(e) <= at)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Qualified name a callee denotes at a position, or null when it cannot be known. */
  qualify(callee: string, cell: number, at: number): string | null {
    let m = this.memo.get(callee);
    if (!m) {
      const dot = callee.indexOf('.');
      m = { list: this.byName.get(dot < 0 ? callee : callee.slice(0, dot)), dot, names: [] };
      this.memo.set(callee, m);
    }
    const list = m.list;
    const k = list ? BindingTimeline.last(list, cell, at) : -1;
    if (k >= 0) {
      let q = m.names[k];
      if (q === undefined) {
        const t = list![k].target;
        q = t === null ? null : m.dot < 0 ? t : t + callee.slice(m.dot);
        m.names[k] = q;
      }
      return q;
    }
    // an unbound name may come from `from module import *`, newest first
    for (let s = BindingTimeline.last(this.stars, cell, at); s >= 0; s--) {
      const q = this.stars[s].target + '.' + callee;
      if (findByQualifiedName(q)) return q;
    }
    return null;
  }
}

/** The framework class a callee written at `at` denotes, if any. */
export function specAt(callee: string, at: number, timeline: BindingTimeline, cell = 0): NormClassSpec | null {
  const q = timeline.qualify(callee, cell, at);
  return q === null ? null : (findByQualifiedName(q) ?? null);
}

/** The layer a call creates, or null when it is not a known normalization class. */
export function resolveCall(call: ScannedCall, timeline: BindingTimeline, cell = 0): ResolvedLayer | null {
  const spec = specAt(call.callee, call.range.startOffset, timeline, cell);
  if (!spec) return null;
  return bindLayer(call, spec);
}

const positionalCache = new WeakMap<NormClassSpec, string[]>();
/** Names of the parameters that can be passed by position, in order. */
function positionalNamesOf(spec: NormClassSpec): string[] {
  let names = positionalCache.get(spec);
  if (!names) positionalCache.set(spec, (names = spec.params.filter((p) => !p.keywordOnly).map((p) => p.name)));
  return names;
}

/** A call of a known class: its arguments bound to the signature, defaults filled in. */
export function bindLayer(call: ScannedCall, spec: NormClassSpec): ResolvedLayer {
  const positional: PyValue[] = [];
  const positionalRanges: Range[] = [];
  const keywords: Record<string, PyValue> = {};
  const keywordRanges = new Map<string, Range>();
  const unsure = new Map<string, string>();
  let starArgs = false;
  let starKwargs = false;
  const unpacked: string[] = [];
  // the keys all the mappings may hold, when each one's are known
  let keys: string[] | undefined = [];
  let starText = '';
  for (const a of call.args) {
    if (a.star === '*') {
      starArgs = true;
      starText ||= `*${a.text.replace(/^\*\s*/, '')}`;
    } else if (a.star === '**') {
      starKwargs = true;
      unpacked.push(`**${a.text.replace(/^\*\*\s*/, '')}`);
      keys = keys && a.keys ? [...keys, ...a.keys.filter((k) => !keys!.includes(k))] : undefined;
    } else if (a.name !== undefined) {
      keywords[a.name] = a.value;
      keywordRanges.set(a.name, a.valueRange);
      if (a.maySetBy) unsure.set(a.name, a.maySetBy);
    } else if (!starArgs) {
      // after *args the positions of later positionals are unknown
      if (a.maySetBy) unsure.set(`#${positional.length}`, a.maySetBy);
      positional.push(a.value);
      positionalRanges.push(a.valueRange);
    }
  }
  const binding = bindArguments(spec, positional, keywords, { starArgs, starKwargs });
  const positionalNames = positionalNamesOf(spec);
  const effective: Record<string, EffectiveArgument> = {};
  for (const name in binding.effective) {
    const b = binding.effective[name];
    const e: EffectiveArgument = { value: b.value, isDefault: b.isDefault };
    const by = b.isDefault ? undefined : (unsure.get(name) ?? unsure.get(`#${positionalNames.indexOf(name)}`));
    if (by) e.maySetBy = by;
    if (!b.isDefault) {
      const k = positionalNames.indexOf(name);
      const r = keywordRanges.get(name) ?? (k >= 0 && k < positionalRanges.length ? positionalRanges[k] : undefined);
      if (r) e.range = r;
    }
    effective[name] = e;
  }
  // `f(*spec)`: the positional parameters after those written may come from it (their defaults are unsure, and a
  // required one is there, its value known only when the code runs)
  if (starArgs)
    for (const name of positionalNames.slice(positional.length)) {
      if (name in keywords) continue;
      const e = effective[name];
      if (e?.isDefault) effective[name] = { ...e, maySetBy: e.maySetBy ?? starText };
      else if (!e && spec.params.some((q) => q.name === name && !('default' in q)))
        effective[name] = { value: { expr: '?' }, isDefault: false, maySetBy: starText };
    }
  return {
    call,
    qualifiedName: spec.id,
    spec,
    arguments: binding.arguments,
    effective,
    bindingErrors: binding.errors,
    ...(unpacked.length ? { kwargsUnpacked: { text: unpacked.join(', '), ...(keys ? { keys } : {}) } } : {}),
  };
}

export function resolveCalls(calls: readonly ScannedCall[], timeline: BindingTimeline, cell?: number): ResolvedLayer[] {
  const out: ResolvedLayer[] = [];
  for (const c of calls) {
    const layer = resolveCall(c, timeline, cell ?? 0);
    if (layer) {
      if (cell !== undefined) layer.cell = cell;
      out.push(layer);
    }
  }
  return out;
}
