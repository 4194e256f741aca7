import type { TokenRecord } from './token.model';
import { noticeEvent } from './token-notices';

const AT = new Date('2026-03-01T12:00:00.000Z');
const token: TokenRecord = {
  _id: 'tok_0123456789abcdef01234567',
  orgId: 'org_1',
  integrationId: 'int_0123456789abcdef01234567',
  name: 'ERP',
  tokenHash: 'a'.repeat(64),
  displayPrefix: 'a1b2c3d4…',
  lastFour: '9f3c',
  scopes: ['integration:sync:read'],
  expiresAt: new Date('2026-03-08T12:00:00.000Z'),
  createdBy: 'user_1',
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  rotatedFrom: null,
  rotatedTo: null,
  rotatedAt: null,
  version: 1,
  publishedVersion: 1,
  publishPending: false,
  publishGeneration: 0,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  updatedAt: new Date('2026-01-01T00:00:00.000Z'),
};

describe('noticeEvent', () => {
  it('builds the same event, with the same id, each time a notice is published', () => {
    const first = noticeEvent('7d', AT, token);
    expect(first).toEqual(
      expect.objectContaining({
        type: 'token.expiring',
        orgId: 'org_1',
        integrationId: token.integrationId,
        occurredAt: AT.toISOString(),
        data: {
          tokenId: token._id,
          name: 'ERP',
          lastFour: '9f3c',
          expiresAt: '2026-03-08T12:00:00.000Z',
          threshold: '7d',
        },
      }),
    );
    expect(noticeEvent('7d', AT, token).id).toBe(first.id);
    expect(noticeEvent('1d', AT, token).id).not.toBe(first.id);
    expect(noticeEvent('expired', AT, token).type).toBe('token.expired');
  });

  it('says where a leaked token was found, and never carries the token or its hash', () => {
    const leaked = noticeEvent('leaked', AT, {
      ...token,
      revokedAt: AT,
      leak: {
        url: 'https://github.com/o/r/blob/x/.env',
        source: 'content',
        reporter: 'github',
        reportedAt: AT,
      },
    });
    expect(leaked.data).toEqual(
      expect.objectContaining({
        url: 'https://github.com/o/r/blob/x/.env',
        reporter: 'github',
        revokedAt: AT.toISOString(),
      }),
    );
    expect(JSON.stringify(leaked)).not.toContain(token.tokenHash);
    expect(JSON.stringify(leaked)).not.toContain('eudr_live_');
  });
});
