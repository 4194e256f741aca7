import { homedir } from 'node:os';
import { run } from './run';

// The `eudr` command (started by bin/eudr.js). Everything it does is in run(), which tests drive
// in-process.
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin,
  env: process.env,
  home: homedir(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`eudr: ${String(error)}\n`);
    process.exitCode = 4;
  },
);
