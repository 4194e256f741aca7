import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAdminJwtVerifier } from '@eudr/admin-auth';
import { repoRoot, startAppProcess } from '@eudr/testkit';
import type { AppProcess } from '@eudr/testkit';
import { decodeJwt } from 'jose';

const CONSOLE = 'http://127.0.0.1:18080/console';
const AUDIENCE = 'urn:eudr:admin-api';
const CLIENT_ID = 'eudr-console';

let provider: AppProcess;
const keysDir = mkdtempSync(path.join(tmpdir(), 'dev-oidc-keys-'));
const keysFile = path.join(keysDir, 'jwks.json');

beforeAll(async () => {
  provider = await startAppProcess('dev-oidc-provider', {
    DEV_OIDC_CONSOLE_URLS: CONSOLE,
    DEV_OIDC_JWKS_FILE: keysFile,
  });
});
afterAll(async () => {
  await provider?.stop();
  rmSync(keysDir, { recursive: true, force: true });
});

/** A browser's cookie jar, for one provider. */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
}

async function step(jar: Jar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(new URL(url, provider.url), {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  });
  jar.take(response);
  return response;
}

/** Follows redirects within the provider until one leaves it (the console's callback) or a page shows. */
async function follow(jar: Jar, response: Response): Promise<Response | URL> {
  let current = response;
  for (let hops = 0; hops < 10; hops += 1) {
    const location = current.headers.get('location');
    if (current.status < 300 || current.status >= 400 || location === null) return current;
    const next = new URL(location, provider.url);
    if (next.origin !== provider.url) return next;
    current = await step(jar, next.href);
  }
  throw new Error('too many redirects');
}

/** Authorization code + PKCE as the console runs it; answers the token response. */
async function signIn(email: string, password = 'eudr-dev') {
  const jar = new Jar();
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: `${CONSOLE}/callback`,
    response_type: 'code',
    scope: 'openid profile email admin',
    resource: AUDIENCE,
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const login = await follow(jar, await step(jar, `/auth?${query}`));
  if (login instanceof URL) throw new Error(`expected the sign-in page, got ${login.href}`);
  const page = await login.text();
  const action = /action="([^"]+\/login)"/.exec(page)?.[1];
  if (action === undefined) throw new Error(`no sign-in form in ${page.slice(0, 300)}`);
  const posted = await step(jar, action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
  if (posted.status === 401) return { refused: await posted.text() };
  const callback = await follow(jar, posted);
  if (!(callback instanceof URL)) throw new Error(`no redirect to the console: ${callback.status}`);
  expect(callback.href.startsWith(`${CONSOLE}/callback?`)).toBe(true);
  const code = callback.searchParams.get('code') ?? '';
  const token = await fetch(`${provider.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(CONSOLE).origin },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${CONSOLE}/callback`,
      client_id: CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  expect(token.headers.get('access-control-allow-origin')).toBe(new URL(CONSOLE).origin);
  return {
    tokens: (await token.json()) as { access_token: string; id_token: string; refresh_token?: string },
  };
}

const verifyAdmin = () =>
  createAdminJwtVerifier({
    keys: { jwksUrl: `${provider.url}/jwks` },
    issuer: provider.url,
    audience: AUDIENCE,
  });

describe('the development OpenID provider', () => {
  it('gives an admin a JWT access token for the admin API that its verifier accepts', async () => {
    const { tokens } = await signIn('ada@acme.example');
    if (tokens === undefined) throw new Error('sign-in refused');
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      iss: provider.url,
      aud: AUDIENCE,
      sub: 'usr_ada',
      org: 'org_acme',
      role: 'admin',
      scope: 'admin',
    });
    expect(decodeJwt(tokens.id_token)).toMatchObject({ name: 'Ada Admin', org_name: 'Acme Cocoa' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    await expect(verifyAdmin()(tokens.access_token)).resolves.toEqual({ sub: 'usr_ada', orgId: 'org_acme' });
  });

  it('writes its public keys to a file that a service can verify with instead of the network', async () => {
    const { tokens } = await signIn('ben@borealis.example');
    if (tokens === undefined) throw new Error('sign-in refused');
    const published = (await (await fetch(`${provider.url}/jwks`)).json()) as { keys: { kid: string }[] };
    const written = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: { kid: string; d?: string }[] };
    expect(written.keys.map((k) => k.kid)).toEqual(published.keys.map((k) => k.kid));
    expect(written.keys.every((k) => k.d === undefined)).toBe(true);
    const fromFile = createAdminJwtVerifier({
      keys: { jwksUrl: pathToFileURL(keysFile).href },
      issuer: provider.url,
      audience: AUDIENCE,
    });
    await expect(fromFile(tokens.access_token)).resolves.toEqual({ sub: 'usr_ben', orgId: 'org_borealis' });
  });

  it('signs in a member too, whose token the admin API refuses with 403 FORBIDDEN', async () => {
    const { tokens } = await signIn('MIA@acme.example');
    if (tokens === undefined) throw new Error('sign-in refused');
    await expect(verifyAdmin()(tokens.access_token)).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('refuses a wrong password with the form again and a message in words', async () => {
    const { refused } = await signIn('ben@borealis.example', 'guess');
    expect(refused).toContain('do not match a seeded user');
    expect(refused).toContain('value="ben@borealis.example"');
  });

  it('lets only the console’s origin read token responses in a browser', async () => {
    const answer = await fetch(`${provider.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: CLIENT_ID }),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses to start in production', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(repoRoot(), 'apps', 'dev-oidc-provider', 'dist', 'main.js')],
      { env: { ...process.env, NODE_ENV: 'production', DEV_OIDC_CONSOLE_URLS: CONSOLE }, encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('never runs in production');
  });
});
