import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadOpenApiDocument, OPENAPI_SOURCE_PATH } from '@eudr/openapi';
import { API_ERROR_CODES, MAX_RECORDS_PER_REQUEST } from '../src/index';

// The client cannot drift from the API document: its types are generated from the document at every
// build and type check, and the client is type-checked against them. This suite runs that check on the
// current document (it must pass) and on a changed one the client does not follow (it must fail), and
// compares the few values types cannot carry.

jest.setTimeout(180_000);

const execFileAsync = promisify(execFile);
const PACKAGE = path.join(__dirname, '..');
const TSC = require.resolve('typescript/bin/tsc');

/** Generates types from `document` into a copy of the client's sources and type-checks the copy. */
async function typecheckAgainst(documentText: string): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(path.join(PACKAGE, '.drift-'));
  try {
    cpSync(path.join(PACKAGE, 'src'), path.join(dir, 'src'), {
      recursive: true,
      filter: (from) => !from.endsWith('.test.ts') && !from.includes(`${path.sep}generated`),
    });
    writeFileSync(path.join(dir, 'openapi.yaml'), documentText);
    await execFileAsync(process.execPath, [
      path.join(PACKAGE, 'scripts', 'generate-types.mjs'),
      '--source',
      path.join(dir, 'openapi.yaml'),
      '--target',
      path.join(dir, 'src', 'generated', 'openapi.ts'),
    ]);
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true },
        include: ['src'],
      }),
    );
    try {
      await execFileAsync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')]);
      return { ok: true, output: '' };
    } catch (error) {
      return { ok: false, output: String((error as { stdout?: string }).stdout) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the client and the API document', () => {
  const source = readFileSync(OPENAPI_SOURCE_PATH, 'utf8');

  it('type-checks against types generated from the current document', async () => {
    expect(await typecheckAgainst(source)).toEqual({ ok: true, output: '' });
  });

  it('fails to type-check when the document changes in a way the client does not follow', async () => {
    // The suppliers' bulk body renamed, and an error code added.
    const changed = source
      .replace(
        'required: [suppliers]\n              properties:\n                suppliers:',
        'required: [records]\n              properties:\n                records:',
      )
      .replace('        - AUTH_UNAVAILABLE\n', '        - AUTH_UNAVAILABLE\n        - QUOTA_EXCEEDED\n');
    expect(changed).not.toBe(source);
    const result = await typecheckAgainst(changed);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/src\/client\.ts.*suppliers/);
    expect(result.output).toMatch(/src\/errors\.ts.*QUOTA_EXCEEDED/);
  });

  it('splits pushes at the document’s maxItems and knows every error code', () => {
    const document = loadOpenApiDocument();
    type Upsert = {
      post: {
        requestBody: {
          content: { 'application/json': { schema: { properties: Record<string, { maxItems?: number }> } } };
        };
      };
    };
    for (const entity of ['suppliers', 'products', 'batches']) {
      const upsert = document.paths[`/api/v1/integration/${entity}`] as unknown as Upsert;
      const schema = upsert.post.requestBody.content['application/json'].schema;
      expect(schema.properties[entity]?.maxItems).toBe(MAX_RECORDS_PER_REQUEST);
    }
    const codes = (document.components['schemas'] as Record<string, { enum: string[] }>)['ErrorCode']?.enum;
    expect([...API_ERROR_CODES].sort()).toEqual([...(codes ?? [])].sort());
  });

  it('keeps the library free of Node-only modules, so it runs in browsers (the CLI may use them)', () => {
    const library = readdirSync(path.join(PACKAGE, 'src')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    for (const file of library) {
      // Comments may show Node usage (the examples); code may not.
      const text = readFileSync(path.join(PACKAGE, 'src', file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect({
        file,
        node: /from '(node:|fs|path|crypto|http|os)/.test(text),
        buffer: /\bBuffer\b|\bprocess\./.test(text),
      }).toEqual({
        file,
        node: false,
        buffer: false,
      });
    }
  });
});
