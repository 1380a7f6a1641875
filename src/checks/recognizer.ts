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
 * objects only for the calls they look at.
 */
export function recognize(text: string, options?: SemanticOptions): { scan: ScanInput; layers: ResolvedLayer[] } {
  const module = new PythonModule(text, options);
  const index = module.index;
  // masked per chunk as the editor's checks mask it (./incremental.ts): past a string left open,
  // the chunks the parser cut there are masked apart
  const chunks = module.statementChunks();
  return {
    layers: [...module.layers],
    scan: {
      text,
      rows: index.callRows(),
      imports: [...index.imports],
      rebinds: [...index.rebinds],
      flow: module.flow(),
      masked: new ChunkedMask().mask(text, chunks.starts, chunks.ids),
    },
  };
}
