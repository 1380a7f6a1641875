/**
 * The framework table as the panel uses it: the list for the selector, every class (to read
 * hover-link arguments by role), and a cached profile per framework and input rank.
 */
import { FRAMEWORKS, NORM_CLASSES as ALL_CLASSES } from '../frameworks';
import { isNormMethod, type FrameworkId, type FrameworkInfo, type NormClassSpec } from '../frameworks/types';
import { buildProfile, type FrameworkProfile } from './profile';

export const NORM_CLASSES: NormClassSpec[] = ALL_CLASSES;

/** Frameworks that define at least one of the compared layers. */
export const FRAMEWORK_LIST: FrameworkInfo[] = FRAMEWORKS.filter((f) => ALL_CLASSES.some((c) => c.framework === f.id && isNormMethod(c.kind)));

const cache = new Map<string, FrameworkProfile>();
export function profileFor(id: FrameworkId, rank: number): FrameworkProfile {
  const key = `${id}/${rank}`;
  let p = cache.get(key);
  if (!p) {
    p = buildProfile(ALL_CLASSES, FRAMEWORKS, id, rank);
    cache.set(key, p);
  }
  return p;
}
