/**
 * The `normlens` command line: `normlens compute` (the core from a terminal, JSON in and out),
 * `normlens inspect` (find and check normalization layers in Python files) and `normlens port`
 * (move a trained layer to another framework).
 */
import { version } from '../../package.json';
import { COMPUTE_USAGE, compute } from './compute';
import { runInspect } from './inspect';
import { PORT_USAGE, port } from './port';

const USAGE = `normlens ${version}: explain and check normalization layers

Usage:
  normlens compute < request.json     compute a layer (any framework's class) on given data
  normlens inspect PATH... [--json]   list and check normalization layers in .py/.ipynb files
  normlens port < request.json        move a trained layer to another framework (plan and snippet)
  normlens --help | --version

Run \`normlens compute --help\`, \`normlens inspect --help\` or \`normlens port --help\` for details.
`;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    case '--version':
    case '-V':
      process.stdout.write(`${version}\n`);
      return 0;
    case 'compute': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(COMPUTE_USAGE);
        return 0;
      }
      if (rest.length) {
        process.stderr.write(`normlens compute: unexpected argument ${rest[0]} (the request is read from stdin)\n`);
        return 2;
      }
      const answer = compute(await readStdin());
      process.stdout.write(answer.output);
      return answer.code;
    }
    case 'port': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(PORT_USAGE);
        return 0;
      }
      if (rest.length) {
        process.stderr.write(`normlens port: unexpected argument ${rest[0]} (the request is read from stdin)\n`);
        return 2;
      }
      const answer = port(await readStdin());
      process.stdout.write(answer.output);
      return answer.code;
    }
    case 'inspect':
      return runInspect(rest, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        isTTY: !!process.stdout.isTTY,
      });
    default:
      process.stderr.write(`normlens: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`normlens: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
