#!/usr/bin/env node
// Generates the client's types from the project's OpenAPI document (packages/openapi/src/openapi.yaml)
// with openapi-typescript, into src/generated/openapi.ts (not committed). It runs before every build
// and type check, so a change of the document that the client does not follow fails both.
// `--source FILE --target FILE` generate from another document (the drift test).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : fallback;
};
const source = arg('--source', path.resolve(here, '..', '..', 'openapi', 'src', 'openapi.yaml'));
const target = arg('--target', path.resolve(here, '..', 'src', 'generated', 'openapi.ts'));

const ast = await openapiTS(pathToFileURL(source), { alphabetize: false });
// Formatted like the rest of the repository, so that the root's `prettier --check .` passes over it.
const text = await format(
  `// Generated from packages/openapi/src/openapi.yaml by scripts/generate-types.mjs: do not edit.\n${astToString(ast)}`,
  { ...(await resolveConfig(target)), filepath: target },
);
mkdirSync(path.dirname(target), { recursive: true });
// Unchanged output is not rewritten, so incremental builds stay incremental.
if (!existsSync(target) || readFileSync(target, 'utf8') !== text) writeFileSync(target, text);
