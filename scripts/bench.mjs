#!/usr/bin/env node
// Runs every benchmark of the workspace: files named `bench/*.bench.mjs` in any app or package. Each
// benchmark starts what it needs (the shared local infrastructure is started once here), measures its
// baseline in the same run, and prints its figures. `npm run bench -- <name>` runs `<name>.bench.mjs`,
// or, when no file has that name, every benchmark whose file name contains it; `npm run bench -- --list`
// lists them without running anything. What each measures: docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const listOnly = args.includes('--list');
const filter = args.find((arg) => arg !== '--list');

const files = ['packages', 'apps'].flatMap((group) => {
  const groupDir = path.join(root, group);
  if (!existsSync(groupDir)) return [];
  return readdirSync(groupDir).flatMap((name) => {
    const dir = path.join(groupDir, name, 'bench');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.bench.mjs'))
      .map((f) => path.join(dir, f));
  });
});
const nameOf = (file) => path.basename(file, '.bench.mjs');
const exact = files.filter((f) => nameOf(f) === filter);
const selected = (
  !filter ? files : exact.length > 0 ? exact : files.filter((f) => path.basename(f).includes(filter))
).sort();
if (selected.length === 0 || listOnly) {
  if (selected.length === 0) console.log(filter ? `no benchmark matches "${filter}"` : 'no benchmarks found');
  for (const file of selected) console.log(`${nameOf(file).padEnd(14)} ${path.relative(root, file)}`);
  process.exit(selected.length === 0 && filter ? 1 : 0);
}

const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const env = { ...process.env };
if (!env.MONGO_URL || !env.KAFKA_BROKERS || !env.REDIS_URL) {
  const up = spawnSync('bash', [path.join(root, 'infra/local/infra.sh'), 'up'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (up.status !== 0) process.exit(up.status ?? 1);
  for (const line of up.stdout.split('\n')) {
    const match = /^(MONGO_URL|KAFKA_BROKERS|REDIS_URL)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
}

let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${path.relative(root, file)} ===`);
  const result = spawnSync(process.execPath, [file], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
