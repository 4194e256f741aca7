import { createHash, randomUUID } from 'node:crypto';
import { orgIdSchema } from '@eudr/service-kit';
import { z } from 'zod';
import { TOPICS, type DomainTopic } from '../topics';
import { idSchema, isoDateTimeSchema } from './common.schemas';
import { withRawTokenGuard } from './raw-token-guard';

// Optional record fields may be absent or null (a cleared field); unknown fields pass through so that a
// service can add a field without a coordinated release of every consumer.
const optionalText = z.string().nullish();

/** A supplier as carried by `supplier.*` events: both ids required, the API's fields optional. */
export const supplierRecordSchema = z.looseObject({
  externalId: idSchema,
  internalId: idSchema,
  name: optionalText,
  code: optionalText,
  country: optionalText,
  address: optionalText,
  city: optionalText,
  state: optionalText,
  postalCode: optionalText,
  contactPerson: optionalText,
  email: optionalText,
  phone: optionalText,
  website: optionalText,
  taxId: optionalText,
  certifications: z.array(z.string()).nullish(),
  isEuOrigin: z.boolean().nullish(),
});
/** A supplier record in an event. */
export type SupplierRecord = z.output<typeof supplierRecordSchema>;

/** A product as carried by `product.*` events. */
export const productRecordSchema = z.looseObject({
  externalId: idSchema,
  internalId: idSchema,
  name: optionalText,
  category: optionalText,
  country: optionalText,
  hsCode: optionalText,
  unit: optionalText,
  code: optionalText,
  description: optionalText,
  supplierExternalId: optionalText,
});
/** A product record in an event. */
export type ProductRecord = z.output<typeof productRecordSchema>;

/** A batch as carried by `batch.*` events. */
export const batchRecordSchema = z.looseObject({
  externalId: idSchema,
  internalId: idSchema,
  productExternalId: optionalText,
  batchNumber: optionalText,
  quantity: z.number().finite().nonnegative().nullish(),
  unit: optionalText,
  receivedDate: optionalText,
  expiryDate: optionalText,
});
/** A batch record in an event. */
export type BatchRecord = z.output<typeof batchRecordSchema>;

/** Outcome of one bulk upsert, carried by `sync.completed` / `sync.failed`. */
export const syncResultSchema = z.looseObject({
  entityType: z.enum(['SUPPLIER', 'PRODUCT', 'BATCH']),
  syncLogId: idSchema,
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  status: z.enum(['SUCCESS', 'PARTIAL', 'ERROR']),
});
/** Data of a sync event. */
export type SyncResult = z.output<typeof syncResultSchema>;

/** The statuses a DDS moves through. */
export const ddsStatusSchema = z.enum(['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED']);
/** A DDS status. */
export type DdsStatus = z.output<typeof ddsStatusSchema>;

/** Data of the `dds.*` events. */
export const ddsChangeSchema = z.looseObject({
  ddsNumber: z.string().regex(/^DDS-\d{4}-\d{5,}$/, 'must look like DDS-<year>-<5 digits>'),
  batchExternalId: idSchema,
  status: ddsStatusSchema,
  previousStatus: ddsStatusSchema.nullish(),
});
/** Data of a DDS event. */
export type DdsChange = z.output<typeof ddsChangeSchema>;

/** The warning thresholds of `token.expiring`: 7 days and 1 day before a token expires. */
export const TOKEN_EXPIRY_THRESHOLDS = ['7d', '1d'] as const;
/** One of {@link TOKEN_EXPIRY_THRESHOLDS}. */
export type TokenExpiryThreshold = (typeof TOKEN_EXPIRY_THRESHOLDS)[number];

// What every token event says about its token: ids, the admin's name and the last four characters,
// never the token, its hash or its display prefix (which holds the raw-token marker).
const tokenRefShape = {
  tokenId: idSchema,
  name: z.string().min(1).max(200),
  lastFour: z.string().regex(/^[0-9a-f]{4}$/),
};

