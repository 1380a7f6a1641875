/** The calculators' pure logic: each validates its inputs with specific messages and returns data plus renderings. */
export * from './result';
export * from './parse';
export * from './normalize';
export * from './momentum';
export * from './fold';
export * from './simulate';
export * from './choose';
export * from './fromLayer';
export * from './count';
