/**
 * Errors raised by the core. `type` mirrors the Python exception a framework would raise
 * (so the CLI can answer with PyTorch's own class and message); InputError is ours, for
 * malformed requests that never reach a layer.
 */
export type NormErrorType =
  | 'ValueError'
  | 'RuntimeError'
  | 'TypeError'
  | 'InputError'
  /** PyTorch 1.13 raises these for a GroupNorm on 1-D input and for num_groups=0. */
  | 'IndexError'
  | 'ZeroDivisionError';

export class NormError extends Error {
  constructor(readonly type: NormErrorType, message: string) {
    super(message);
    this.name = 'NormError';
  }
}

export const runtimeError = (message: string) => new NormError('RuntimeError', message);
export const valueError = (message: string) => new NormError('ValueError', message);
export const typeError = (message: string) => new NormError('TypeError', message);
export const inputError = (message: string) => new NormError('InputError', message);
