import {
  dueExpiryNotice,
  isStaleToken,
  nextExpiryNotice,
  rotatedExpiry,
  rotationGraceEnd,
  usageHour,
} from './token-lifecycle';

const DAY = 24 * 3600_000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe('expiry notices', () => {
  it('waits for the 7-day warning first, then 1 day, then expiry', () => {
    const expiresAt = at(10 * DAY);
    expect(nextExpiryNotice(expiresAt)).toEqual({ notice: '7d', dueAt: at(3 * DAY) });
    expect(nextExpiryNotice(expiresAt, ['7d'])).toEqual({ notice: '1d', dueAt: at(9 * DAY) });
    expect(nextExpiryNotice(expiresAt, ['7d', '1d', 'expired'])).toBeNull();
    expect(nextExpiryNotice(null)).toBeNull();
  });

  it('sends nothing before a threshold and each notice once', () => {
    const expiresAt = at(10 * DAY);
    expect(dueExpiryNotice(expiresAt, [], at(3 * DAY - 1))).toBeNull();
    expect(dueExpiryNotice(expiresAt, [], at(3 * DAY))).toEqual({
      notice: '7d',
      skipped: [],
      next: { notice: '1d', dueAt: at(9 * DAY) },
    });
    expect(dueExpiryNotice(expiresAt, ['7d'], at(5 * DAY))).toBeNull();
    expect(dueExpiryNotice(expiresAt, ['7d', '1d'], at(10 * DAY))).toEqual({
      notice: 'expired',
      skipped: [],
      next: null,
    });
  });

  it('sends only the most advanced notice when several thresholds passed unseen', () => {
    expect(dueExpiryNotice(at(DAY / 2), [], NOW)).toEqual({
      notice: '1d',
      skipped: ['7d'],
      next: { notice: 'expired', dueAt: at(DAY / 2) },
    });
    expect(dueExpiryNotice(at(-1), ['7d'], NOW)).toEqual({ notice: 'expired', skipped: ['1d'], next: null });
  });
});

describe('rotation', () => {
  it('ends the grace period after the chosen time, never after the old expiry', () => {
    expect(rotationGraceEnd(null, NOW, 3600)).toEqual(at(3600_000));
    expect(rotationGraceEnd(at(DAY), NOW, 3600)).toEqual(at(3600_000));
    expect(rotationGraceEnd(at(60_000), NOW, 3600)).toEqual(at(60_000));
  });

  it('gives the new token the lifetime of the old one', () => {
    expect(rotatedExpiry({ createdAt: at(-80 * DAY), expiresAt: at(10 * DAY) }, NOW)).toEqual(at(90 * DAY));
    expect(rotatedExpiry({ createdAt: at(-DAY), expiresAt: null }, NOW)).toBeNull();
  });
});

describe('isStaleToken', () => {
  it('flags a live token unused for 90 days, counting from creation when never used', () => {
    expect(isStaleToken({ createdAt: at(-91 * DAY), lastUsedAt: at(-90 * DAY), revokedAt: null }, NOW)).toBe(
      true,
    );
    expect(isStaleToken({ createdAt: at(-91 * DAY), lastUsedAt: at(-89 * DAY), revokedAt: null }, NOW)).toBe(
      false,
    );
    expect(isStaleToken({ createdAt: at(-90 * DAY), lastUsedAt: null, revokedAt: null }, NOW)).toBe(true);
    expect(isStaleToken({ createdAt: at(-200 * DAY), lastUsedAt: null, revokedAt: at(-1) }, NOW)).toBe(false);
  });
});

describe('usageHour', () => {
  it('is the start of the UTC hour', () => {
    expect(new Date(usageHour(Date.parse('2026-03-01T12:59:59.999Z'))).toISOString()).toBe(
      '2026-03-01T12:00:00.000Z',
    );
  });
});
