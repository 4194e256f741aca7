import { parseEnvLines } from './infra';
import { withDatabase } from './scope';

describe('parseEnvLines', () => {
  it('reads KEY=value lines and ignores progress text', () => {
    const values = parseEnvLines(
      'starting kafka...\nMONGO_URL=mongodb://127.0.0.1:27017\nKAFKA_BROKERS=127.0.0.1:9092\n',
    );
    expect(values.get('MONGO_URL')).toBe('mongodb://127.0.0.1:27017');
    expect(values.get('KAFKA_BROKERS')).toBe('127.0.0.1:9092');
    expect(values.size).toBe(2);
  });
});

describe('withDatabase', () => {
  it('replaces the database and keeps options', () => {
    expect(withDatabase('mongodb://127.0.0.1:27017/?directConnection=true', 't_x_1')).toBe(
      'mongodb://127.0.0.1:27017/t_x_1?directConnection=true',
    );
    expect(withDatabase('mongodb://127.0.0.1:27017', 'db')).toBe('mongodb://127.0.0.1:27017/db');
  });
});
