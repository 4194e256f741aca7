import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { createAdminClient, mintAdminJwt } from './admin-client';
import type { AdminClient } from './admin-client';
import { startAppProcess } from './app-process';
import type { AppExit, AppProcess } from './app-process';
import { startDevProvider } from './console';
import type { DevProvider } from './console';
import { startEdge } from './edge';
import type { PrivateEdge } from './edge';
import { call } from './http';
import { freePort } from './ports';
import type { HttpResult } from './http';
import { createTestScope, withDatabase } from './scope';
import type { TestScope } from './scope';
import { waitFor } from './wait-for';

/** A token made through the admin API. */
export interface IssuedToken {
  token: string;
  tokenId: string;
  integrationId: string;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /**
   * The resource services to start after auth-service, in order, each with its extra environment
   * (e.g. `{'suppliers-service': {}, 'batches-service': {}}`). auth-service always runs.
   */
  apps: Record<string, Record<string, string>>;
  /** Brokers for every service of the stack (e.g. a private broker); default the suite's shared ones. */
  kafkaBrokers?: string[];
  /** Extra environment of auth-service. */
  authEnv?: Record<string, string>;
  /**
   * The Redis every resource service counts rate limits in (`REDIS_URL`): default the suite's shared
   * one (keys prefixed per stack, so stacks never share a budget); `null` turns rate limiting off.
   */
  redisUrl?: string | null;
  /**
   * Replicas per app, every one behind the edge (round robin): a number for every app of the stack
   * (auth-service included), or counts by app name; default 1.
   */
  replicas?: number | Record<string, number>;
  /**
   * Serve the console at `<edge>/console` and start the development OpenID provider it signs in with;
   * every service then accepts the provider's access tokens (JWKS) next to the HS256 admin JWTs.
   */
  console?: boolean;
  /** SASL credentials every service logs in to Kafka with (a broker of `startPrivateKafka({sasl: true})`). */
  kafkaSasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/**
 * auth-service and the named resource services as real processes (one or more replicas each), each app
 * on its own database, all on one topic prefix, with a private edge in front that balances every app
 * over its replicas. The admin JWT secret and the internal service key are fresh per stack.
 */
export interface Stack {
  scope: TestScope;
  kafkaBrokers: string[];
  /** The Redis of the stack's rate limiter (`''` when rate limiting is off). */
  redisUrl: string;
  /** The first replica of auth-service (the one resource services ask for introspection). */
  auth: AppProcess;
  /** The first replica of each resource service, by name. */
  apps: Record<string, AppProcess>;
  /** Every replica behind the edge of each app (auth-service included), by name, first one first. */
  replicas: Record<string, AppProcess[]>;
  edge: PrivateEdge;
  adminSecret: string;
  /** With `console: true`: the development OpenID provider and the console's address. */
  provider?: DevProvider;
  consoleUrl?: string;
  /** What every resource service trusts (`AUTH_STATE_PUBLIC_KEYS`): the public half of auth-service's fresh key. */
  statePublicKeys: string;
  /** Starts another replica of `name` on the same database and topics (not behind the edge). */
  startReplica(name: string, env?: Record<string, string>): Promise<AppProcess>;
  /** The environment `name` was started with (without `PORT`), e.g. to start a process by hand. */
  envOf(name: string): Record<string, string>;
  /** An admin API client (through the edge) for an admin of `org`. */
  admin(org: string): Promise<AdminClient>;
  /**
   * Creates an integration (unless one is given; with `rateLimitPerMinute` when set) and a token with
   * `scopes` through the admin API.
   */
  issueToken(
    admin: AdminClient,
    scopes: string[],
    options?: { integrationId?: string; expiresAt?: string; rateLimitPerMinute?: number },
  ): Promise<IssuedToken>;
  /** Stops the edge and every process (as they end: their exits by `name:port`), drops the databases. */
  close(): Promise<Record<string, AppExit>>;
}

/** The database of one service of a stack. */
function databaseOf(scope: TestScope, app: string): string {
  return `${scope.dbName}_${app.replace(/-service$/, '').replace(/-/g, '_')}`;
}

/** Starts a stack for one test file; call `close()` in `afterAll`. */
export async function startStack(label: string, options: StackOptions): Promise<Stack> {
  const scope = await createTestScope(label);
  const kafkaBrokers = options.kafkaBrokers ?? scope.kafkaBrokers;
  const adminSecret = randomBytes(32).toString('hex');
  const serviceKey = randomBytes(32).toString('hex');
  // A fresh state signing key pair per stack, as every deployment has its own.
  const stateKey = generateKeyPairSync('ed25519').privateKey;
  const stateSigningKey = `stack:${stateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`;
  const statePublicKeys = `stack:${createPublicKey(stateKey).export({ type: 'spki', format: 'der' }).toString('base64')}`;
  // An empty value counts as unset in every service's config: no rate limiting.
  const redisUrl = options.redisUrl === undefined ? scope.redisUrl : (options.redisUrl ?? '');
  const common = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: scope.topicPrefix,
    REDIS_URL: redisUrl,
    RATE_LIMIT_KEY_PREFIX: scope.redisKeyPrefix,
    INTERNAL_SERVICE_KEY: serviceKey,
    ADMIN_JWT_SECRET: adminSecret,
    AUTH_STATE_PUBLIC_KEYS: statePublicKeys,
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...(options.kafkaSasl === undefined
      ? {}
      : {
          KAFKA_SASL_MECHANISM: options.kafkaSasl.mechanism,
          KAFKA_SASL_USERNAME: options.kafkaSasl.username,
          KAFKA_SASL_PASSWORD: options.kafkaSasl.password,
        }),
  };
  const edgePort = await freePort();
  const consoleUrl = options.console === true ? `http://127.0.0.1:${edgePort}/console` : undefined;
  const provider = consoleUrl === undefined ? undefined : await startDevProvider(consoleUrl);
  Object.assign(common, provider?.adminJwtEnv);
  const names = ['auth-service', ...Object.keys(options.apps)];
  const processes: AppProcess[] = [];
  const envs = new Map<string, Record<string, string>>();
  let edge: PrivateEdge | undefined;

