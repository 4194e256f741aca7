import { TOKEN_LENGTH, checksumOk, hashToken } from '@eudr/auth';
import { RAW_TOKEN_MARKER } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { announceChange } from '../publishing/announce-change';
import type { ChangeAnnouncer } from '../publishing/announce-change';
import type { TokenNotices } from '../tokens/token-notices';
import type { TokenRecord } from '../tokens/token.model';
import type { TokensRepository } from '../tokens/tokens.repository';

/** Most tokens in one report (GitHub sends far fewer per request). */
export const MAX_TOKENS_PER_REPORT = 1_000;

/** One answer per reported token, in the secret scanning partner program's format. */
export interface LeakReportAnswer {
  token_raw: string;
  token_type: string;
  /** `true_positive`: one of this platform's tokens (revoked now if it was live); else `false_positive`. */
  label: 'true_positive' | 'false_positive';
}

/** Dependencies of {@link createLeakReportsService}. */
export interface LeakReportsDeps extends ChangeAnnouncer<TokenRecord> {
  tokens: TokensRepository;
  notices: Pick<TokenNotices, 'publish'>;
  /** Names the reporter in the audit log and in `token.leaked`, e.g. `github`. */
  reporter: string;
  logger: Logger;
}

/** Handles verified leak reports; see {@link createLeakReportsService}. */
export interface LeakReportsService {
  /** Answers every entry of a verified report, revoking each live token of this platform in it. */
  handle(entries: readonly unknown[], now?: Date): Promise<LeakReportAnswer[]>;
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}

/**
 * For every reported string that is one of this platform's tokens (shape and checksum first, so a
 * scanner's false hits cost no lookup): revoke it if it is live (one conditional update, which also
 * records where it was found and claims its `token.leaked` notice), publish the revocation, audit it with
 * the reported URL, and emit `token.leaked`. The answer says only whether each reported string is one
 * of ours: nothing about any other token.
 */
export function createLeakReportsService(deps: LeakReportsDeps): LeakReportsService {
  const { tokens, logger } = deps;

  async function handleOne(entry: unknown, now: Date): Promise<LeakReportAnswer> {
    const fields = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const token = typeof fields['token'] === 'string' ? fields['token'] : '';
    const answer = { token_raw: token, token_type: text(fields['type'], 200) ?? '' };
    if (token.length !== TOKEN_LENGTH || !checksumOk(token)) return { ...answer, label: 'false_positive' };
    const found = await tokens.findByHash(hashToken(token));
    if (found === null) return { ...answer, label: 'false_positive' };
    const url = text(fields['url'], 2000);
    const revoked = await tokens.revokeLeaked(found._id, now, {
      // A URL holding a token would itself be a leak in the audit log and the event.
      url: url !== null && url.includes(RAW_TOKEN_MARKER) ? null : url,
      source: text(fields['source'], 100),
      reporter: deps.reporter,
    });
    if (revoked !== null) {
      logger.warn(
        { tokenId: revoked._id, orgId: revoked.orgId, reporter: deps.reporter },
        'token reported as leaked: revoked',
      );
      const principal = { sub: `secret-scanning:${deps.reporter}`, orgId: revoked.orgId };
      await Promise.all([
        announceChange(deps, principal, revoked, {
          action: 'token.leaked',
          targetType: 'token',
          targetId: revoked._id,
          details: {
            integrationId: revoked.integrationId,
            name: revoked.name,
            url: revoked.leak?.url ?? null,
            source: revoked.leak?.source ?? null,
            reporter: deps.reporter,
          },
        }),
        // The scheduler publishes it again if this fails.
        deps.notices
          .publish([{ kind: 'leaked', at: now, token: revoked }])
          .catch((err: unknown) =>
            logger.warn({ err, tokenId: revoked._id }, 'token.leaked not published yet'),
          ),
      ]);
    }
    return { ...answer, label: 'true_positive' };
  }

  return {
    async handle(entries, now = new Date()) {
      const answers: LeakReportAnswer[] = [];
      // In order, one at a time: a report is small, and a repeated token is then revoked once.
      for (const entry of entries) answers.push(await handleOne(entry, now));
      return answers;
    },
  };
}
