#!/usr/bin/env node
// Generates the console's API types from the project's OpenAPI document (packages/openapi/src/openapi.yaml)
// into src/generated/openapi.ts (not committed), with the generator packages/client uses. It runs before
// every build and type check, so a change of the document that the console does not follow fails both.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = spawnSync(
  process.execPath,
  [
    path.resolve(here, '..', '..', '..', 'packages', 'client', 'scripts', 'generate-types.mjs'),
    '--target',
    path.resolve(here, '..', 'src', 'generated', 'openapi.ts'),
  ],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
