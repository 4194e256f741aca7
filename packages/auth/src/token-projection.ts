import {
  STATE_HEARTBEAT_KEY,
  STATE_SIGNATURE_HEADER,
  TOPICS,
  createStateReader,
  isOrgPolicyState,
  orgPolicyKey,
} from '@eudr/events';
import type {
  AnyConsumedMessage,
  ConsumedHeartbeat,
  EventsKafka,
  IntegrationState,
  OrgPolicyState,
  SignatureProblem,
  StateReader,
  StateVerifier,
  TokenState,
} from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { createProjectionStore } from './projection-store';
import type { IntegrationStatus, OrgPolicy, ProjectionStore } from './projection-store';

/**
 * Every token state and integration status of the platform, held in memory by each replica of a
 * resource service and kept current from the compacted `auth.tokens` and `auth.integrations` topics.
 * Lookups are plain map reads: validating a known token does no I/O.
 */
export interface TokenProjection {
  /**
   * Reads the high-water marks, then starts reading both topics from the beginning, in full, with a
   * consumer group of its own (every replica sees every revocation) that commits nothing. Resolves once
   * subscribed; use {@link TokenProjection.whenCaughtUp} to wait for the content. Call once.
   */
  start(): Promise<void>;
  /** Leaves the group and closes the connections. The content stays readable but is no longer updated. */
  stop(): Promise<void>;
  /** True once every partition has been read up to the high-water mark read at start. */
  isCaughtUp(): boolean;
  /** Resolves once caught up; rejects if the projection is stopped first. */
  whenCaughtUp(): Promise<void>;
  /** Milliseconds since the consumer's last fetch answered by a broker (Infinity before the first). */
  msSinceLastFetch(): number;
  /**
   * How far behind auth-service this replica may be: the age of the oldest of the newest heartbeats of
   * every partition of both topics (Infinity while a partition has none). A heartbeat's instant counts
   * no later than when it arrived, so a clock of auth-service that runs ahead cannot make it look newer.
   */
  msSinceHeartbeat(): number;
  /** The newest known state of the token with this SHA-256 hash (its signature checked first). */
  findByHash(tokenHash: string): TokenState | undefined;
  /** The newest known status of an integration. */
  integrationStatus(integrationId: string): IntegrationStatus | undefined;
  /**
   * Version-checked upsert, used for introspection answers (auth-service over HTTP, so not signed):
   * applied only when newer than the held state; a revocation is never undone. Returns whether it was
   * applied.
   */
  applyToken(state: TokenState): boolean;
  /** Version-checked upsert of an integration status. Returns whether it was applied. */
  applyIntegration(state: IntegrationState): boolean;
  /** The newest known token policy of an organisation; undefined when it has none (no restriction). */
  orgPolicy(orgId: string): OrgPolicy | undefined;
  /** Version-checked upsert of an organisation's policy (from introspection). Returns whether it was applied. */
  applyPolicy(state: OrgPolicyState): boolean;
  size(): { tokens: number; integrations: number };
}

/** A state or heartbeat dropped because its signature is missing or wrong. */
export interface RejectedState {
  topic: typeof TOPICS.authTokens | typeof TOPICS.authIntegrations;
  kind: 'state' | 'heartbeat';
  reason: SignatureProblem;
}

