#!/usr/bin/env node
// Deletes the Kafka topics under the given prefixes: the test runs' teardown calls it with the topic
// prefixes of its finished suites (packages/testkit/src/test-topics.ts), which a broker would otherwise
// keep for ever. A script of the repository rather than testkit code: testkit cannot depend on
// @eudr/events, whose own tests depend on testkit.
//   node scripts/delete-test-topics.mjs <broker,broker…> <prefix>…
import { createKafka, deleteTopicsWithPrefixes } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';

const [brokers, ...prefixes] = process.argv.slice(2);
if (!brokers || prefixes.length === 0) {
  console.error('usage: node scripts/delete-test-topics.mjs <broker,broker…> <prefix>…');
  process.exit(2);
}
const kafka = createKafka({
  brokers: brokers.split(','),
  clientId: 'test-topic-cleanup',
  logger: createLogger({ service: 'test-topic-cleanup', level: 'warn' }),
  retry: { retries: 2 },
});
const deleted = await deleteTopicsWithPrefixes(kafka, prefixes);
console.log(deleted.length);
