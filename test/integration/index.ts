/**
 * Entry of the integration suite, with the contract `@vscode/test-electron` uses: VS Code loads
 * this module inside the extension host and awaits `run()`, which rejects when a test fails.
 * The same entry runs in code-server (scripts/run-vscode-tests.mjs); when NORMLENS_TEST_RESULTS
 * names a file, a JSON summary (counts and failures) is written there for the runner to print.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface Summary {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; message: string; stack?: string }[];
  tests: { title: string; state: string; durationMs?: number }[];
  vscodeVersion?: string;
}

export function run(): Promise<void> {
  const grep = process.env.NORMLENS_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const summary: Summary = { passed: 0, failed: 0, pending: 0, failures: [], tests: [] };
  const resultsFile = process.env.NORMLENS_TEST_RESULTS;
  const write = () => {
    if (!resultsFile) return;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      summary.vscodeVersion = (require('vscode') as typeof import('vscode')).version;
    } catch {
      // not inside VS Code
    }
    fs.writeFileSync(resultsFile, JSON.stringify(summary, null, 2));
  };

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write();
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
      runner.on('pass', (t) => {
        summary.passed++;
        summary.tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
      });
      runner.on('fail', (t, err: Error) => {
        summary.failed++;
        summary.failures.push({ title: t.fullTitle(), message: String(err?.message ?? err), stack: err?.stack });
        summary.tests.push({ title: t.fullTitle(), state: 'failed' });
      });
      runner.on('pending', (t) => {
        summary.pending++;
        summary.tests.push({ title: t.fullTitle(), state: 'pending' });
      });
    } catch (err) {
      summary.failed++;
      summary.failures.push({ title: 'loading the suite', message: String((err as Error)?.message ?? err), stack: (err as Error)?.stack });
      write();
      reject(err);
    }
  });
}
