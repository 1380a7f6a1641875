/**
 * The Python of the frameworks' venv (`bash scripts/setup-frameworks.sh`: torch, Keras, Flax and JAX from the local
 * wheels), which the tests that run the real frameworks call; they skip, or say so, when it is not there.
 */
import { join } from 'node:path';

export const FRAMEWORKS_PYTHON = join(__dirname, '..', '..', '.venv-frameworks', 'bin', 'python');
