/**
 * The rules' access to the recognizer and the framework table, in one place.
 */
import { PythonModule, type SemanticOptions } from '../python';
import type { ResolvedLayer } from '../python/types';
import type { ScanInput } from './context';

export { frameworkInfo } from '../frameworks';

/**
 * Scan a Python text and resolve its normalization layers. Calls stay rows: the rules build
 * objects only for the calls they look at. The data flow (`scan.flow`) is built when first read:
 * a module without layers needs none (the placements of its layers are all it would give).
 */
export function recognize(text: string, options?: SemanticOptions): { scan: ScanInput; layers: ResolvedLayer[] } {
  const module = new PythonModule(text, options);
  const index = module.index;
  // a module never edited: its layers are the whole model's, with placements from the flow
  const layers = module.wholeLayers().length === 0 ? [] : [...module.layers];
  return {
    layers,
    scan: {
      text,
      rows: index.callRows(),
      imports: [...index.imports],
      rebinds: [...index.rebinds],
      get flow() {
        return module.flow();
      },
    },
  };
}
