import { ID_PREFIXES, isId, newId } from './ids';

describe('newId', () => {
  it('makes a prefixed id of 24 lowercase hex that isId recognises', () => {
    const id = newId(ID_PREFIXES.token);
    expect(id).toMatch(/^tok_[0-9a-f]{24}$/);
    expect(isId(ID_PREFIXES.token, id)).toBe(true);
  });

  it('never repeats itself in practice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId(ID_PREFIXES.integration)));
    expect(ids.size).toBe(1000);
  });
});

describe('isId', () => {
  it.each([
    ['another prefix', 'int_0123456789abcdef01234567'],
    ['uppercase hex', 'tok_0123456789ABCDEF01234567'],
    ['too short', 'tok_0123'],
    ['too long', 'tok_0123456789abcdef012345678'],
    ['an operator object', { $ne: null }],
    ['empty', ''],
  ])('rejects %s', (_label, value) => {
    expect(isId(ID_PREFIXES.token, value)).toBe(false);
  });
});
