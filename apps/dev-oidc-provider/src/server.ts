import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from '@eudr/service-kit';
import type { ProviderConfig } from './config.js';
import { consoleUris } from './provider.js';
import { errorPage, loginPage, STYLESHEET } from './pages.js';
import { authenticate } from './users.js';

/** Longest sign-in form accepted: an email and a password, with room to spare. */
const MAX_FORM_BYTES = 4096;
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,100})(\/login|\/abort)?$/;

/** Headers of the pages this server renders: no script, nothing framed, forms only to itself. */
function securityHeaders(config: ProviderConfig): Record<string, string> {
  // A form's redirects count for form-action: the sign-in ends with redirects to the console.
  const formTargets = ["'self'", ...consoleUris(config).origins].join(' ');
  return {
    'Content-Security-Policy': `default-src 'none'; style-src 'self'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headers = {}): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, ...headers });
  res.end(body);
}

/** The urlencoded body of a form post, refused beyond {@link MAX_FORM_BYTES}. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** What the sign-in pages need: the provider, the headers of the pages they render, and the log. */
interface InteractionContext {
  provider: Provider;
  headers: Record<string, string>;
  logger: Logger;
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The sign-in form, posted: a seeded user signs in, anyone else gets the form back with why. */
async function login(context: InteractionContext, req: IncomingMessage, res: ServerResponse, uid: string) {
  const { provider, logger } = context;
  const form = await readForm(req);
  const email = form?.get('email') ?? '';
  const user = authenticate(email, form?.get('password') ?? '');
  if (user === undefined) {
    logger.info({ event: 'sign-in refused' }, 'sign-in refused: unknown email or wrong password');
    const error = 'That email and password do not match a seeded user. Check both and try again.';
    send(res, 401, 'text/html', loginPage(uid, { email: email.slice(0, 200), error }), context.headers);
    return;
  }
  logger.info({ sub: user.id, org: user.org, role: user.role }, 'signed in');
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.id } },
    { mergeWithLastSubmission: false },
  );
}

/** Consent: the console is this provider's own first-party client, so what it asks for is granted. */
async function grantConsent(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
) {
  const { accountId } = details.session ?? {};
  const grant =
    details.grantId === undefined
      ? new provider.Grant({ accountId, clientId: String(details.params['client_id']) })
      : await provider.Grant.find(details.grantId);
  if (grant === undefined) throw new Error('grant not found');
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: details.grantId === undefined ? { grantId } : {} },
    { mergeWithLastSubmission: true },
  );
}

/** One step of a sign-in at `/interaction/:uid`: the form, its post (`/login`), cancel (`/abort`), consent. */
async function interaction(
  context: InteractionContext,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action?: string,
) {
  const { provider, headers } = context;
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === '/abort' && req.method === 'POST') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The sign-in was cancelled.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (action === '/login' && req.method === 'POST') {
    await login(context, req, res, uid);
    return;
  }
  if (req.method !== 'GET' || action !== undefined) {
    send(res, 405, 'text/plain', 'Method not allowed', headers);
    return;
  }
  if (details.prompt.name === 'login') {
    send(res, 200, 'text/html', loginPage(uid), headers);
    return;
  }
  await grantConsent(provider, req, res, details);
}

/**
 * The HTTP server: `/healthz` and `/readyz`, the sign-in pages of interactions (`/interaction/:uid`),
 * and everything else (discovery, authorization, token, JWKS, end session) to oidc-provider.
 */
export function createProviderServer(provider: Provider, config: ProviderConfig, logger: Logger): Server {
  const context: InteractionContext = { provider, headers: securityHeaders(config), logger };
  const oidc = provider.callback();

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://provider');
    if (url.pathname === '/healthz' || url.pathname === '/readyz') {
      send(res, 200, 'application/json', JSON.stringify({ status: 'ok', service: 'dev-oidc-provider' }));
      return;
    }
    if (url.pathname === '/assets/provider.css') {
      send(res, 200, 'text/css', STYLESHEET, { 'Cache-Control': 'max-age=300' });
      return;
    }
    const match = INTERACTION_PATH.exec(url.pathname);
    if (match?.[1] !== undefined) {
      interaction(context, req, res, match[1], match[2]).catch((error: unknown) => {
        logger.warn({ err: error }, 'sign-in interaction failed');
        if (res.headersSent) return void res.end();
        send(
          res,
          400,
          'text/html',
          errorPage(
            'This sign-in has expired',
            'The sign-in page was open too long or was already used. Start again from the console.',
          ),
          context.headers,
        );
      });
      return;
    }
    void oidc(req, res);
  });
}