  async function stopAll(): Promise<Record<string, AppExit>> {
    const exits: Record<string, AppExit> = {};
    const problems: unknown[] = [];
    if (edge !== undefined) await edge.stop().catch((error: unknown) => problems.push(error));
    await provider?.process.stop().catch((error: unknown) => problems.push(error));
    // Resource services first, so none of them falls back to an auth-service that is already gone.
    for (const app of [...processes].reverse()) {
      try {
        exits[`${app.name}:${app.port}`] = await app.stop();
      } catch (error) {
        problems.push(error);
      }
    }
    const client = await MongoClient.connect(scope.baseMongoUrl);
    try {
      for (const name of names) await client.db(databaseOf(scope, name)).dropDatabase();
    } finally {
      await client.close();
    }
    await scope.cleanup();
    if (problems.length > 0) throw problems[0];
    return exits;
  }

  async function startReplica(name: string, env: Record<string, string> = {}): Promise<AppProcess> {
    const base = envs.get(name);
    if (base === undefined) throw new Error(`${name} is not part of this stack`);
    const app = await startAppProcess(name, { ...base, ...env });
    processes.push(app);
    return app;
  }

  const replicas: Record<string, AppProcess[]> = {};
  /** Starts the replicas of `name` at once (each is pushed to `processes` as it is ready). */
  async function startReplicas(name: string): Promise<AppProcess[]> {
    const count = typeof options.replicas === 'number' ? options.replicas : (options.replicas?.[name] ?? 1);
    // allSettled: a failed start must not leave a sibling still starting, unseen by stopAll.
    const started = await Promise.allSettled(Array.from({ length: count }, () => startReplica(name)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    replicas[name] = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return replicas[name];
  }
  function first(name: string, all: AppProcess[]): AppProcess {
    if (all[0] === undefined) throw new Error(`no replica of ${name} was asked for`);
    return all[0];
  }

  try {
    envs.set('auth-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databaseOf(scope, 'auth-service')),
      AUTH_STATE_SIGNING_KEY: stateSigningKey,
      ...options.authEnv,
    });
    const auth = first('auth-service', await startReplicas('auth-service'));
    const apps: Record<string, AppProcess> = {};
    for (const [name, env] of Object.entries(options.apps)) {
      envs.set(name, {
        ...common,
        MONGO_URL: withDatabase(scope.baseMongoUrl, databaseOf(scope, name)),
        AUTH_SERVICE_URL: auth.url,
        ...env,
      });
      apps[name] = first(name, await startReplicas(name));
    }
    const routesTo: Record<string, number[]> = {};
    for (const [name, all] of Object.entries(replicas)) routesTo[name] = all.map((app) => app.port);
    edge = await startEdge({ routesTo, port: edgePort, ...(provider && { env: provider.edgeEnv }) });
    const edgeUrl = edge.url;
    let counter = 0;

    return {
      scope,
      kafkaBrokers,
      redisUrl,
      auth,
      apps,
      replicas,
      edge,
      adminSecret,
      ...(provider && { provider, consoleUrl }),
      statePublicKeys,
      startReplica,
      envOf(name) {
        const env = envs.get(name);
        if (env === undefined) throw new Error(`${name} is not part of this stack`);
        return { ...env };
      },
      async admin(org) {
        return createAdminClient(edgeUrl, await mintAdminJwt({ secret: adminSecret, org }));
      },
      async issueToken(admin, scopes, tokenOptions = {}) {
        counter += 1;
        const integrationId =
          tokenOptions.integrationId ??
          (
            await admin.createIntegration({
              name: `ERP ${label} ${counter}`,
              ...(tokenOptions.rateLimitPerMinute === undefined
                ? {}
                : { rateLimitPerMinute: tokenOptions.rateLimitPerMinute }),
            })
          ).id;
        const created = await admin.createToken(integrationId, {
          name: `token ${counter}`,
          scopes,
          ...(tokenOptions.expiresAt === undefined ? {} : { expiresAt: tokenOptions.expiresAt }),
        });
        return { token: created.token, tokenId: created.id, integrationId };
      },
      close: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** A base URL a revocation is watched on: one replica called directly, or the edge. */
export interface RevocationTarget {
  name: string;
  url: string;
}

/** The first answer of one target that was not 200 after a revoke, and how long after it came. */
export interface RevocationSeen {
  name: string;
  /** 0 for the first token revoked, 1 for the next, … */
  round: number;
  result: HttpResult;
  /** From the revoke's answer to this one being read. */
  ms: number;
}

/** Each replica of `app` (named `replica A :port`, `replica B :port`, …) and the edge, as revocation targets. */
export function replicasAndEdge(stack: Stack, app: string): RevocationTarget[] {
  const replicas = stack.replicas[app] ?? [];
  return [
    ...replicas.map((replica, i) => ({
      name: `replica ${String.fromCharCode(65 + i)} :${replica.port}`,
      url: replica.url,
    })),
    { name: 'edge', url: stack.edge.url },
  ];
}

/**
 * The revocations of {@link watchRevocation} in one line per target (`edge 7,7,10`), and those that were
 * not a 401 `TOKEN_REVOKED` within `boundMs`: a test prints the first and expects the second empty.
 */
export function summarizeRevocations(
  seen: RevocationSeen[],
  boundMs: number,
): { times: string; unexpected: RevocationSeen[] } {
  const names = [...new Set(seen.map((s) => s.name))];
  const times = names.map((name) => `${name} ${seen.filter((s) => s.name === name).map((s) => s.ms)}`);
  const unexpected = seen.filter(
    (s) => s.result.status !== 401 || s.result.body?.['error'] !== 'TOKEN_REVOKED' || s.ms > boundMs,
  );
  return { times: times.join('; '), unexpected };
}

/**
 * `rounds` times (default 1): issues a token with `scopes`, waits until every target accepts it on
 * `path` (200), revokes it through the admin API and then polls all targets at once, back to back,
 * until each answers something other than 200; throws when one still accepts the token after
 * `timeoutMs`.
 */
export async function watchRevocation(
  stack: Stack,
  admin: AdminClient,
  options: {
    path: string;
    scopes: string[];
    targets: RevocationTarget[];
    timeoutMs: number;
    rounds?: number;
  },
): Promise<RevocationSeen[]> {
  const { path, targets, timeoutMs } = options;
  const seen: RevocationSeen[] = [];
  for (let round = 0; round < (options.rounds ?? 1); round += 1) {
    const issued = await stack.issueToken(admin, options.scopes);
    for (const target of targets) {
      await waitFor(async () => (await call(target.url, path, { token: issued.token })).status === 200, {
        timeoutMs: 10_000,
        message: `${target.name} to accept the new token`,
      });
    }
    await admin.revokeToken(issued.integrationId, issued.tokenId);
    const revokedAt = Date.now();
    const answers = await Promise.all(
      targets.map(({ name, url }) =>
        waitFor(
          async () => {
            const answer = await call(url, path, { token: issued.token });
            return answer.status === 200 ? null : answer;
          },
          { timeoutMs, intervalMs: 0, message: `${name} to refuse the revoked token` },
        ),
      ),
    );
    answers.forEach((result, i) =>
      seen.push({ name: targets[i]?.name ?? '', round, result, ms: result.at - revokedAt }),
    );
  }
  return seen;
}
