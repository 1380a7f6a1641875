import { runInspect } from '../../../src/cli/inspect';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function inspect(argv: string[], opts: { isTTY?: boolean; env?: Record<string, string | undefined> } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runInspect(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
  });
  return { code, stdout, stderr };
}
