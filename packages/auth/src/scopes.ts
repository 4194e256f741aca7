/** The nine scope names of the Integration API. Exact names: a write scope never implies read. */
export const SCOPE_NAMES = [
  'integration:suppliers:read',
  'integration:suppliers:write',
  'integration:products:read',
  'integration:products:write',
  'integration:batches:read',
  'integration:batches:write',
  'integration:dds:read',
  'integration:webhooks:manage',
  'integration:sync:read',
] as const;

/** One scope name of the Integration API. */
export type Scope = (typeof SCOPE_NAMES)[number];

/** A scope as the admin API lists it (`GET /api/v1/admin/scopes`). */
export interface ScopeDefinition {
  /** The exact scope name a token carries. */
  scope: Scope;
  /** A short label for admin screens. */
  label: string;
  /** What the scope opens, naming the endpoints under `/api/v1/integration`. */
  description: string;
}

/**
 * The scope registry, in the order the admin API lists it. Every path is relative to
 * `/api/v1/integration`.
 */
export const SCOPES: readonly Readonly<ScopeDefinition>[] = Object.freeze(
  (
    [
      {
        scope: 'integration:suppliers:read',
        label: 'Read suppliers',
        description:
          'List suppliers (GET /suppliers, paginated, filterable by `since`) and fetch one by its external id (GET /suppliers/:externalId).',
      },
      {
        scope: 'integration:suppliers:write',
        label: 'Write suppliers',
        description:
          'Create and update suppliers in bulk (POST /suppliers, 1 to 500 records matched on externalId). Does not allow reading them back.',
      },
      {
        scope: 'integration:products:read',
        label: 'Read products',
        description:
          'List products (GET /products, paginated, filterable by `since`) and fetch one by its external id (GET /products/:externalId).',
      },
      {
        scope: 'integration:products:write',
        label: 'Write products',
        description:
          'Create and update products in bulk (POST /products, 1 to 500 records matched on externalId). Does not allow reading them back.',
      },
      {
        scope: 'integration:batches:read',
        label: 'Read batches',
        description:
          'List batches (GET /batches, paginated, filterable by `since`) and fetch one by its external id (GET /batches/:externalId).',
      },
      {
        scope: 'integration:batches:write',
        label: 'Write batches',
        description:
          'Create and update batches in bulk (POST /batches, 1 to 500 records matched on externalId), optionally creating draft DDS with `autoCreateDDS`. Does not allow reading them back.',
      },
      {
        scope: 'integration:dds:read',
        label: 'Read due diligence statements',
        description:
          'Read the Due Diligence Statement of a batch: DDS number, status and submission history (GET /dds/:batchExternalId).',
      },
      {
        scope: 'integration:webhooks:manage',
        label: 'Manage webhooks',
        description:
          "Create, list, update, delete and test the integration's webhook subscriptions and view their deliveries (/webhook-events and its sub-paths). Webhook secrets are shown only on creation.",
      },
      {
        scope: 'integration:sync:read',
        label: 'Read sync status',
        description:
          'Read sync totals and per-record sync statuses (GET /sync-status) and the log of bulk requests (GET /sync-logs).',
      },
    ] satisfies ScopeDefinition[]
  ).map((definition) => Object.freeze(definition)),
);

/** A token carries 1 to this many scopes; with nine scopes in total, a token may hold all of them. */
export const MAX_SCOPES_PER_TOKEN = 9;

const SCOPE_SET: ReadonlySet<string> = new Set<string>(SCOPE_NAMES);

/** True when `value` is exactly one of the nine scope names (case-sensitive, no trimming). */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && SCOPE_SET.has(value);
}

/**
 * The entries of `list` that are not scope names, each once, in first-seen order. Empty when every
 * entry is a known scope. Used to reject token requests that name unknown scopes.
 */
export function unknownScopes(list: readonly string[]): string[] {
  return [...new Set(list.filter((entry) => !isScope(entry)))];
}

/**
 * The scopes in `required` that `granted` does not contain, each once, in the order of `required`.
 * Matching is exact: `integration:suppliers:write` does not satisfy `integration:suppliers:read`.
 * Empty means access is allowed.
 */
export function missingScopes(granted: readonly string[], required: readonly Scope[]): Scope[] {
  const have = new Set(granted);
  return [...new Set(required.filter((scope) => !have.has(scope)))];
}
