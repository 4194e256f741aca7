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
