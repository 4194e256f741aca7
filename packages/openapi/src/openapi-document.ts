import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The package folder (this file runs from `src/` in tests and from `dist/` once built). */
const PACKAGE_DIR = path.resolve(__dirname, '..');

/** The one source of the API document: the YAML every other form (JSON, reference page) is built from. */
export const OPENAPI_SOURCE_PATH = path.join(PACKAGE_DIR, 'src', 'openapi.yaml');

/**
 * The folder `npm run build` fills with what the edge serves: `openapi.json`, the reference page
 * `index.html` and the Redoc bundle it loads.
 */
export const DOCS_OUTPUT_DIR = path.join(PACKAGE_DIR, 'dist', 'public');

/** The parts of an OpenAPI 3.1 document this package and its tests read; the rest stays `unknown`. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string } & Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * Reads and parses the API document from its YAML source.
 * @throws when the file is not YAML or is not an OpenAPI 3.1 document.
 */
export function loadOpenApiDocument(sourcePath: string = OPENAPI_SOURCE_PATH): OpenApiDocument {
  const parsed: unknown = parse(readFileSync(sourcePath, 'utf8'));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { openapi?: unknown }).openapi !== 'string' ||
    !(parsed as { openapi: string }).openapi.startsWith('3.1.')
  ) {
    throw new Error(`${sourcePath} is not an OpenAPI 3.1 document`);
  }
  return parsed as OpenApiDocument;
}
