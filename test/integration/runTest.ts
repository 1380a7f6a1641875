/**
 * Desktop entry for the integration suite: `npx tsx test/integration/runTest.ts` downloads a VS
 * Code build with @vscode/test-electron and runs the suite in it. Continuous integration runs the
 * same suite in code-server instead (scripts/run-vscode-tests.mjs), where nothing is downloaded.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-tests.mjs')], { cwd: root, stdio: 'inherit' });
  // The tests edit documents, so they get copies of the examples and fixtures.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'normlens-it-'));
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  const fixtures = path.join(root, 'test', 'integration', 'fixtures');
  if (fs.existsSync(fixtures)) fs.cpSync(fixtures, workspace, { recursive: true });
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'integration', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
