/**
 * The `normlens` command line: `normlens compute` (the core from a terminal, JSON in and out),
 * `normlens inspect` (find and check normalization layers in Python files), `normlens explain`
 * (the hover of one layer) and `normlens port` (move a trained layer to another framework).
 */
import { version } from '../../package.json';
import { COMPUTE_USAGE, compute } from './compute';
import { isMainThread, workerData } from 'node:worker_threads';
import { INSPECT_WORKER, runInspect, runInspectWorker } from './inspect';
import { runExplain } from './explain';
import { decodeText } from './decode';
import { truncateText, visibleText } from '../core/visible';
import { PORT_USAGE, port } from './port';

/** Largest request read from stdin (bytes): more than MAX_COMPUTE_ELEMENTS numbers in JSON need. */
const MAX_REQUEST_BYTES = 512 * 1024 * 1024;

const USAGE = `normlens ${version}: explain and check normalization layers

Usage:
  normlens compute < request.json     compute a layer (any framework's class) on given data
  normlens inspect PATH... [--json] [--jobs N]
                                      list and check normalization layers in .py/.ipynb files
  normlens explain PATH:LINE[:COL] [--full] [--json]
                                      what the editor's hover says about the layer there
  normlens port < request.json        move a trained layer to another framework (plan and snippet)
  normlens --help | --version

Run \`normlens compute --help\`, \`normlens inspect --help\`, \`normlens explain --help\` or \`normlens port --help\` for details.
`;

/** Stdin as text, decoded by its BOM (UTF-8, UTF-16LE/BE; UTF-8 without one); null when longer than MAX_REQUEST_BYTES. */
function readStdin(): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        process.stdin.destroy();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    process.stdin.on('end', () => resolve(decodeText(Buffer.concat(chunks)).text));
    process.stdin.on('error', reject);
  });
}

/** A command that reads one JSON request on stdin and answers on stdout (compute, port). */
async function stdinCommand(
  name: string,
  rest: string[],
  usage: string,
  answer: (request: string) => { output: string; rest?: readonly string[]; code: number },
): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (rest.length) {
    process.stderr.write(`normlens ${name}: unexpected argument ${truncateText(visibleText(rest[0]), 200)} (the request is read from stdin)\n`);
    return 2;
  }
  const request = await readStdin();
  if (request === null) {
    process.stdout.write(
      JSON.stringify({
        error: { type: 'InputError', message: `the request is larger than ${MAX_REQUEST_BYTES} bytes (512 MiB), the most normlens ${name} reads` },
      }) + '\n',
    );
    return 2;
  }
  const a = answer(request);
  process.stdout.write(a.output);
  for (const piece of a.rest ?? []) process.stdout.write(piece);
  return a.code;
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
    case 'compute':
      return stdinCommand('compute', rest, COMPUTE_USAGE, compute);
    case 'port':
      return stdinCommand('port', rest, PORT_USAGE, port);
    case 'inspect':
      return runInspect(rest, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        isTTY: !!process.stdout.isTTY,
        // this script (the CLI bundle) runs the worker threads
        workerScript: __filename,
      });
    case 'explain':
      return runExplain(rest, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        isTTY: !!process.stdout.isTTY,
      });
    default:
      process.stderr.write(`normlens: unknown command ${truncateText(visibleText(command), 200)}\n${USAGE}`);
      return 2;
  }
}

if (!isMainThread && workerData && typeof workerData === 'object' && INSPECT_WORKER in workerData) {
  // a worker thread of `normlens inspect` (this same script)
  void runInspectWorker();
} else {
  // output piped into a reader that stopped early (`| head`): stop quietly, as other tools do
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`normlens: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
