import { NotFoundError, ValidationError, toEntityPage } from '@eudr/service-kit';
import type { EntityPage, Logger } from '@eudr/service-kit';
import { newSubscriptionId } from '../common/ids';
import type { DeliveriesRepository } from '../deliveries/deliveries.repository';
import { sendTestDelivery } from '../deliveries/test-delivery';
import { generateWebhookSecret } from '../deliveries/webhook-signature';
import type { WebhookSender } from '../deliveries/webhook-sender';
import type { SecretBox } from './secret-box';
import type { SubscriptionDocument } from './subscription.model';
import { toDeliverySummary, toDeliveryView, toSubscriptionView } from './subscription-views';
import { enabledState } from './subscriptions.repository';
import type {
  Owner,
  SubscriptionChanges,
  SubscriptionScope,
  SubscriptionsRepository,
} from './subscriptions.repository';
import type {
  CreateSubscriptionInput,
  CreatedSubscription,
  DeliveryView,
  PageQuery,
  SubscriptionOverview,
  SubscriptionView,
  TestDeliveryResult,
  UpdateSubscriptionInput,
} from './subscriptions.schemas';
import { checkTargetUrl, systemResolveAll } from './target-policy';
import type { ResolveAll, TargetPolicy } from './target-policy';

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
  list(owner: Owner, query: PageQuery): Promise<EntityPage<SubscriptionView>>;
  /** @throws NotFoundError when the id is unknown in the scope. */
  get(scope: SubscriptionScope, id: string): Promise<SubscriptionView>;
  /** `active: true` re-enables a disabled subscription and resets its failure count. @throws NotFoundError */
  update(scope: SubscriptionScope, id: string, input: UpdateSubscriptionInput): Promise<SubscriptionView>;
  /** @throws NotFoundError */
  remove(scope: SubscriptionScope, id: string): Promise<void>;
  /** Sends one signed test delivery now and records it in the history. @throws NotFoundError */
  sendTest(scope: SubscriptionScope, id: string): Promise<TestDeliveryResult>;
  /** @throws NotFoundError */
  listDeliveries(scope: SubscriptionScope, id: string, query: PageQuery): Promise<EntityPage<DeliveryView>>;
  /** The subscriptions (of `orgId`) with the newest delivery of each, for the admin console's lists. */
  withLastDelivery(orgId: string, views: readonly SubscriptionView[]): Promise<SubscriptionOverview[]>;
}

const NOT_FOUND = 'No webhook subscription with this id exists for this integration.';

/** A new active subscription of `owner`, with its secret in clear (returned once) and sealed (stored). */
function newSubscription(
  owner: Owner,
  input: CreateSubscriptionInput,
  secrets: SecretBox,
  now: Date,
): { doc: SubscriptionDocument; secret: string } {
  const id = newSubscriptionId();
  const secret = generateWebhookSecret();
  const doc: SubscriptionDocument = {
    _id: id,
    orgId: owner.orgId,
    integrationId: owner.integrationId,
    url: input.url,
    events: input.events,
    sealedSecret: secrets.seal(secret, id),
    ...enabledState(),
    createdAt: now,
    updatedAt: now,
  };
  return { doc, secret };
}

/** The stored fields a PATCH changes. */
function changesOf(input: UpdateSubscriptionInput, now: Date): SubscriptionChanges {
  const changes: SubscriptionChanges = {};
  if (input.url !== undefined) changes.url = input.url;
  if (input.events !== undefined) changes.events = input.events;
  if (input.active === true) {
    // Re-enabling starts the failure count afresh; otherwise one more failure would disable it again.
    Object.assign(changes, enabledState());
  } else if (input.active === false) {
    Object.assign(changes, { active: false, disabledAt: now, disabledReason: 'disabled by the integration' });
  }
  return changes;
}

/** Creates the subscriptions service. */
export function createSubscriptionsService(deps: SubscriptionsServiceDeps): SubscriptionsService {
  const { subscriptions, deliveries, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const resolveAll = deps.resolveAll ?? systemResolveAll;

  async function assertTargetAllowed(url: string): Promise<void> {
    const refusal = await checkTargetUrl(url, deps.policy, resolveAll);
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
      const { doc, secret } = newSubscription(owner, input, deps.secrets, new Date(clock()));
      await subscriptions.insert(doc);
      logger.info(
        { subscriptionId: doc._id, ...owner, events: input.events },
        'webhook subscription created',
      );
      return { ...toSubscriptionView(doc), secret };
    },

    async list(owner, query) {
      return toEntityPage(await subscriptions.list(owner, query), query, toSubscriptionView);
    },

    async get(scope, id) {
      return toSubscriptionView(await getOwned(scope, id));
    },

    async update(scope, id, input) {
      await getOwned(scope, id);
      if (input.url !== undefined) await assertTargetAllowed(input.url);
      const now = new Date(clock());
      const updated = await subscriptions.update(scope, id, changesOf(input, now), now);
      if (updated === null) throw new NotFoundError(NOT_FOUND);
      logger.info({ subscriptionId: id, fields: Object.keys(input) }, 'webhook subscription updated');
      return toSubscriptionView(updated);
    },

    async remove(scope, id) {
      if (!(await subscriptions.delete(scope, id))) throw new NotFoundError(NOT_FOUND);
      logger.info({ subscriptionId: id }, 'webhook subscription deleted');
    },

    async sendTest(scope, id) {
      return sendTestDelivery({ ...deps, clock }, await getOwned(scope, id));
    },

    async listDeliveries(scope, id, query) {
      const { orgId, _id } = await getOwned(scope, id);
      return toEntityPage(await deliveries.listForSubscription(orgId, _id, query), query, toDeliveryView);
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
