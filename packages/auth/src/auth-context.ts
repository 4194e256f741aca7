import type { Request } from 'express';

/** Who is calling: set by `authenticate` on every request it lets through. */
export interface AuthContext {
  tokenId: string;
  /** Every query of the request must be scoped to this organisation. */
  orgId: string;
  integrationId: string;
  /** The scopes the token carries, as issued. */
  scopes: readonly string[];
}

// Keyed by the request object, so nothing is added to Express's types and the context dies with the request.
const contexts = new WeakMap<Request, AuthContext>();

/** @internal Attaches the context of an authenticated request. */
export function setAuthContext(req: Request, context: AuthContext): void {
  contexts.set(req, context);
}

/** The context of an authenticated request, or undefined when `authenticate` did not let it through. */
export function findAuthContext(req: Request): AuthContext | undefined {
  return contexts.get(req);
}

/**
 * The context `authenticate` attached to this request: `{tokenId, orgId, integrationId, scopes}`.
 * @throws Error when `authenticate` did not run for the request (a routing mistake, answered with 500).
 */
export function getAuthContext(req: Request): AuthContext {
  const context = contexts.get(req);
  if (context === undefined) {
    throw new Error('no auth context on this request: mount authenticate before the route');
  }
  return context;
}
