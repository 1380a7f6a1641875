/**
 * The property tests (fast-check) draw from one fixed seed, so `npm test` gives the same verdict
 * on every run and a CI failure is one anybody can replay. `FUZZ_SEED=random npm run test:unit`
 * (or any number) explores other draws; a failure prints its seed, path and counterexample, which
 * then becomes a test of its own.
 */
import fc from 'fast-check';

const seed = process.env.FUZZ_SEED;
if (seed !== 'random') {
  const n = seed === undefined ? 20261201 : Number(seed);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${JSON.stringify(seed)}`);
  fc.configureGlobal({ seed: n });
}
