import { randomBytes } from 'node:crypto';
import { checksumOk, generateToken, isWellFormedToken } from '@eudr/auth';
import { checkToken, tokenDisplayPrefix } from './token';

// The client re-implements the platform's token check (no zlib in browsers); these tests tie the two
// together on many tokens, so that a change on either side fails here.

/** The platform's verdict in the client's terms. */
function platformVerdict(token: string): string {
  if (!isWellFormedToken(token)) return 'INVALID_TOKEN_FORMAT';
  return checksumOk(token) ? 'ok' : 'INVALID_TOKEN';
}

function clientVerdict(token: string): string {
  const check = checkToken(token);
  return check.ok ? 'ok' : check.code;
}

describe('checkToken', () => {
  it('agrees with @eudr/auth on 2,000 issued tokens and on each of them with one character changed', () => {
    for (let i = 0; i < 2_000; i += 1) {
      const { token } = generateToken();
      expect(clientVerdict(token)).toBe('ok');
      const at = 10 + (i % 48);
      const swapped = token[at] === 'a' ? 'b' : 'a';
      const altered = `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
      expect(clientVerdict(altered)).toBe(platformVerdict(altered));
      expect(clientVerdict(altered)).toBe('INVALID_TOKEN');
    }
  });

  it('agrees with @eudr/auth on random and malformed strings', () => {
    const samples = [
      '',
      'eudr_live_',
      'Bearer eudr_live_0000',
      ...Array.from({ length: 2_000 }, () => `eudr_live_${randomBytes(24).toString('hex')}`),
      ...Array.from({ length: 200 }, () => `eudr_live_${randomBytes(24).toString('hex').toUpperCase()}`),
      ...Array.from({ length: 200 }, () => `eudr_test_${randomBytes(24).toString('hex')}`),
      `${generateToken().token} `,
      `${generateToken().token}0`,
    ];
    for (const token of samples)
      expect([token, clientVerdict(token)]).toEqual([token, platformVerdict(token)]);
  });

  it('never quotes the token in its message', () => {
    const { token } = generateToken();
    const broken = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const check = checkToken(broken);
    expect(check.ok).toBe(false);
    expect(JSON.stringify(check)).not.toContain(broken.slice(10, 30));
  });
});

describe('tokenDisplayPrefix', () => {
  it('shows the prefix and 8 characters only', () => {
    const { token, tokenPrefix } = generateToken();
    expect(tokenDisplayPrefix(token)).toBe(tokenPrefix);
    expect(tokenDisplayPrefix('nonsense')).toBe('(not a token)');
  });
});
