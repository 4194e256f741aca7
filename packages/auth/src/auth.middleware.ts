import type { TokenState } from '@eudr/events';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '@eudr/service-kit';
import type { AppError, Logger } from '@eudr/service-kit';
import type { NextFunction, Request, RequestHandler } from 'express';
import { AUTH_ERRORS, insufficientScopesMessage, wwwAuthenticateHeader } from './auth-errors';
import type { AuthErrorCode } from './auth-errors';
import { getAuthContext, setAuthContext } from './auth-context';
import { parseAuthorizationHeader } from './authorization-header';
import type { FallbackOutcome, IntrospectionFallback } from './introspection-fallback';
import type { IntegrationStatus } from './projection-store';
import { isScope, missingScopes } from './scopes';
import type { Scope } from './scopes';
import { hashToken } from './token-format';
import type { TokenProjection } from './token-projection';
import { tokenPolicyViolation, tokenPolicyViolationMessage } from './token-policy';
import type { TokenPolicyViolation } from './token-policy';
import { evaluateTokenState } from './token-state';
import type { UsageRecorder } from './token-usage.recorder';

const WWW_AUTHENTICATE = 'WWW-Authenticate';

/** Seconds a client is asked to wait after AUTH_UNAVAILABLE. */
const AUTH_UNAVAILABLE_RETRY_AFTER_S = 1;

/**
 * The service-kit error for an auth failure: status, code and message from `AUTH_ERRORS`, and the
 * RFC 6750 challenge from `wwwAuthenticateHeader` when the code has one. For INSUFFICIENT_SCOPES,
 * `needed` are all the scopes the endpoint requires (the challenge) and `missing` those the token
 * lacks (the message).
 */
export function authError(
  code: AuthErrorCode,
  scopes?: { needed: readonly Scope[]; missing: readonly Scope[] },
): AppError {
  const challenge = wwwAuthenticateHeader(code, scopes?.needed);
  const options = challenge === undefined ? {} : { headers: { [WWW_AUTHENTICATE]: challenge } };
  switch (code) {
    case 'AUTHENTICATION_REQUIRED':
    case 'INVALID_TOKEN_FORMAT':
    case 'INVALID_TOKEN':
    case 'TOKEN_REVOKED':
    case 'TOKEN_EXPIRED':
      return new UnauthorizedError(code, AUTH_ERRORS[code].message, options);
    case 'INTEGRATION_INACTIVE':
    case 'IP_NOT_ALLOWED':
    case 'TOKEN_POLICY_VIOLATION':
      return new ForbiddenError(code, AUTH_ERRORS[code].message, options);
    case 'INSUFFICIENT_SCOPES':
      return new ForbiddenError(code, insufficientScopesMessage(scopes?.missing ?? []), {
        ...options,
        context: { missingScopes: scopes?.missing ?? [] },
      });
    case 'AUTH_UNAVAILABLE':
      return new ServiceUnavailableError(code, AUTH_ERRORS[code].message, {
        ...options,
        retryAfterSeconds: AUTH_UNAVAILABLE_RETRY_AFTER_S,
      });
  }
}

/** 403 TOKEN_POLICY_VIOLATION with a message naming the policy the token breaks. */
export function tokenPolicyError(violation: TokenPolicyViolation): AppError {
  return new ForbiddenError('TOKEN_POLICY_VIOLATION', tokenPolicyViolationMessage(violation), {
    context: { policy: violation.kind },
  });
}

/** What the middleware needs from the projection. */
export type ProjectionView = Pick<
  TokenProjection,
  'findByHash' | 'integrationStatus' | 'orgPolicy' | 'isCaughtUp' | 'msSinceHeartbeat'
>;

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  projection: ProjectionView;
  fallback: IntrospectionFallback;
  usage: Pick<UsageRecorder, 'record' | 'refuse' | 'count'>;
  /** Past this many milliseconds behind auth-service's newest heartbeat, the projection is not trusted. */
  maxStalenessMs: number;
  /** Epoch milliseconds. */
  clock: () => number;
  logger: Logger;
}

/** The two middleware and the trust state; see {@link createAuthenticator}. */
export interface Authenticator {
  authenticate: RequestHandler;
  requireScopes(...scopes: Scope[]): RequestHandler;
  /** True while the projection is caught up and fresh, i.e. answers on its own. */
  isTrusted(): boolean;
}

/** Steps 4 to 8 on the newest known token and integration state; on success the request goes on. */
function decide(
  options: AuthenticatorOptions,
  req: Request,
  next: NextFunction,
  state: TokenState,
  integration: IntegrationStatus | undefined,
) {
  const { usage, projection } = options;
  const now = options.clock();
  const check = evaluateTokenState(state, integration?.status, now);
  if (!check.ok) {
    usage.count(state.tokenId, now, check.code);
    next(authError(check.code));
    return;
  }
  // Express's req.ip: the edge's X-Forwarded-For when the app trusts the edge (TRUST_PROXY).
  const address = req.ip;
  // Step 7: only integrations with a list pay for a match; the rest skip it on one property read.
  const allowlist = integration?.allowlist;
  if (allowlist !== undefined && !allowlist.allows(address)) {
    usage.refuse(state.tokenId, now, address);
    usage.count(state.tokenId, now, 'IP_NOT_ALLOWED');
    next(authError('IP_NOT_ALLOWED'));
    return;
  }
  // Step 8: after the address, so a caller from outside the list learns nothing of the policy.
  const violation = tokenPolicyViolation(state, projection.orgPolicy(state.orgId));
  if (violation !== null) {
    usage.count(state.tokenId, now, 'TOKEN_POLICY_VIOLATION');
    next(tokenPolicyError(violation));
    return;
  }
  setAuthContext(req, {
    tokenId: state.tokenId,
    orgId: state.orgId,
    integrationId: state.integrationId,
    scopes: state.scopes,
  });
  usage.record(state.tokenId, now, address, req.headersDistinct['user-agent']?.[0]);
  // Scope and rate-limit refusals come later and are counted on their own: successes are the
  // authenticated requests less those.
  usage.count(state.tokenId, now, 'authenticated');
  next();
}

