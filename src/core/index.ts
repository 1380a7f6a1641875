/** The numeric core: pure TypeScript, no editor or Node-only API, runs anywhere. */
export { Tensor } from './tensor';
export type { LayerParams, LayerState, RunRequest, RunResult } from './types';
export { runLayer, statGroupIndex, defaultParams, defaultState } from './run';
export { convertMomentum, averagingWindow, countParameters, foldBatchNorm, applyWeightLayer, verifyFold } from './conversions';
export { seededSample } from './sample';
export { FLOAT32_EPS } from './layers/layernorm';
export { checkGroupNormSpec } from './layers/groupnorm';
export { NormError } from './errors';
export type { NormErrorType } from './errors';
export type { CoreLayerSpec } from './spec';