/** Data of `token.expiring`: the token expires at `expiresAt`, `threshold` or less from `occurredAt`. */
export const tokenExpiringSchema = z.looseObject({
  ...tokenRefShape,
  expiresAt: isoDateTimeSchema,
  threshold: z.enum(TOKEN_EXPIRY_THRESHOLDS),
});
/** Data of `token.expired`. */
export const tokenExpiredSchema = z.looseObject({ ...tokenRefShape, expiresAt: isoDateTimeSchema });
/** Data of `token.leaked`: a secret scanner found the token in public and it was revoked at `revokedAt`. */
export const tokenLeakedSchema = z.looseObject({
  ...tokenRefShape,
  revokedAt: isoDateTimeSchema,
  /** Where the scanner found it, e.g. a commit URL on GitHub. */
  url: z.string().max(2000).nullable(),
  /** Where the scanner looked, e.g. `content`, `commit`, `issue_comment`. */
  source: z.string().max(100).nullable(),
  /** Who reported it, e.g. `github`. */
  reporter: z.string().min(1).max(100),
});

/** Fields every domain event carries, whatever its type. */
export const eventEnvelopeSchema = z.object({
  /** Unique per event: consumers (and webhook deliveries) deduplicate on it. */
  id: z.uuid(),
  version: z.literal(1),
  occurredAt: isoDateTimeSchema,
  /** The service that published the event, e.g. `suppliers-service`. */
  source: z.string().min(1).max(100),
  /** The request id of the call that caused the event, to follow one request across services. */
  correlationId: z.string().min(1).max(200).optional(),
  orgId: orgIdSchema,
  integrationId: idSchema.optional(),
});

function event<T extends string, D extends z.ZodType>(type: T, data: D) {
  return eventEnvelopeSchema.extend({ type: z.literal(type), data });
}

const supplierCreated = event('supplier.created', supplierRecordSchema);
const supplierUpdated = event('supplier.updated', supplierRecordSchema);
const supplierDeleted = event('supplier.deleted', supplierRecordSchema);
const productCreated = event('product.created', productRecordSchema);
const productUpdated = event('product.updated', productRecordSchema);
const productDeleted = event('product.deleted', productRecordSchema);
const batchCreated = event('batch.created', batchRecordSchema);
const batchUpdated = event('batch.updated', batchRecordSchema);
const batchDeleted = event('batch.deleted', batchRecordSchema);
const syncCompleted = event('sync.completed', syncResultSchema);
const syncFailed = event('sync.failed', syncResultSchema);
const ddsStatusChanged = event('dds.status_changed', ddsChangeSchema);
const ddsSubmitted = event('dds.submitted', ddsChangeSchema);
const ddsApproved = event('dds.approved', ddsChangeSchema);
const tokenExpiring = event('token.expiring', tokenExpiringSchema);
const tokenExpired = event('token.expired', tokenExpiredSchema);
const tokenLeaked = event('token.leaked', tokenLeakedSchema);

/** Any event on the `suppliers` topic. */
export const supplierEventSchema = z.discriminatedUnion('type', [
  supplierCreated,
  supplierUpdated,
  supplierDeleted,
]);
/** Any event on the `products` topic. */
export const productEventSchema = z.discriminatedUnion('type', [
  productCreated,
  productUpdated,
  productDeleted,
]);
/** Any event on the `batches` topic. */
export const batchEventSchema = z.discriminatedUnion('type', [batchCreated, batchUpdated, batchDeleted]);
/** Any event on the `sync` topic. */
export const syncEventSchema = z.discriminatedUnion('type', [syncCompleted, syncFailed]);
/** Any event on the `dds` topic. */
export const ddsEventSchema = z.discriminatedUnion('type', [ddsStatusChanged, ddsSubmitted, ddsApproved]);
/** Any event on the `tokens` topic; one holding a raw token anywhere is refused. */
export const tokenEventSchema = withRawTokenGuard(
  z.discriminatedUnion('type', [tokenExpiring, tokenExpired, tokenLeaked]),
);

/** Any domain event, discriminated on `type`. */
export const domainEventSchema = z.discriminatedUnion('type', [
  supplierCreated,
  supplierUpdated,
  supplierDeleted,
  productCreated,
  productUpdated,
  productDeleted,
  batchCreated,
  batchUpdated,
  batchDeleted,
  syncCompleted,
  syncFailed,
  ddsStatusChanged,
  ddsSubmitted,
  ddsApproved,
  tokenExpiring,
  tokenExpired,
  tokenLeaked,
]);

