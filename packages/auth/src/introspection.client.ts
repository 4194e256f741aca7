import { integrationStateSchema, orgPolicyStateSchema, tokenStateSchema } from '@eudr/events';
import type { IntegrationState, OrgPolicyState, TokenState } from '@eudr/events';
import { z } from 'zod';

/**
 * auth-service's answer for one token hash: the current state of a known token (whether or not it is
 * usable: revoked, expired and inactive tokens are known too, and the caller runs the usual checks on
 * them), with its integration's state when auth-service holds one; or `known: false` for an unknown hash.
 */
export type IntrospectionAnswer =
  | { known: true; token: TokenState; integration: IntegrationState | null; policy?: OrgPolicyState | null }
  | { known: false };

/** Asks auth-service about one token hash. Rejects with {@link IntrospectionError} when it cannot tell. */
export type IntrospectFn = (tokenHash: string) => Promise<IntrospectionAnswer>;

/** The introspection call failed: network error, timeout, non-200 status or an answer that does not fit. */
export class IntrospectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntrospectionError';
  }
}

/** The path of auth-service's internal introspection endpoint. */
export const INTROSPECTION_PATH = '/internal/introspect';

/** The header carrying the service key of internal calls. */
export const SERVICE_KEY_HEADER = 'X-Service-Key';

// On the wire, `active` says whether the token is usable right now; a known token comes with its state
// either way, and only an unknown hash comes without one.
const answerSchema = z.union([
  z.object({
    active: z.boolean(),
    token: tokenStateSchema,
    integration: integrationStateSchema.nullable(),
    // The organisation's token policy, when it has one (older auth-services do not send it).
    policy: orgPolicyStateSchema.nullable().optional(),
  }),
  z.object({ active: z.literal(false) }),
]);

/** Options of {@link createIntrospectionClient}. */
export interface IntrospectionClientOptions {
  /**
   * auth-service's base URL (e.g. `http://auth-service:4001`), to which `/internal/introspect` is
   * appended, or the full endpoint URL (ending in `/internal/introspect`), used as is.
   */
  url: string;
  /** Sent as `X-Service-Key`. */
  serviceKey: string;
  /** Abort the call after this long. Default 1000. */
  timeoutMs?: number;
  /** The fetch implementation; default the global one. */
  fetch?: typeof fetch;
}

/** The endpoint URL for a base or full URL; see {@link IntrospectionClientOptions.url}. */
export function introspectionEndpoint(url: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.replace(/\/+$/, '').endsWith(INTROSPECTION_PATH)) {
    parsed.pathname = parsed.pathname.replace(/\/+$/, '') + INTROSPECTION_PATH;
  }
  return parsed.toString();
}

/**
 * Creates the HTTP client of the introspection endpoint: `POST {tokenHash}` with `X-Service-Key`, one
 * attempt bounded by `timeoutMs` (no retry: the caller is an API request waiting on the answer). Only
 * a 200 with a well-formed body counts; a positive answer must be about the hash asked for.
 */
export function createIntrospectionClient(options: IntrospectionClientOptions): IntrospectFn {
  const endpoint = introspectionEndpoint(options.url);
  const timeoutMs = options.timeoutMs ?? 1_000;
  const doFetch = options.fetch ?? globalThis.fetch;

  return async (tokenHash) => {
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_KEY_HEADER]: options.serviceKey },
        body: JSON.stringify({ tokenHash }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body in any case, so the connection can be reused.
      body = await response.json().catch(() => undefined);
    } catch (err) {
      throw new IntrospectionError('introspection request failed', { cause: err });
    }
    if (response.status !== 200) {
      throw new IntrospectionError(`introspection answered ${response.status}`);
    }
    const parsed = answerSchema.safeParse(body);
    if (!parsed.success) throw new IntrospectionError('introspection answer does not match its schema');
    const wire = parsed.data;
    if (!('token' in wire)) return { known: false };
    if (wire.token.tokenHash !== tokenHash) {
      throw new IntrospectionError('introspection answered about another token');
    }
    if (wire.integration !== null && wire.integration.integrationId !== wire.token.integrationId) {
      throw new IntrospectionError("introspection answered with another token's integration");
    }
    if (wire.policy !== undefined && wire.policy !== null && wire.policy.orgId !== wire.token.orgId) {
      throw new IntrospectionError("introspection answered with another organisation's policy");
    }
    const answer = { known: true as const, token: wire.token, integration: wire.integration };
    return wire.policy === undefined || wire.policy === null ? answer : { ...answer, policy: wire.policy };
  };
}
