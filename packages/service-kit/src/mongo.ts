import mongoose from 'mongoose';
import type {
  CallbackWithoutResultAndOptionalError,
  Connection,
  ConnectOptions,
  Document,
  Model,
  Schema,
} from 'mongoose';
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

type IndexKeys = Record<string, unknown>;

function uniqueIndexKeys(schema: Schema): IndexKeys[] {
  return schema
    .indexes()
    .filter(([, options]) => (options as { unique?: unknown } | undefined)?.unique === true)
    .map(([fields]) => fields as IndexKeys);
}

function isBareDuplicateKey(err: unknown): err is Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === 11000 && (err as { keyPattern?: unknown }).keyPattern === undefined;
}

/**
 * Mongoose plugin that names the index behind a duplicate key error when the server does not.
 * MongoDB reports `keyPattern`; FerretDB only says "E11000 duplicate key error collection: db.coll", which
 * would leave the 409 CONFLICT message unable to say which fields collided. The plugin fills in
 * `keyPattern` from the schema: the only unique index when there is one, else (on `save`) the unique index
 * whose values another document already holds. `connectMongo` installs it on its connection.
 */
export function duplicateKeyPatternPlugin(schema: Schema): void {
  const uniques = uniqueIndexKeys(schema);
  if (uniques.length === 0) return;
  const only = uniques.length === 1 ? uniques[0] : undefined;

  const annotateSingle = (err: unknown): void => {
    if (only !== undefined && isBareDuplicateKey(err)) err.keyPattern = { ...only };
  };

  schema.post(
    'save',
    { errorHandler: true },
    async function (
      this: Document,
      err: unknown,
      _res: unknown,
      next: CallbackWithoutResultAndOptionalError,
    ) {
      if (isBareDuplicateKey(err)) {
        if (only !== undefined) annotateSingle(err);
        else {
          const model = this.constructor as Model<unknown>;
          for (const keys of uniques) {
            const filter: Record<string, unknown> = { _id: { $ne: this._id } };
            for (const field of Object.keys(keys)) filter[field] = this.get(field) as unknown;
            if (await model.exists(filter).catch(() => null)) {
              err.keyPattern = { ...keys };
              break;
            }
          }
        }
      }
      next(err as Error);
    },
  );
  const queryOps = [
    'updateOne',
    'updateMany',
    'findOneAndUpdate',
    'replaceOne',
    'findOneAndReplace',
  ] as const;
  schema.post(
    [...queryOps],
    { errorHandler: true },
    function (err: unknown, _res: unknown, next: CallbackWithoutResultAndOptionalError) {
      annotateSingle(err);
      next(err as Error);
    },
  );
  schema.post(
    'insertMany',
    { errorHandler: true },
    function (err: unknown, _res: unknown, next: CallbackWithoutResultAndOptionalError) {
      annotateSingle(err);
      next(err as Error);
    },
  );
}

/**
 * Opens a dedicated mongoose connection (not the global default, so one process or test can hold
 * several) and waits until it is usable.
 *
 * Decisions:
 * - `autoIndex: false`. Mongoose would otherwise build indexes in the background when each model is
 *   compiled, racing the first writes and logging failures nobody waits for (FerretDB rejects TTL and
 *   partial indexes, for example). Services call {@link MongoConnection.ensureIndexes} at start and
 *   report ready only after it succeeds, so a unique index is guaranteed before the first write relies
 *   on it. `createIndexes` rather than `syncIndexes`: during a rolling deploy the old version's indexes
 *   must not be dropped by the new one; drop obsolete indexes in a deliberate migration.
 * - `serverSelectionTimeoutMS: 5000`, so a missing database fails startup (and then requests, as
 *   503 SERVICE_UNAVAILABLE) within seconds instead of the driver's 30 s.
 * - No `sanitizeFilter`: it would also rewrite the services' own `$in`/`$gt` filters. Request input
 *   reaches queries only after zod has checked it is a plain string or number, which is what stops
 *   operator injection.
 * - {@link duplicateKeyPatternPlugin} is installed, so duplicate keys map to a 409 that names the fields
 *   on FerretDB as on MongoDB.
 * - Nothing here needs transactions, change streams or TTL indexes, which FerretDB lacks.
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
  // Applied to every model compiled on this connection from now on.
  connection.plugin(duplicateKeyPatternPlugin);
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
