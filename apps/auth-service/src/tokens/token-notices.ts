import { dueExpiryNotice } from '@eudr/auth';
import { TOPICS, createDomainEvent, domainEventKey, stableEventId } from '@eudr/events';
import type { DomainEventOf, EventProducer } from '@eudr/events';
import { createPeriodicTask, withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { TokenRecord } from './token.model';
import type { PendingNotice, TokenNoticeStore } from './token-notices.repository';

/** Tokens (and pending notices) handled per run; the next run takes the rest. */
const BATCH = 500;

/** Dependencies of {@link createTokenNotices}. */
export interface TokenNoticesDeps {
  tokens: TokenNoticeStore;
  producer: Pick<EventProducer, 'publish'>;
  logger: Logger;
  /** The notices' clock: `AUTH_CLOCK_OFFSET_MS` ahead of the system clock outside production. */
  clock: () => Date;
  /** Pause between runs (`EXPIRY_NOTICE_INTERVAL_MS`). */
  intervalMs: number;
  /** A notice claimed this long ago and not acknowledged is published again (its claimer failed or died). */
  retryAfterMs: number;
}

/** The expiry scheduler and the publisher of token events; see {@link createTokenNotices}. */
export interface TokenNotices {
  start(): void;
  stop(): Promise<void>;
  /** One run: claim what is due, publish it, publish again what earlier claimers left pending. */
  runOnce(): Promise<void>;
  /** Publishes claimed notices now and acknowledges them (the leak report's fast path). */
  publish(notices: readonly PendingNotice[]): Promise<void>;
}

/** An event of the `tokens` topic. */
export type TokenEvent = DomainEventOf<'token.expiring' | 'token.expired' | 'token.leaked'>;

/** The event of a claimed notice: its id is derived from the token and the notice, so a retry is the same event. */
export function noticeEvent(kind: string, at: Date, token: TokenRecord): TokenEvent {
  const envelope = {
    id: stableEventId(token._id, kind),
    orgId: token.orgId,
    integrationId: token.integrationId,
    source: 'auth-service',
    occurredAt: at,
  };
  const ref = { tokenId: token._id, name: token.name, lastFour: token.lastFour };
  if (kind === 'leaked') {
    return createDomainEvent({
      ...envelope,
      type: 'token.leaked',
      data: {
        ...ref,
        revokedAt: (token.revokedAt ?? at).toISOString(),
        url: token.leak?.url ?? null,
        source: token.leak?.source ?? null,
        reporter: token.leak?.reporter ?? 'unknown',
      },
    });
  }
  if (token.expiresAt === null) throw new Error(`token ${token._id} has a ${kind} notice but no expiry`);
  const expiresAt = token.expiresAt.toISOString();
  if (kind === 'expired') {
    return createDomainEvent({ ...envelope, type: 'token.expired', data: { ...ref, expiresAt } });
  }
  if (kind !== '7d' && kind !== '1d') throw new Error(`unknown token notice ${kind}`);
  return createDomainEvent({
    ...envelope,
    type: 'token.expiring',
    data: { ...ref, expiresAt, threshold: kind },
  });
}

/**
 * Sends each token's expiry notices (`token.expiring` 7 days and 1 day ahead, `token.expired`) exactly
 * once, whatever the number of replicas and restarts:
 *
 * - a notice is claimed by one conditional update of its token (`claimNotice`: `nextNoticeAt` as read,
 *   the notice not yet sent), which also stores it as pending; of any number of replicas running the
 *   same scan, one wins;
 * - the winner publishes it and then removes the pending mark; a notice still pending `retryAfterMs`
 *   after its claim (the claimer crashed, or Kafka was down) is published again by whichever replica
 *   runs next. Its event id derives from (token, notice), so webhooks-service, which keys deliveries by
 *   event id, delivers it once even when it is published twice.
 */
export function createTokenNotices(deps: TokenNoticesDeps): TokenNotices {
  const { tokens, logger } = deps;
  let scheduledOld = false;

  async function publish(notices: readonly PendingNotice[]): Promise<void> {
    if (notices.length === 0) return;
    const events = notices.map(({ kind, at, token }) => noticeEvent(kind, at, token));
    await deps.producer.publish(
      TOPICS.tokens,
      events.map((value) => ({ key: domainEventKey(value), value })),
    );
    await Promise.all(notices.map(({ token, kind }) => tokens.acknowledgeNotice(token._id, kind)));
    logger.info(
      { notices: notices.map(({ token, kind }) => ({ tokenId: token._id, kind })) },
      'token notices published',
    );
  }

  async function runOnce(): Promise<void> {
    if (!scheduledOld) {
      // Tokens stored before notices existed get their schedule once per process start.
      const updated = await tokens.scheduleUnscheduledNotices(10 * BATCH);
      if (updated > 0) logger.info({ tokens: updated }, 'expiry notices scheduled for existing tokens');
      scheduledOld = true;
    }
    const now = deps.clock();
    const claimed: PendingNotice[] = [];
    for (const token of await tokens.findDueNotices(now, BATCH)) {
      if (token.expiresAt === null) continue;
      const due = dueExpiryNotice(token.expiresAt, token.noticesSent ?? [], now);
      if (due === null) continue;
      const won = await tokens.claimNotice(token, {
        notice: due.notice,
        skipped: due.skipped,
        nextNoticeAt: due.next?.dueAt ?? null,
        at: now,
      });
      if (won !== null) claimed.push({ kind: due.notice, at: now, token: won });
    }
    await publish(claimed);
    await publish(await tokens.findPendingNotices(new Date(now.getTime() - deps.retryAfterMs), BATCH));
  }

  const task = createPeriodicTask({
    name: 'token notices',
    intervalMs: deps.intervalMs,
    logger,
    run: runOnce,
  });

  return {
    start: () => task.start(),
    stop: async () => {
      await withTimeout(task.stop(), 5_000);
    },
    runOnce: () => task.runOnce(),
    publish,
  };
}
