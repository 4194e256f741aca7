import { runInNewContext } from 'node:vm';
import { createLogger, redactSensitive, scrubSecrets } from './logger';

const TOKEN = `eudr_live_${'ab12'.repeat(12)}`;

describe('redactSensitive', () => {
  it('redacts secret-named keys at any depth, in objects and arrays', () => {
    const input = {
      token: 't0',
      nested: { deeper: { evenDeeper: { apiKey: 'k', list: [{ password: 'p', webhookSecret: 's' }] } } },
      headers: { Authorization: 'Bearer x', cookie: 'c', 'set-cookie': ['a'], 'x-api-key': 'z' },
    };
    expect(redactSensitive(input)).toEqual({
      token: '[REDACTED]',
      nested: {
        deeper: {
          evenDeeper: {
            apiKey: '[REDACTED]',
            list: [{ password: '[REDACTED]', webhookSecret: '[REDACTED]' }],
          },
        },
      },
      headers: {
        Authorization: '[REDACTED]',
        cookie: '[REDACTED]',
        'set-cookie': '[REDACTED]',
        'x-api-key': '[REDACTED]',
      },
    });
  });

  it('keeps tokenHash, tokenId and tokenPrefix, which are not secrets', () => {
    const input = { tokenHash: 'abc', tokenId: 'tok_1', tokenPrefix: 'eudr_live_ab12' };
    expect(redactSensitive(input)).toBe(input);
  });

  it('never modifies the caller’s object', () => {
    const input = { a: { secret: 's' } };
    const output = redactSensitive(input);
    expect(input.a.secret).toBe('s');
    expect(output.a.secret).toBe('[REDACTED]');
  });
});

describe('scrubSecrets', () => {
  it('removes secret-shaped strings wherever they are', () => {
    const line = `failed for ${TOKEN} with Bearer abc.def-ghi, jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln, whsec_QUJDREVG, mongodb://app:pw@db:27017`;
    const scrubbed = scrubSecrets(line);
    for (const secret of [TOKEN, 'abc.def-ghi', 'eyJzdWIiOiIxMjMifQ', 'QUJDREVG', 'app:pw']) {
      expect(scrubbed).not.toContain(secret);
    }
    expect(scrubbed).toContain('eudr_live_[REDACTED]');
  });

  it('replaces a bearer integration token once and keeps WWW-Authenticate challenges readable', () => {
    expect(scrubSecrets(`Authorization: Bearer ${TOKEN}`)).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubSecrets('Bearer realm="eudr-integration"')).toBe('Bearer realm="eudr-integration"');
  });

  it('redacts secret-named fields of JSON quoted inside a message, and key=value pairs', () => {
    const line = JSON.stringify({
      msg: `body was ${JSON.stringify({ token: 'tv', clientSecret: 'cs', tokenHash: 'th' })}`,
    });
    expect(scrubSecrets(line)).toBe(
      JSON.stringify({
        msg: `body was ${JSON.stringify({ token: '[REDACTED]', clientSecret: '[REDACTED]', tokenHash: 'th' })}`,
      }),
    );
    expect(scrubSecrets('GET /x?token=abc&page=2 password=hunter2 tokenHash=ok')).toBe(
      'GET /x?token=[REDACTED]&page=2 password=[REDACTED] tokenHash=ok',
    );
  });
});

describe('scrubSecrets on hostile input', () => {
  // vm's timeout interrupts a running regular expression. Each input is 600 KB: the patterns this
  // replaced backtracked quadratically on every one of them (minutes), the linear ones take milliseconds.
  const within = <T>(fn: () => T): T => runInNewContext('fn()', { fn }, { timeout: 2_000 }) as T;
  const n = 100_000;

  it.each([
    ['JWT-looking runs', '-eyJaa'.repeat(n)],
    ['JWT-looking segments between dots', 'eyJaaaaa-eyJaa.'.repeat(n / 2)],
    ['hyphenated words (key=value keys)', 'a-'.repeat(3 * n)],
    ['repeated key names', 'token'.repeat(n)],
    ['a long run of letters (URL schemes)', 'a'.repeat(6 * n)],
    ['backslashes (escaped JSON quotes)', '\\'.repeat(6 * n)],
    ['a quote then repeated key names', `"${'secret'.repeat(n)}`],
    ['Bearer repeated', 'Bearer '.repeat(n)],
  ])('finishes at once on %s', (_name, line) => {
    expect(within(() => scrubSecrets(line)).length).toBeGreaterThan(0);
  });

  it('still redacts a JWT that follows a run of JWT-looking text, and key=value after hyphenated words', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    expect(scrubSecrets(`${'-eyJaa'.repeat(3)}-${jwt} x`)).not.toContain('c2lnbmF0dXJl');
    expect(scrubSecrets(`${'a-'.repeat(5)}api-key=hunter2`)).toBe(`${'a-'.repeat(5)}api-key=[REDACTED]`);
    expect(scrubSecrets(`x ${'\\'.repeat(3)}"token\\": \\"abc`)).not.toContain('abc');
    expect(scrubSecrets('see xhttps://user:pw@host/')).not.toContain('user:pw');
  });
});

describe('createLogger', () => {
  it('writes JSON lines bound to the service, with redaction applied to objects, bindings and errors', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'suppliers-service',
      destination: { write: (line: string) => void lines.push(line) },
    });
    logger.child({ secret: 'child-secret' }).info({ user: { password: 'pw-value' } }, 'hello');
    logger.error(
      {
        err: Object.assign(new Error(`bad ${TOKEN}`), {
          body: '{"raw":"body-value"}',
          config: { apiKey: 'key-value' },
        }),
      },
      'boom',
    );
    const output = lines.join('');
    for (const secret of ['child-secret', 'pw-value', TOKEN, 'body-value', 'key-value']) {
      expect(output).not.toContain(secret);
    }
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({ service: 'suppliers-service', level: 'info', msg: 'hello' });
  });

  it('respects the level', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 's',
      level: 'warn',
      destination: { write: (line: string) => void lines.push(line) },
    });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