/** Options of {@link createTokenProjection}. */
export interface CreateTokenProjectionOptions {
  /** The Kafka client (brokers and topic prefix). */
  kafka: EventsKafka;
  logger: Logger;
  /**
   * Checks auth-service's signature on every state, tombstone and heartbeat read from Kafka; one without
   * a valid signature is dropped (logged without its value, and reported to `onRejected`). Without a
   * verifier every message is taken as it is (tests of other parts only; services always pass one).
   */
  verifier?: StateVerifier;
  /** Called for every message dropped by the verifier, e.g. to count it in a metric. */
  onRejected?: (rejected: RejectedState) => void;
  /** Names the reader in its consumer group id and logs. Default `token-projection`. */
  name?: string;
  /**
   * Longest a fetch waits for data, i.e. the gap between fetches while idle. It bounds how often
   * `msSinceLastFetch` is refreshed, so keep it well below the staleness bound. Default 1000.
   */
  maxWaitTimeMs?: number;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

type AuthStateTopic = typeof TOPICS.authTokens | typeof TOPICS.authIntegrations;

/** Policies are keyed `policy:<orgId>` on `auth.integrations`. */
const POLICY_KEY_PREFIX = orgPolicyKey('');

/** Heartbeats checked per fetched batch at most: only the newest valid one matters. */
const HEARTBEATS_CHECKED_PER_BATCH = 3;

/** Checks a message's signature; a failing one is logged (never its value) and reported, and false returned. */
type SignatureCheck = (
  topic: AuthStateTopic,
  key: string,
  raw: string | null,
  header: string | undefined,
  kind: RejectedState['kind'],
  where: object,
) => boolean;

function signatureCheck(options: CreateTokenProjectionOptions, logger: Logger): SignatureCheck {
  const { verifier, kafka } = options;
  return (topic, key, raw, header, kind, where) => {
    const problem = verifier === undefined ? null : verifier.check(kafka.topicName(topic), key, raw, header);
    if (problem === null) return true;
    // Never the value, nor the signature: only where the message was and what was wrong with it.
    logger.warn(
      { topic: kafka.topicName(topic), kind, reason: problem, ...where },
      'dropping a state message that auth-service did not sign',
    );
    options.onRejected?.({ topic, kind, reason: problem });
    return false;
  };
}

/** What the projection holds besides its store, shared by the functions that apply and read it. */
interface ProjectionState {
  store: ProjectionStore;
  /** Signature headers of token states applied but not checked yet, by tokenId. */
  unchecked: Map<string, string>;
  /** Newest valid heartbeat per `topic/partition`: its `upTo`, capped at when it arrived. */
  heartbeats: Map<string, number>;
  verified: SignatureCheck;
  /** Whether signatures are checked at all (a verifier was given). */
  verifying: boolean;
}

/**
 * A token state first seen while catching up, whose value is exactly what this replica re-encodes, is
 * applied with its signature kept for its first lookup.
 */
function deferredCheck(
  state: ProjectionState,
  message: AnyConsumedMessage<AuthStateTopic>,
  key: string,
  catchingUp: () => boolean,
): boolean {
  if (message.topic !== TOPICS.authTokens || message.value === null || !state.verifying) return false;
  const header = message.headers[STATE_SIGNATURE_HEADER];
  const token = message.value;
  const deferred =
    catchingUp() &&
    header !== undefined &&
    key === token.tokenId &&
    state.store.findById(token.tokenId) === undefined &&
    message.rawValue === JSON.stringify(token);
  if (deferred && state.store.applyToken(token)) state.unchecked.set(token.tokenId, header);
  return deferred;
}

/** Applies one state or tombstone read from Kafka, its signature checked (now or at first lookup). */
function applyMessage(
  state: ProjectionState,
  message: AnyConsumedMessage<AuthStateTopic>,
  catchingUp: () => boolean,
): void {
  const { topic, key, partition, offset } = message;
  if (key === null || deferredCheck(state, message, key, catchingUp)) return;
  const header = message.headers[STATE_SIGNATURE_HEADER];
  if (!state.verified(topic, key, message.rawValue, header, 'state', { partition, offset })) {
    return;
  }
  const { store, unchecked } = state;
  if (message.topic === TOPICS.authTokens) {
    if (message.value === null) {
      store.removeToken(key);
      unchecked.delete(key);
    } else if (store.applyToken(message.value)) {
      unchecked.delete(message.value.tokenId);
    }
  } else if (message.value === null) {
    if (key.startsWith(POLICY_KEY_PREFIX)) store.removePolicy(key.slice(POLICY_KEY_PREFIX.length));
    else store.removeIntegration(key);
  } else if (isOrgPolicyState(message.value)) {
    store.applyPolicy(message.value);
  } else {
    store.applyIntegration(message.value);
  }
}

function applyHeartbeats(state: ProjectionState, batch: ConsumedHeartbeat[], now: number): void {
  // Batches are per partition and in order: the newest valid heartbeat is the last one that checks out.
  for (const beat of batch.slice(-HEARTBEATS_CHECKED_PER_BATCH).reverse()) {
    const where = { partition: beat.partition, offset: beat.offset };
    const header = beat.headers[STATE_SIGNATURE_HEADER];
    if (!state.verified(beat.topic, STATE_HEARTBEAT_KEY, beat.rawValue, header, 'heartbeat', where)) {
      continue;
    }
    const upTo = Math.min(Date.parse(beat.value.upTo), now);
    const slot = `${beat.topic}/${beat.partition}`;
    if (upTo > (state.heartbeats.get(slot) ?? -Infinity)) state.heartbeats.set(slot, upTo);
    return;
  }
}

/** A token state by hash, its deferred signature checked at this first lookup (dropped if it fails). */
function findByHash(state: ProjectionState, tokenHash: string): TokenState | undefined {
  const token = state.store.findByHash(tokenHash);
  if (token === undefined) return undefined;
  const header = state.unchecked.get(token.tokenId);
  if (header === undefined) return token;
  const { tokenId } = token;
  state.unchecked.delete(tokenId);
  if (state.verified(TOPICS.authTokens, tokenId, JSON.stringify(token), header, 'state', { tokenId })) {
    return token;
  }
  state.store.removeToken(tokenId);
  return undefined;
}

/**
 * Creates the token projection of one replica; see {@link TokenProjection}. Creating it opens no
 * connection. Messages that are not valid JSON or do not match their schema are logged and skipped by
 * the events consumer, so one malformed message never blocks the projection. A tombstone removes the
 * token (then unknown) or the integration (then its tokens count as inactive).
 *
 * Signatures: an Ed25519 check costs about a tenth of a millisecond, which at a cold start over 100 000
 * tokens would add seconds. So while catching up, a token state seen for the first time whose value is
 * exactly what this replica's schema re-encodes is kept with its signature and checked at its first
 * lookup; everything else (integrations, tombstones, heartbeats, any later change) is checked on
 * arrival. Either way no state is used before its signature is checked.
 */
export function createTokenProjection(options: CreateTokenProjectionOptions): TokenProjection {
  const logger = options.logger.child({ component: 'token-projection' });
  const clock = options.clock ?? Date.now;
  const state: ProjectionState = {
    store: createProjectionStore(),
    unchecked: new Map(),
    heartbeats: new Map(),
    verified: signatureCheck(options, logger),
    verifying: options.verifier !== undefined,
  };
  const { store, unchecked } = state;
  let startedAt = 0;
  let started = false;

  const reader: StateReader<AuthStateTopic> = createStateReader(options.kafka, {
    name: options.name ?? 'token-projection',
    topics: [TOPICS.authTokens, TOPICS.authIntegrations],
    maxWaitTimeMs: options.maxWaitTimeMs ?? 1_000,
    // Applying cannot fail, so a batch handler costs one call per fetched batch.
    batchHandler: async (messages) => {
      for (const message of messages) applyMessage(state, message, catchingUp);
    },
    onHeartbeats: (batch) => applyHeartbeats(state, batch, clock()),
  });
  const catchingUp = () => !reader.isCaughtUp();

  reader
    .whenCaughtUp()
    .then(() => {
      logger.info(
        { ...store.size(), unchecked: unchecked.size, ms: clock() - startedAt },
        'token projection caught up',
      );
    })
    .catch(() => undefined);

  return {
    async start() {
      if (started) throw new Error('the token projection was already started');
      started = true;
      startedAt = clock();
      await reader.start();
    },
    stop: () => reader.disconnect(),
    isCaughtUp: () => reader.isCaughtUp(),
    whenCaughtUp: () => reader.whenCaughtUp(),
    msSinceLastFetch: () => reader.msSinceLastFetch(),
    msSinceHeartbeat() {
      const partitions = reader.partitions();
      if (partitions.length === 0) return Infinity;
      let oldest = Infinity;
      for (const { topic, partition } of partitions) {
        oldest = Math.min(oldest, state.heartbeats.get(`${topic}/${partition}`) ?? -Infinity);
      }
      return clock() - oldest;
    },
    findByHash: (tokenHash) => findByHash(state, tokenHash),
    integrationStatus: (integrationId) => store.integrationStatus(integrationId),
    applyToken(token) {
      const applied = store.applyToken(token);
      if (applied) unchecked.delete(token.tokenId);
      return applied;
    },
    applyIntegration: (integration) => store.applyIntegration(integration),
    orgPolicy: (orgId) => store.orgPolicy(orgId),
    applyPolicy: (policy) => store.applyPolicy(policy),
    size: () => store.size(),
  };
}
