import { logLevel } from 'kafkajs';
import pino from 'pino';
import { Writable } from 'node:stream';
import { EventHandlerError } from './errors';
import { createPinoLogCreator, kafkaLogLevelFor } from './kafka-logger';
import { TOPICS } from './topics';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
  namespace: 'Connection',
  level,
  label: 'X',
  log: { timestamp: 'ignored', logger: 'kafkajs', message, ...extra },
});

describe('createPinoLogCreator', () => {
  it('forwards kafkajs entries to pino at the matching level with their fields', () => {
    const { logger, lines } = capture();
    const log = createPinoLogCreator(logger)(logLevel.DEBUG);
    log(entry(logLevel.ERROR, 'Connection error', { broker: '127.0.0.1:9092', error: new Error('boom') }));
    log(entry(logLevel.INFO, 'Starting'));
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'Connection error',
      broker: '127.0.0.1:9092',
      kafkaNamespace: 'Connection',
      component: 'kafkajs',
      err: { message: 'boom' },
    });
    expect(lines[0]).not.toHaveProperty('timestamp');
    expect(lines[1]).toMatchObject({ level: 30, msg: 'Starting' });
  });

  it('logs expected noise at debug level', () => {
    const { logger, lines } = capture();
    const log = createPinoLogCreator(logger)(logLevel.DEBUG);
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(
      entry(logLevel.ERROR, 'Error when calling eachBatch', {
        error: new EventHandlerError(TOPICS.dds, 0, '1', { cause: new Error('x') }),
      }),
    );
    expect(lines.map((l) => l['level'])).toEqual([20, 20]);
  });
});

describe('a broker error answer that kafkajs retries', () => {
  it('is a warning, not an error; a connection failure stays an error', () => {
    const { logger, lines } = capture();
    const log = createPinoLogCreator(logger)(logLevel.DEBUG);
    log(entry(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', { error: 'not the leader' }));
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    log({ ...entry(logLevel.ERROR, 'Response from elsewhere'), namespace: 'Producer' });
    expect(lines.map((l) => l['level'])).toEqual([40, 50, 50]);
  });
});

describe('kafkaLogLevelFor', () => {
  it('maps pino levels to kafkajs levels', () => {
    expect(kafkaLogLevelFor('debug')).toBe(logLevel.DEBUG);
    expect(kafkaLogLevelFor('info')).toBe(logLevel.INFO);
    expect(kafkaLogLevelFor('warn')).toBe(logLevel.WARN);
    expect(kafkaLogLevelFor('error')).toBe(logLevel.ERROR);
    expect(kafkaLogLevelFor('silent')).toBe(logLevel.NOTHING);
  });
});
