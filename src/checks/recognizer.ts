/**
 * The rules' access to the recognizer and the framework table, in one place.
 */
import { PythonModule, type SemanticOptions } from '../python';
import type { ResolvedLayer } from '../python/types';
import type { ScanInput } from './context';

export { frameworkInfo } from '../frameworks';

/**
 * Scan a Python text and resolve its normalization layers. Calls stay rows: the rules build
 * objects only for the calls they look at.
 */
export function recognize(text: string, options?: SemanticOptions): { scan: ScanInput; layers: ResolvedLayer[] } {
  const module = new PythonModule(text, options);
  const index = module.index;
  return {
    layers: [...module.layers],
    scan: { text, rows: index.callRows(), imports: [...index.imports], rebinds: [...index.rebinds], flow: module.flow() },
  };
}
