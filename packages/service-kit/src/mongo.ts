import mongoose from 'mongoose';
import type { Connection, ConnectOptions, FilterQuery, Model, Schema, mongo } from 'mongoose';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './readiness';

/** Options of {@link connectMongo}: mongoose's connect options plus the logger. */
export interface ConnectMongoOptions extends ConnectOptions {
  logger: Logger;
}

/** An open MongoDB connection with what `main.ts` needs around it. */
export interface MongoConnection {
  /** The mongoose connection; define models on it (`connection.model(...)`), not on the global mongoose. */
  connection: Connection;
  /** True while the driver is connected. Cheap: reads the connection state, sends nothing. */
  isReady(): boolean;
  /** `{ name: 'mongodb', check: isReady }`, ready to pass to `createApp({ readiness: [...] })`. */
  readinessCheck: ReadinessCheck;
  /**
   * Creates the indexes declared by every model registered on this connection (`createIndexes`, which
   * only adds). Await it at start, before the service reports ready.
   */
  ensureIndexes(): Promise<void>;
  /** Closes the connection; use as the last shutdown hook. */
  close(): Promise<void>;
}

/** The URL without credentials, for logs. */
function describeUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

/**
 * Opens a dedicated mongoose connection (not the global default, so one process or test can hold
 * several) and waits until it is usable.
 *
 * Decisions:
 * - `autoIndex: false`. Mongoose would otherwise build indexes in the background when each model is
 *   compiled, racing the first writes and logging failures nobody waits for. Services call {@link MongoConnection.ensureIndexes} at start and
 *   report ready only after it succeeds, so a unique index is guaranteed before the first write relies
 *   on it. `createIndexes` rather than `syncIndexes`: during a rolling deploy the old version's indexes
 *   must not be dropped by the new one; drop obsolete indexes in a deliberate migration.
 * - `serverSelectionTimeoutMS: 5000`, so a missing database fails startup (and then requests, as
 *   503 SERVICE_UNAVAILABLE) within seconds instead of the driver's 30 s.
 * - No `sanitizeFilter`: it would also rewrite the services' own `$in`/`$gt` filters. Request input
 *   reaches queries only after zod has checked it is a plain string or number, which is what stops
 *   operator injection.
 * - Nothing here needs transactions, change streams or TTL indexes, which the local server lacks
 *   (docs/local-servers.md).
 *
 * @throws the driver's error when no server answers within the selection timeout.
 */
export async function connectMongo(url: string, options: ConnectMongoOptions): Promise<MongoConnection> {
  const { logger, ...connectOptions } = options;
  const log = logger.child({ component: 'mongodb' });
  const connection = mongoose.createConnection(url, {
    autoIndex: false,
    serverSelectionTimeoutMS: 5_000,
    ...connectOptions,
  });
  connection.on('disconnected', () => log.warn('disconnected from MongoDB'));
  connection.on('reconnected', () => log.info('reconnected to MongoDB'));
  connection.on('error', (err: unknown) => log.error({ err }, 'MongoDB connection error'));
  try {
    await connection.asPromise();
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  log.info({ url: describeUrl(url), db: connection.name }, 'connected to MongoDB');

  const isReady = (): boolean => connection.readyState === mongoose.ConnectionStates.connected;
  return {
    connection,
    isReady,
    readinessCheck: { name: 'mongodb', check: isReady },
    async ensureIndexes() {
      for (const model of Object.values(connection.models)) {
        await model.createIndexes();
      }
    },
    async close() {
      await connection.close();
    },
  };
}

/**
 * The model `name` on `connection`, compiled from `schema` the first time: models live on their
 * connection (not the global mongoose), and asking twice must not compile twice.
 */
export function modelOn<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

/** Which page of a list to read: `page` >= 1, `limit` documents to a page. */
export interface PageRequest {
  page: number;
  limit: number;
}

/** One page of a list and how many documents match the filter in all. */
export interface FoundPage<T> {
  items: T[];
  total: number;
}

/** A list's order; end it with a unique field so pages never overlap. */
export type PageSort = Record<string, 1 | -1>;

/**
 * One page of the documents matching `filter` in `sort` order, and their total, read at once: the
 * list query of every repository, from a mongoose model (plain objects, as `lean()` gives them) or a
 * driver collection.
 */
export async function findPage<T extends mongo.Document>(
  source: Model<T> | mongo.Collection<T>,
  filter: FilterQuery<T> | mongo.Filter<T>,
  sort: PageSort,
  { page, limit }: PageRequest,
): Promise<FoundPage<T>> {
  const skip = (page - 1) * limit;
  // A model is its documents' constructor; a collection (the driver's, or mongoose's wrapper of it) is not.
  if (typeof source === 'function') {
    const query = filter as FilterQuery<T>;
    const [items, total] = await Promise.all([
      source.find(query).sort(sort).skip(skip).limit(limit).lean<T[]>().exec(),
      source.countDocuments(query).exec(),
    ]);
    return { items, total };
  }
  const query = filter as mongo.Filter<T>;
  const [items, total] = await Promise.all([
    source.find(query).sort(sort).skip(skip).limit(limit).toArray(),
    source.countDocuments(query),
  ]);
  // Every document read has its `_id`, which `T` declares; the driver types it apart.
  return { items: items as T[], total };
}
