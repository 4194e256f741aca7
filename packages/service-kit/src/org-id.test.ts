import { isOrgId, orgIdSchema } from './org-id';

describe('organisation ids', () => {
  it.each(['org_demo', 'acme', 'A-1_b', 'x', 'a'.repeat(64)])('accepts %s', (id) => {
    expect(isOrgId(id)).toBe(true);
    expect(orgIdSchema.safeParse(id).success).toBe(true);
  });

  it.each([
    ['a colon, which joins key parts', 'acme:x'],
    ['a slash', 'acme/x'],
    ['a space', 'acme x'],
    ['a dot', 'acme.x'],
    ['a newline', 'acme\n'],
    ['a non-ASCII letter', 'acmé'],
    ['the empty string', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a number', 42],
  ])('refuses %s', (_name, id) => {
    expect(isOrgId(id)).toBe(false);
    expect(orgIdSchema.safeParse(id).success).toBe(false);
  });
});
