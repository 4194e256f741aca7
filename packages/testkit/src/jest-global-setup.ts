import { getInfra } from './infra';
import { beginTopicRecord } from './test-topics';

/**
 * Jest global setup: resolves the shared infrastructure once per run, before any worker starts, so
 * workers inherit MONGO_URL / KAFKA_BROKERS / REDIS_URL instead of each starting their own.
 */
export default async function globalSetup(): Promise<void> {
  const infra = await getInfra();
  beginTopicRecord();
  process.stderr.write(
    `\ntest infrastructure (${infra.source}): mongo ${redactUrl(infra.mongoUrl)}, kafka ${infra.kafkaBrokers.join(',')}, redis ${redactUrl(infra.redisUrl)}\n`,
  );
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
