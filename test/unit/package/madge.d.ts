// The part of madge's API that layers.test.ts uses (madge ships no types).
declare module 'madge' {
  interface MadgeResult {
    /** Each file (relative to the base folder) with the files it imports. */
    obj(): Record<string, string[]>;
    warnings(): { skipped: string[] };
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, Record<string, unknown>>;
  }
  function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
  export default madge;
}