/** Decides from the fallback's outcome, or from the projection where its word stands. */
function conclude(
  options: AuthenticatorOptions,
  req: Request,
  next: NextFunction,
  tokenHash: string,
  outcome: FallbackOutcome,
  trusted: boolean,
) {
  if (outcome === 'unknown') {
    next(authError('INVALID_TOKEN'));
    return;
  }
  if (outcome !== 'found' && !trusted) {
    next(authError('AUTH_UNAVAILABLE'));
    return;
  }
  // 'found': the answer was applied to the projection, which now holds the newest known states.
  // 'busy'/'failed' on a trusted projection: its own word stands.
  const { projection } = options;
  const state = projection.findByHash(tokenHash);
  if (state === undefined) {
    next(authError('INVALID_TOKEN'));
    return;
  }
  decide(options, req, next, state, projection.integrationStatus(state.integrationId));
}

/** Step 9 for one endpoint (see {@link Authenticator.requireScopes}). */
function requireScopes(options: AuthenticatorOptions, scopes: Scope[]): RequestHandler {
  if (scopes.length === 0) throw new TypeError('requireScopes needs at least one scope');
  for (const scope of scopes) {
    if (!isScope(scope)) throw new TypeError('requireScopes accepts only registered scope names');
  }
  const needed = [...new Set(scopes)];
  return (req, _res, next) => {
    const context = getAuthContext(req);
    const missing = missingScopes(context.scopes, needed);
    if (missing.length > 0) {
      options.usage.count(context.tokenId, options.clock(), 'INSUFFICIENT_SCOPES');
      next(authError('INSUFFICIENT_SCOPES', { needed, missing }));
      return;
    }
    next();
  };
}

/**
 * Builds `authenticate` and `requireScopes` over a projection, an introspection fallback and a usage
 * recorder (the wiring is `createAuth`'s job; tests pass in-memory parts).
 *
 * `authenticate` runs steps 1 to 8 of the validation order:
 * 1–3. `parseAuthorizationHeader` (no lookup; a bad checksum never reaches the projection or
 *      auth-service), then the SHA-256 of the token is looked up.
 * With a **trusted** projection (caught up, newest heartbeat within `maxStalenessMs`), a hit whose integration
 * is known is decided from memory alone: no I/O, no promise. A miss (or an unknown integration) asks the
 * fallback; an answer it cannot get (busy, failed) leaves the projection's word: unknown →
 * INVALID_TOKEN.
 * With an **untrusted** projection (stale, or still catching up), every request is decided from an
 * introspection answer at most `verifiedTtlMs` old; without one → 503 AUTH_UNAVAILABLE. Never a silent
 * accept on data that may miss a revocation.
 * 4–6. `evaluateTokenState` against the newest known token and integration state.
 * 7. The client address (`req.ip`) against the integration's allowlist, if it has one: IP_NOT_ALLOWED,
 *    recorded as a refusal in the token's usage.
 * 8. The token against its organisation's policy, if it has one: TOKEN_POLICY_VIOLATION.
 * On success the request carries `{tokenId, orgId, integrationId, scopes}` (see `getAuthContext`) and
 * the use (with its address) is recorded in memory.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { projection, fallback, maxStalenessMs } = options;
  const logger = options.logger.child({ component: 'auth' });
  let wasTrusted: boolean | undefined;

  function isTrusted(): boolean {
    const caughtUp = projection.isCaughtUp();
    const trusted = caughtUp && projection.msSinceHeartbeat() <= maxStalenessMs;
    if (trusted !== wasTrusted) {
      // Logged on change only; this runs on every request.
      if (trusted) logger.info('token projection is current: validating from memory');
      else if (wasTrusted !== undefined || caughtUp) {
        logger.warn(
          { caughtUp, msSinceHeartbeat: projection.msSinceHeartbeat(), maxStalenessMs },
          'token projection is not current: validating every request through introspection',
        );
      }
      wasTrusted = trusted;
    }
    return trusted;
  }

  const authenticate: RequestHandler = (req, _res, next) => {
    // headersDistinct keeps repeated Authorization headers, which Node's `headers` would drop silently.
    const parsed = parseAuthorizationHeader(req.headersDistinct['authorization']);
    if (!parsed.ok) {
      next(authError(parsed.code));
      return;
    }
    const tokenHash = hashToken(parsed.token);
    const trusted = isTrusted();
    if (trusted) {
      const state = projection.findByHash(tokenHash);
      if (state !== undefined) {
        const integration = projection.integrationStatus(state.integrationId);
        // The token state may arrive before its integration's (two topics): ask rather than refuse.
        if (integration !== undefined) {
          decide(options, req, next, state, integration);
          return;
        }
      }
    }
    const cached = fallback.cached(tokenHash, !trusted);
    if (cached !== undefined) {
      conclude(options, req, next, tokenHash, cached, trusted);
      return;
    }
    fallback.ask(tokenHash).then(
      (outcome) => conclude(options, req, next, tokenHash, outcome, trusted),
      (err: unknown) => next(err),
    );
  };

  return {
    authenticate,
    requireScopes: (...scopes) => requireScopes(options, scopes),
    isTrusted,
  };
}
