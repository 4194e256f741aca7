import type { DomainEventType } from '@eudr/events';
import { NotFoundError, ValidationError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { newSubscriptionId, newTestDeliveryId } from '../common/ids';
import type { DeliveriesRepository } from '../deliveries/deliveries.repository';
import type { DeliveryDocument } from '../deliveries/delivery.model';
import { generateWebhookSecret, webhookHeaders } from '../deliveries/webhook-signature';
import type { WebhookSender } from '../deliveries/webhook-sender';
import type { SecretBox } from './secret-box';
import type { SubscriptionDocument } from './subscription.model';
import { newFailureEpoch } from './subscriptions.repository';
import type {
  Owner,
  SubscriptionChanges,
  SubscriptionScope,
  SubscriptionsRepository,
} from './subscriptions.repository';
import type {
  CreateSubscriptionInput,
  CreatedSubscription,
  DeliverySummary,
  DeliveryView,
  Page,
  PageQuery,
  SubscriptionOverview,
  SubscriptionView,
  TestDeliveryResult,
  UpdateSubscriptionInput,
} from './subscriptions.schemas';
import { checkTargetUrl, systemResolveAll } from './target-policy';
import type { ResolveAll, TargetPolicy } from './target-policy';

/** The event type of a test delivery; not one a subscription can ask for. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Dependencies of {@link createSubscriptionsService}. */
export interface SubscriptionsServiceDeps {
  subscriptions: SubscriptionsRepository;
  deliveries: DeliveriesRepository;
  secrets: SecretBox;
  policy: TargetPolicy;
  sender: WebhookSender;
  logger: Logger;
  resolveAll?: ResolveAll;
  clock?: () => number;
}

/**
 * The webhook subscription use cases of the Integration API (an integration token: its organisation
 * and integration) and of the admin routes (an organisation admin: any integration of the
 * organisation, the integration checked by the caller).
 */
export interface SubscriptionsService {
  create(owner: Owner, input: CreateSubscriptionInput): Promise<CreatedSubscription>;
  list(owner: Owner, query: PageQuery): Promise<Page<SubscriptionView>>;
  /** @throws NotFoundError when the id is unknown in the scope. */
  get(scope: SubscriptionScope, id: string): Promise<SubscriptionView>;
  /** `active: true` re-enables a disabled subscription and resets its failure count. @throws NotFoundError */
  update(scope: SubscriptionScope, id: string, input: UpdateSubscriptionInput): Promise<SubscriptionView>;
  /** @throws NotFoundError */
  remove(scope: SubscriptionScope, id: string): Promise<void>;
  /** Sends one signed test delivery now and records it in the history. @throws NotFoundError */
  sendTest(scope: SubscriptionScope, id: string): Promise<TestDeliveryResult>;
  /** @throws NotFoundError */
  listDeliveries(scope: SubscriptionScope, id: string, query: PageQuery): Promise<Page<DeliveryView>>;
  /** The subscriptions (of `orgId`) with the newest delivery of each, for the admin console's lists. */
  withLastDelivery(orgId: string, views: readonly SubscriptionView[]): Promise<SubscriptionOverview[]>;
}

/** A stored subscription as the API shows it: no secret. */
export function toSubscriptionView(doc: SubscriptionDocument): SubscriptionView {
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events as DomainEventType[],
    active: doc.active,
    integrationId: doc.integrationId,
    consecutiveFailures: doc.consecutiveFailures,
    disabledAt: doc.disabledAt === null ? null : doc.disabledAt.toISOString(),
    disabledReason: doc.disabledReason,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** A stored delivery as the API shows it: no body, no lease. */
export function toDeliveryView(doc: Omit<DeliveryDocument, 'body'>): DeliveryView {
  return {
    id: doc._id,
    event: doc.eventType,
    eventId: doc.eventId,
    test: doc.test,
    status: doc.status,
    attemptCount: doc.attempts.length,
    attempts: doc.attempts.map((attempt) => ({
      at: attempt.at.toISOString(),
      success: attempt.ok,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      error: attempt.error,
    })),
    nextAttemptAt: doc.nextAttemptAt === null ? null : doc.nextAttemptAt.toISOString(),
    reason: doc.reason,
    subscriptionDisabled: doc.subscriptionDisabled,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** The newest delivery of a subscription as the admin list shows it: its last attempt, not all. */
export function toDeliverySummary(doc: Omit<DeliveryDocument, 'body'>): DeliverySummary {
  const view = toDeliveryView(doc);
  return {
    id: view.id,
    event: view.event,
    test: view.test,
    status: view.status,
    attemptCount: view.attemptCount,
    lastAttempt: view.attempts.at(-1) ?? null,
    createdAt: view.createdAt,
  };
}

const NOT_FOUND = 'No webhook subscription with this id exists for this integration.';

/** Creates the subscriptions service. */
export function createSubscriptionsService(deps: SubscriptionsServiceDeps): SubscriptionsService {
  const { subscriptions, deliveries, secrets, policy, sender } = deps;
  const clock = deps.clock ?? Date.now;
  const resolveAll = deps.resolveAll ?? systemResolveAll;

  async function assertTargetAllowed(url: string): Promise<void> {
    const refusal = await checkTargetUrl(url, policy, resolveAll);
    if (refusal !== null) {
      throw new ValidationError(`url: ${refusal}`, { details: [{ field: 'url', message: refusal }] });
    }
  }

  async function getOwned(scope: SubscriptionScope, id: string): Promise<SubscriptionDocument> {
    const doc = await subscriptions.findOwned(scope, id);
    if (doc === null) throw new NotFoundError(NOT_FOUND);
    return doc;
  }

  return {
    async create(owner, input) {
      await assertTargetAllowed(input.url);
      const now = new Date(clock());
      const id = newSubscriptionId();
      const secret = generateWebhookSecret();
      const doc: SubscriptionDocument = {
        _id: id,
        orgId: owner.orgId,
        integrationId: owner.integrationId,
        url: input.url,
        events: input.events,
        active: true,
        sealedSecret: secrets.seal(secret, id),
        consecutiveFailures: 0,
        failureEpoch: newFailureEpoch(),
        disabledAt: null,
        disabledReason: null,
        createdAt: now,
        updatedAt: now,
      };
      await subscriptions.insert(doc);
      deps.logger.info(
        { subscriptionId: id, orgId: owner.orgId, integrationId: owner.integrationId, events: input.events },
        'webhook subscription created',
      );
      return { ...toSubscriptionView(doc), secret };
    },

    async list(owner, query) {
      const { items, total } = await subscriptions.list(owner, query);
      return { entities: items.map(toSubscriptionView), total, page: query.page, limit: query.limit };
    },

    async get(scope, id) {
      return toSubscriptionView(await getOwned(scope, id));
    },

    async update(scope, id, input) {
      await getOwned(scope, id);
      if (input.url !== undefined) await assertTargetAllowed(input.url);
      const changes: SubscriptionChanges = {};
      if (input.url !== undefined) changes.url = input.url;
      if (input.events !== undefined) changes.events = input.events;
      if (input.active === true) {
        // Re-enabling starts the failure count afresh; otherwise one more failure would disable it again.
        Object.assign(changes, {
          active: true,
          consecutiveFailures: 0,
          failureEpoch: newFailureEpoch(),
          disabledAt: null,
          disabledReason: null,
        });
      } else if (input.active === false) {
        Object.assign(changes, {
          active: false,
          disabledAt: new Date(clock()),
          disabledReason: 'disabled by the integration',
        });
      }
      const updated = await subscriptions.update(scope, id, changes, new Date(clock()));
      if (updated === null) throw new NotFoundError(NOT_FOUND);
      deps.logger.info({ subscriptionId: id, fields: Object.keys(input) }, 'webhook subscription updated');
      return toSubscriptionView(updated);
    },

    async remove(scope, id) {
      if (!(await subscriptions.delete(scope, id))) throw new NotFoundError(NOT_FOUND);
      deps.logger.info({ subscriptionId: id }, 'webhook subscription deleted');
    },

    async sendTest(scope, id) {
      const subscription = await getOwned(scope, id);
      const now = new Date(clock());
      const deliveryId = newTestDeliveryId();
      const body = JSON.stringify({
        event: TEST_EVENT_TYPE,
        timestamp: now.toISOString(),
        integrationId: subscription.integrationId,
        data: {
          message: 'This is a test delivery of your webhook subscription.',
          subscriptionId: subscription._id,
        },
      });
      const outcome = await sender.send({
        url: subscription.url,
        body,
        headers: webhookHeaders({
          secret: secrets.open(subscription.sealedSecret, subscription._id),
          deliveryId,
          subscriptionId: subscription._id,
          eventType: TEST_EVENT_TYPE,
          timestamp: Math.floor(now.getTime() / 1000),
          body,
        }),
      });
      const done = new Date(clock());
      await deliveries.insert([
        {
          _id: deliveryId,
          subscriptionId: subscription._id,
          orgId: subscription.orgId,
          integrationId: subscription.integrationId,
          eventId: null,
          eventType: TEST_EVENT_TYPE,
          test: true,
          body,
          status: outcome.ok ? 'DELIVERED' : 'FAILED',
          attempts: [
            {
              at: now,
              ok: outcome.ok,
              statusCode: outcome.statusCode,
              durationMs: outcome.durationMs,
              error: outcome.error,
            },
          ],
          nextAttemptAt: null,
          leaseOwner: null,
          leaseUntil: null,
          reason: outcome.ok ? null : 'test deliveries are not retried',
          subscriptionDisabled: false,
          createdAt: now,
          updatedAt: done,
        },
      ]);
      return {
        deliveryId,
        success: outcome.ok,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error,
      };
    },

    async listDeliveries(scope, id, query) {
      const subscription = await getOwned(scope, id);
      const { items, total } = await deliveries.listForSubscription(
        subscription.orgId,
        subscription._id,
        query,
      );
      return { entities: items.map(toDeliveryView), total, page: query.page, limit: query.limit };
    },

    async withLastDelivery(orgId, views) {
      const latest = await deliveries.latestForSubscriptions(
        orgId,
        views.map((view) => view.id),
      );
      return views.map((view) => {
        const doc = latest.get(view.id);
        return { ...view, lastDelivery: doc === undefined ? null : toDeliverySummary(doc) };
      });
    },
  };
}
