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
  /** PyTorch raises ZeroDivisionError for GroupNorm(num_groups=0) (and 1.13 raised IndexError for 1-D input). */
  | 'IndexError'
  | 'ZeroDivisionError';

/** An error of the core: `type` is the Python exception class, `message` the framework's text. */
export class NormError extends Error {
  constructor(
    readonly type: NormErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'NormError';
  }
}

/** PyTorch's RuntimeError (shape and size mismatches), ValueError (bad arguments), and our InputError. */
export const runtimeError = (message: string) => new NormError('RuntimeError', message);
export const valueError = (message: string) => new NormError('ValueError', message);
export const inputError = (message: string) => new NormError('InputError', message);
