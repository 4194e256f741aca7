import { generateToken } from '@eudr/auth';
import { createProgressBar } from './progress';
import { EXIT, run } from './run';

// The command line against a scripted stand-in of the API: arguments, output and exit codes. The
// stack tests (test/stack.int.test.ts) cover pushes, token checks and webhooks against real services.

const { token } = generateToken();

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function eudr(args: string[], answer: (request: Request) => Response = () => json(500, {})) {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    readStdin: async () => Buffer.alloc(0),
    env: { EUDR_TOKEN: token, EUDR_BASE_URL: 'http://api.test' },
    home: '/nonexistent',
    fetch: async (request) => answer(request),
  });
  return { code, out, err };
}

const dds = {
  batchExternalId: 'BAT-1',
  batchNumber: 'L-0001',
  internalBatchId: 'bat_1',
  product: { id: 'prd_1', name: 'Cocoa beans', hsCode: '1801.00' },
  supplier: { id: 'sup_1', name: 'Cocoa Co', country: 'GH' },
  ddsNumber: 'DDS-2025-00001',
  ddsStatus: 'SUBMITTED',
  ddsSubmissions: [
    {
      id: 's1',
      status: 'SUBMITTED',
      ddsNumber: 'DDS-2025-00001',
      submittedAt: null,
      createdAt: '2025-03-01T08:30:00.000Z',
    },
  ],
};

describe('eudr', () => {
  it('exits 2 with a hint for an unknown command or option, or a missing argument', async () => {
    for (const args of [
      ['frobnicate'],
      ['token', 'check', '--tokn', 'x'],
      ['push', 'suppliers'],
      ['push', 'orders', 'f.csv'],
      ['dds', 'get'],
    ]) {
      const result = await eudr(args);
      expect({ args, code: result.code }).toEqual({ args, code: EXIT.USAGE });
      expect(result.err).toMatch(/eudr --help/);
    }
    expect((await eudr(['--help'])).code).toBe(EXIT.OK);
    expect((await eudr(['--help'])).out).toContain('Exit codes');
  });

  it('prints the DDS of a batch for people, and as JSON with --json', async () => {
    const human = await eudr(['dds', 'get', 'BAT-1'], (request) => {
      expect(new URL(request.url).pathname).toBe('/api/v1/integration/dds/BAT-1');
      return json(200, dds);
    });
    expect(human.code).toBe(EXIT.OK);
    expect(human.out).toContain('DDS       DDS-2025-00001 SUBMITTED');
    expect(human.out).toContain('supplier  Cocoa Co (sup_1, GH)');
    const machine = await eudr(['dds', 'get', 'BAT-1', '--json'], () => json(200, dds));
    expect(JSON.parse(machine.out)).toEqual(dds);
  });

  it('prints the sync counts', async () => {
    const result = await eudr(['sync', 'status'], () =>
      json(200, { suppliers: { total: 3 }, products: { total: 2 }, batches: { total: 1 } }),
    );
    expect(result.out).toBe('suppliers  3\nproducts   2\nbatches    1\n');
  });

  it('exits 3 when the API refuses the token, 4 when the API fails, with the code and request id', async () => {
    const refused = await eudr(['dds', 'get', 'B', '--json'], () =>
      json(403, {
        error: 'INSUFFICIENT_SCOPES',
        message: 'The API token is missing the required scope integration:dds:read.',
        requestId: 'r-7',
      }),
    );
    expect(refused.code).toBe(EXIT.TOKEN);
    expect(refused.err).toContain('(INSUFFICIENT_SCOPES, request id r-7)');
    expect(JSON.parse(refused.out)).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_SCOPES', requestId: 'r-7' },
    });
    const broken = await eudr(['sync', 'status'], () =>
      json(500, { error: 'INTERNAL_ERROR', message: 'Unexpected.', requestId: 'r-8' }),
    );
    expect(broken.code).toBe(EXIT.ERROR);
    expect(`${refused.out}${refused.err}${broken.err}`).not.toContain(token);
  });
});

describe('the progress bar', () => {
  it('redraws in place on a terminal, at most ten times a second, and stays silent elsewhere', () => {
    let t = 0;
    let drawn = '';
    const bar = createProgressBar({ isTTY: true, write: (text) => (drawn += text) }, 1_000, () => t);
    t = 500;
    bar.update(500);
    t = 550;
    bar.update(600);
    t = 1_000;
    bar.update(1_000);
    bar.finish();
    expect(drawn).toBe(
      `\r[${'#'.repeat(15)}${'-'.repeat(15)}] 500/1000 50%  1000 records/s  ` +
        `\r[${'#'.repeat(30)}] 1000/1000 100%  1000 records/s  \n`,
    );
    let piped = '';
    const quiet = createProgressBar({ write: (text) => (piped += text) }, 10);
    quiet.update(10);
    quiet.finish();
    expect(piped).toBe('');
  });
});
