import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { EventHandlerError } from './errors';

/** The kafkajs level matching a pino level, so kafkajs does not even build entries pino would drop. */
export function kafkaLogLevelFor(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

type PinoMethod = 'error' | 'warn' | 'info' | 'debug';

/*
 * Entries that are expected by design and would only add noise at their original level:
 * - we bound the idempotent producer's retries on purpose (publishing is at-least-once and every
 *   consumer deduplicates on version or event id);
 * - a failing handler is already logged by the consumer wrapper with the exact offset.
 */
function downgrade(entry: LogEntry): boolean {
  if (entry.log.message.startsWith('Limiting retries for the idempotent producer')) return true;
  return entry.log['error'] instanceof EventHandlerError;
}

/*
 * A broker's error answer to one request (`Response Metadata(...)`: not the leader, the coordinator
 * loading, a rebalance, a topic another replica created first). kafkajs retries these itself, and what
 * still fails after its retries reaches our code as an error and is logged there; at start-up with two
 * replicas there were about 40 such lines per stack, none of them a fault.
 */
function isRetriedResponse(entry: LogEntry): boolean {
  return entry.namespace === 'Connection' && entry.log.message.startsWith('Response ');
}

function methodFor(entry: LogEntry): PinoMethod {
  if (downgrade(entry)) return 'debug';
  if (entry.level === logLevel.ERROR && isRetriedResponse(entry)) return 'warn';
  switch (entry.level) {
    case logLevel.ERROR:
      return 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/**
 * A kafkajs `logCreator` that forwards every entry to a pino logger, keeping the kafkajs namespace
 * and extra fields as structured fields (an `error` field becomes pino's `err` so it is serialised).
 */
export function createPinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () => (entry) => {
    const { message, timestamp: _timestamp, logger: _name, error, ...extra } = entry.log;
    const fields: Record<string, unknown> = { ...extra, kafkaNamespace: entry.namespace };
    if (error !== undefined) fields['err'] = error;
    kafkaLogger[methodFor(entry)](fields, message);
  };
}
