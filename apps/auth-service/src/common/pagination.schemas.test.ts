import { paginationQuerySchema } from './pagination.schemas';

describe('paginationQuerySchema', () => {
  it('defaults to page 1 of 50', () => {
    expect(paginationQuerySchema.parse({})).toEqual({ page: 1, limit: 50 });
  });

  it('accepts limits from 1 to 100', () => {
    expect(paginationQuerySchema.parse({ page: '3', limit: '1' })).toEqual({ page: 3, limit: 1 });
    expect(paginationQuerySchema.parse({ limit: '100' })).toEqual({ page: 1, limit: 100 });
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: 'two' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ limit: ['10', '20'] }, 'limit'],
  ])('rejects %j naming %s', (query, field) => {
    const result = paginationQuerySchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
