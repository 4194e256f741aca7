import { externalIdSchema, syncStatusOf, validateRecords } from '@eudr/records';
import { productInputSchema } from '../products/products.schemas';

describe('validateRecords', () => {
  it('lets the first record claim an externalId and reports later duplicates by index', () => {
    const { valid, errors } = validateRecords(
      [{ externalId: 'A', name: 'one' }, { externalId: 'A', name: 'two' }, 'nope', { externalId: 'B' }],
      productInputSchema,
      externalIdSchema,
    );
    expect(valid.map((r) => [r.index, r.input.name])).toEqual([[0, 'one']]);
    expect([...errors.entries()]).toEqual([
      [1, expect.stringMatching(/duplicate of record 0/)],
      [2, 'record: must be a JSON object'],
      [3, expect.stringMatching(/name/)],
    ]);
  });
});

describe('syncStatusOf', () => {
  it('is SUCCESS, PARTIAL or ERROR', () => {
    expect(syncStatusOf(3, 0)).toBe('SUCCESS');
    expect(syncStatusOf(3, 1)).toBe('PARTIAL');
    expect(syncStatusOf(0, 2)).toBe('ERROR');
  });
});
