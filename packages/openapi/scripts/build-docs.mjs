#!/usr/bin/env node
// Builds what the edge serves from the one YAML source (run by `npm run build`, after tsc):
//   dist/public/openapi.json              the document as JSON
//   dist/public/index.html                the reference page (/docs)
//   dist/public/redoc.standalone.js       Redoc's browser bundle, from node_modules (never a CDN)
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { DOCS_OUTPUT_DIR, loadOpenApiDocument, renderDocsPage } = require('../dist/index.js');

const document = loadOpenApiDocument();
rmSync(DOCS_OUTPUT_DIR, { recursive: true, force: true });
mkdirSync(DOCS_OUTPUT_DIR, { recursive: true });
writeFileSync(path.join(DOCS_OUTPUT_DIR, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
writeFileSync(path.join(DOCS_OUTPUT_DIR, 'index.html'), renderDocsPage(document.info.title));
const bundle = require.resolve('redoc/bundles/redoc.standalone.js');
copyFileSync(bundle, path.join(DOCS_OUTPUT_DIR, 'redoc.standalone.js'));
copyFileSync(`${bundle}.LICENSE.txt`, path.join(DOCS_OUTPUT_DIR, 'redoc.standalone.js.LICENSE.txt'));