/** A domain event (parsed). */
export type DomainEvent = z.output<typeof domainEventSchema>;
/** A domain event as a producer builds it (before parsing). */
export type DomainEventInput = z.input<typeof domainEventSchema>;
/** One of the domain event types, e.g. `'supplier.created'`. */
export type DomainEventType = DomainEvent['type'];
/** The domain event of one type. */
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
/** The `data` of one event type. */
export type DomainEventData<T extends DomainEventType> = DomainEventOf<T>['data'];

/** Every domain event type, i.e. exactly the webhook event types of the Integration API. */
export const DOMAIN_EVENT_TYPES = [
  'supplier.created',
  'supplier.updated',
  'supplier.deleted',
  'product.created',
  'product.updated',
  'product.deleted',
  'batch.created',
  'batch.updated',
  'batch.deleted',
  'sync.completed',
  'sync.failed',
  'dds.status_changed',
  'dds.submitted',
  'dds.approved',
  'token.expiring',
  'token.expired',
  'token.leaked',
] as const satisfies readonly DomainEventType[];

/** The event types allowed on each domain topic. */
export const EVENT_TYPES_BY_TOPIC = {
  [TOPICS.suppliers]: ['supplier.created', 'supplier.updated', 'supplier.deleted'],
  [TOPICS.products]: ['product.created', 'product.updated', 'product.deleted'],
  [TOPICS.batches]: ['batch.created', 'batch.updated', 'batch.deleted'],
  [TOPICS.sync]: ['sync.completed', 'sync.failed'],
  [TOPICS.dds]: ['dds.status_changed', 'dds.submitted', 'dds.approved'],
  [TOPICS.tokens]: ['token.expiring', 'token.expired', 'token.leaked'],
} as const satisfies Record<DomainTopic, readonly DomainEventType[]>;

/** The topic an event type is published on. */
export function topicForEventType(type: DomainEventType): DomainTopic {
  const entry = (Object.entries(EVENT_TYPES_BY_TOPIC) as [DomainTopic, readonly string[]][]).find(
    ([, types]) => types.includes(type),
  );
  if (!entry) throw new Error(`no topic for event type ${type}`);
  return entry[0];
}

/** Input of {@link createDomainEvent}. */
export interface CreateDomainEventInput<T extends DomainEventType> {
  type: T;
  orgId: string;
  integrationId?: string;
  source: string;
  correlationId?: string;
  data: Extract<DomainEventInput, { type: T }>['data'];
  /** Defaults to now. */
  occurredAt?: Date;
  /** The event id; default a fresh UUID. An event that may be built again (see {@link stableEventId}) passes its own. */
  id?: string;
}

/**
 * A UUID (version 8, RFC 9562) derived from `parts`: the same parts always give the same id, so an event
 * published again after a crash is the same event to every consumer (webhook deliveries are keyed by it).
 */
export function stableEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Builds a domain event envelope with a fresh id and `occurredAt`, validated against its schema.
 * @throws ZodError when the data does not match the event type.
 */
export function createDomainEvent<T extends DomainEventType>(
  input: CreateDomainEventInput<T>,
): DomainEventOf<T> {
  const candidate = {
    id: input.id ?? randomUUID(),
    type: input.type,
    version: 1 as const,
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    source: input.source,
    orgId: input.orgId,
    ...(input.integrationId === undefined ? {} : { integrationId: input.integrationId }),
    ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
    data: input.data,
  };
  // Token events also pass the raw-token guard, whatever the caller put into them.
  if (input.type.startsWith('token.')) tokenEventSchema.parse(candidate);
  return domainEventSchema.parse(candidate) as DomainEventOf<T>;
}

/**
 * The key a domain event is published under: `orgId:externalId` for record events (so that all
 * changes of one record stay in order on one partition), `orgId:<id>` otherwise.
 */
export function domainEventKey(event: DomainEventInput): string {
  switch (event.type) {
    case 'sync.completed':
    case 'sync.failed':
      return `${event.orgId}:${event.data.syncLogId}`;
    case 'dds.status_changed':
    case 'dds.submitted':
    case 'dds.approved':
      return `${event.orgId}:${event.data.batchExternalId}`;
    case 'token.expiring':
    case 'token.expired':
    case 'token.leaked':
      return `${event.orgId}:${event.data.tokenId}`;
    default:
      return `${event.orgId}:${event.data.externalId}`;
  }
}
