/**
 * The rules' access to the recognizer and the framework table, in one place.
 */
import { scanPython, resolveScan } from '../python';
import type { ResolvedLayer } from '../python/types';
import type { ScanInput } from './context';

export { frameworkInfo } from '../frameworks';

/** Scan a Python text and resolve its normalization layers. */
export function recognize(text: string): { scan: ScanInput; layers: ResolvedLayer[] } {
  const scan = scanPython(text);
  return { scan: { text, calls: scan.calls, imports: scan.imports, rebinds: scan.rebinds }, layers: resolveScan(scan) };
}
