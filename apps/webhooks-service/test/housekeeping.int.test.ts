import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createDeliveriesRepository } from '../src/deliveries/deliveries.repository';
import { deliveryClaimModel } from '../src/deliveries/delivery.model';
import { createHousekeeping } from '../src/deliveries/housekeeping';
import { failureStrikeModel } from '../src/subscriptions/subscription.model';
import { createSubscriptionsRepository } from '../src/subscriptions/subscriptions.repository';

// Housekeeping against the real server: which delivery claims and failure strikes it deletes, and
// which it must keep.
jest.setTimeout(60_000);

const MINUTE = 60_000;
const LEASE_MS = MINUTE;
const GRACE_MS = 10 * MINUTE;
const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let scope: TestScope | undefined;
let mongo: MongoConnection | undefined;

beforeAll(async () => {
  scope = await createTestScope('wh-housekeeping');
  mongo = await connectMongo(scope.mongoUrl, {
    logger: createLogger({ service: 'webhooks-service-test', level: 'silent' }),
  });
  await mongo.ensureIndexes();
});

afterAll(async () => {
  await mongo?.close();
  await scope?.cleanup();
});

async function ids(model: { find(): { lean(): { exec(): Promise<{ _id: string }[]> } } }) {
  return (await model.find().lean().exec()).map((doc) => doc._id).sort();
}

describe('webhooks housekeeping', () => {
  it('deletes claims older than two leases and the strikes of ended runs, and keeps the rest', async () => {
    if (!mongo) throw new Error('no mongo');
    const connection = mongo.connection;
    const subscriptions = createSubscriptionsRepository(connection);
    const Claim = deliveryClaimModel(connection);
    const Strike = failureStrikeModel(connection);

    await Claim.insertMany([
      { _id: 'dlv_a:1:1', owner: 'r1', claimedAt: ago(3 * 60 * MINUTE) },
      { _id: 'dlv_b:2:1', owner: 'r1', claimedAt: ago(2 * LEASE_MS + GRACE_MS + 1) },
      // Still readable by the next lease period's claim, or younger than the grace.
      { _id: 'dlv_c:1:9', owner: 'r1', claimedAt: ago(2 * LEASE_MS + GRACE_MS - 1_000) },
      { _id: 'dlv_d:1:9', owner: 'r2', claimedAt: NOW },
    ]);
    const subscription = {
      _id: 'wh_live',
      orgId: 'org_hk',
      integrationId: 'int_hk',
      url: 'https://example.com/hooks',
      events: ['supplier.created'],
      active: true,
      sealedSecret: 'sealed',
      consecutiveFailures: 2,
      failureEpoch: 'current',
      disabledAt: null,
      disabledReason: null,
      createdAt: ago(30 * 24 * 60 * MINUTE),
      updatedAt: ago(60 * MINUTE),
    };
    await subscriptions.insert(subscription);
    const old = ago(2 * 24 * 60 * MINUTE);
    await Strike.insertMany([
      // A run that a 2xx ended.
      { _id: 'wh_live:ended:1', at: old },
      { _id: 'wh_live:ended:2', at: old },
      // The current run: kept however old, it still counts towards disabling.
      { _id: 'wh_live:current:1', at: old },
      { _id: 'wh_live:current:2', at: ago(GRACE_MS - 1_000) },
      // A deleted subscription's run.
      { _id: 'wh_gone:whatever:1', at: old },
      // An ended run's strike younger than the grace: left for a later run.
      { _id: 'wh_live:late:1', at: ago(GRACE_MS - 1_000) },
    ]);

    const housekeeping = createHousekeeping({
      deliveries: createDeliveriesRepository(connection),
      subscriptions,
      logger: createLogger({ service: 'webhooks-service-test', level: 'silent' }),
      leaseMs: LEASE_MS,
      graceMs: GRACE_MS,
      intervalMs: MINUTE,
      now: () => NOW,
    });
    await expect(housekeeping.runOnce()).resolves.toEqual({ claims: 2, strikes: 3 });

    expect(await ids(Claim)).toEqual(['dlv_c:1:9', 'dlv_d:1:9']);
    expect(await ids(Strike)).toEqual(['wh_live:current:1', 'wh_live:current:2', 'wh_live:late:1']);
    // A second run finds nothing more to do.
    await expect(housekeeping.runOnce()).resolves.toEqual({ claims: 0, strikes: 0 });
  });
});
