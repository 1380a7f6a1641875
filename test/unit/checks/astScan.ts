/**
 * An independent scanner for the rules tests: CPython's ast finds the calls and imports
 * (ast_scan.py), the framework table binds the arguments. The rules are then checked on exactly
 * what Python itself sees, apart from the recognizer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { bindArguments, findByQualifiedName } from '../../../src/frameworks';
import type { PyValue } from '../../../src/frameworks/types';
import type { CallArgument, EffectiveArgument, ImportBinding, Range, ResolvedLayer, ScannedCall } from '../../../src/python/types';
import { qualifier, type ScanInput } from '../../../src/checks';

type R = [number, number, number, number];
interface RawArg {
  star: '*' | '**' | null;
  name: string | null;
  value: PyValue;
  text: string;
  range: R;
  valueRange: R;
}
interface RawCall {
  callee: string;
  calleeRange: R;
  nameRange: R;
  range: R;
  args: RawArg[];
}

let python: string | undefined;

/** A Python of at least 3.12 when one is installed (its ast knows PEP 701 f-strings), else python3. */
export function astPython(): string {
  if (python) return python;
  const candidates = [process.env.NORMLENS_PYTHON, 'python3.13', 'python3.12'];
  const pyenv = path.join(process.env.HOME ?? '/root', '.pyenv', 'versions');
  if (existsSync(pyenv)) {
    for (const v of readdirSync(pyenv).sort().reverse()) if (/^3\.(1[2-9]|[2-9]\d)/.test(v)) candidates.push(path.join(pyenv, v, 'bin', 'python3'));
  }
  for (const c of candidates) {
    if (!c) continue;
    const r = spawnSync(c, ['-c', 'import sys; assert sys.version_info >= (3, 12)'], { encoding: 'utf8' });
    if (r.status === 0) return (python = c);
  }
  return (python = 'python3');
}

export class PythonSyntaxError extends Error {}

export function astScan(src: string): { scan: ScanInput; layers: ResolvedLayer[] } {
  const r = spawnSync(astPython(), [path.join(__dirname, 'ast_scan.py')], { input: src, encoding: 'utf8' });
  if (r.status !== 0) {
    if (/SyntaxError/.test(r.stderr)) throw new PythonSyntaxError(r.stderr);
    throw new Error(`ast_scan.py failed: ${r.stderr}`);
  }
  const raw = JSON.parse(r.stdout) as { calls: RawCall[]; imports: { local: string; target: string; range: R }[] };

  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') starts.push(i + 1);
  const range = ([l0, c0, l1, c1]: R): Range => ({
    start: { line: l0, character: c0 },
    end: { line: l1, character: c1 },
    startOffset: starts[l0] + c0,
    endOffset: starts[l1] + c1,
  });

  const calls: ScannedCall[] = raw.calls.map((c) => ({
    callee: c.callee,
    calleeRange: range(c.calleeRange),
    nameRange: range(c.nameRange),
    range: range(c.range),
    complete: true,
    args: c.args.map((a): CallArgument => ({
      ...(a.name !== null ? { name: a.name } : {}),
      ...(a.star ? { star: a.star } : {}),
      value: a.value,
      text: a.text,
      range: range(a.range),
      valueRange: range(a.valueRange),
    })),
  }));
  calls.sort((a, b) => a.range.startOffset - b.range.startOffset);
  const imports: ImportBinding[] = raw.imports.map((i) => ({ local: i.local, target: i.target, range: range(i.range) }));

  const layers: ResolvedLayer[] = [];
  const qualify = qualifier(imports);
  for (const call of calls) {
    const qualifiedName = qualify(call.callee, call.range.startOffset);
    const spec = qualifiedName ? findByQualifiedName(qualifiedName) : undefined;
    if (!qualifiedName || !spec) continue;
    const plain = call.args.filter((a) => !a.star);
    const positional = plain.filter((a) => a.name === undefined);
    const keywords: Record<string, PyValue> = {};
    for (const a of plain) if (a.name !== undefined) keywords[a.name] = a.value;
    const binding = bindArguments(
      spec,
      positional.map((a) => a.value),
      keywords,
      { starArgs: call.args.some((a) => a.star === '*'), starKwargs: call.args.some((a) => a.star === '**') },
    );
    const positionalNames = spec.params.filter((p) => !p.keywordOnly).map((p) => p.name);
    const written = new Map<string, CallArgument>();
    positional.forEach((a, i) => positionalNames[i] && written.set(positionalNames[i], a));
    for (const a of plain) if (a.name !== undefined && !written.has(a.name)) written.set(a.name, a);
    const effective: Record<string, EffectiveArgument> = {};
    for (const [name, b] of Object.entries(binding.effective)) {
      const arg = written.get(name);
      effective[name] = { value: b.value, isDefault: b.isDefault, ...(b.isDefault || !arg ? {} : { range: arg.valueRange }) };
    }
    layers.push({ call, qualifiedName, spec, arguments: binding.arguments, effective, bindingErrors: binding.errors });
  }
  return { scan: { text: src, calls, imports }, layers };
}
