/**
 * The rules' access to the recognizer and the framework table, in one place.
 */
import { PythonModule, type SemanticOptions } from '../python';
import type { ResolvedLayer } from '../python/types';
import type { ScanInput } from './context';
import { ChunkedMask } from './text';

export { frameworkInfo } from '../frameworks';

/**
 * Scan a Python text and resolve its normalization layers. Calls stay rows: the rules build
 * objects only for the calls they look at. The data flow (`scan.flow`) and the mask of strings
 * and comments (`scan.masked`) are built when first read: a module without layers needs neither
 * (the placements of its layers are all the flow would give).
 */
export function recognize(text: string, options?: SemanticOptions): { scan: ScanInput; layers: ResolvedLayer[] } {
  const module = new PythonModule(text, options);
  const index = module.index;
  const layers = module.hasLayers() ? [...module.layers] : [];
  let masked: string | undefined;
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
      // masked per chunk as the editor's checks mask it (./incremental.ts): past a string left
      // open, the chunks the parser cut there are masked apart
      get masked() {
        if (masked === undefined) {
          const chunks = module.statementChunks();
          masked = new ChunkedMask().mask(text, chunks.starts, chunks.ids);
        }
        return masked;
      },
    },
  };
}
