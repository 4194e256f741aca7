import { batchInputSchema } from '../batches/batches.schemas';
import { productInputSchema } from '../products/products.schemas';
import { externalIdSchema } from '@eudr/records';
import { isHsCode, isIsoDate } from './record-fields';

describe('hsCode', () => {
  it.each(['1801', '1801.00', '4407.10.91', '0901211000'])('accepts %s', (code) => {
    expect(isHsCode(code)).toBe(true);
  });
  it.each(['180', '12345678901', '18AB', '1801.', '.1801', '1801..00', '18 01'])('refuses %s', (code) => {
    expect(isHsCode(code)).toBe(false);
  });
});

describe('dates', () => {
  it.each(['2025-01-31', '2025-01-31T12:00:00Z', '2025-01-31T12:00:00.123+02:00'])('accepts %s', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });
  it.each(['31/01/2025', '2025-13-01', '2025-01-31T12:00:00', 'yesterday'])('refuses %s', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});

describe('externalIdSchema', () => {
  it('refuses "." and "..", which a URL path cannot name, and keeps ids that merely contain dots', () => {
    for (const id of ['.', ' .. ']) expect(externalIdSchema.safeParse(id).success).toBe(false);
    expect(externalIdSchema.parse(' a..b ')).toBe('a..b');
  });
});

describe('productInputSchema', () => {
  it('trims, upper-cases the country, turns "" into null and drops unknown fields', () => {
    const parsed = productInputSchema.parse({
      externalId: ' P-1 ',
      name: ' Cocoa ',
      country: 'gh',
      hsCode: '',
      extra: 1,
    });
    expect(parsed).toEqual({ externalId: 'P-1', name: 'Cocoa', country: 'GH', hsCode: null });
  });
});

describe('batchInputSchema', () => {
  it('requires productExternalId and batchNumber', () => {
    const result = batchInputSchema.safeParse({ externalId: 'B-1' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0]).sort()).toEqual(['batchNumber', 'productExternalId']);
  });

  it('accepts a quantity of 0 and refuses negative, infinite and string quantities', () => {
    const base = { externalId: 'B', productExternalId: 'P', batchNumber: 'L' };
    expect(batchInputSchema.safeParse({ ...base, quantity: 0 }).success).toBe(true);
    expect(batchInputSchema.safeParse({ ...base, quantity: -0.5 }).success).toBe(false);
    expect(batchInputSchema.safeParse({ ...base, quantity: Infinity }).success).toBe(false);
    expect(batchInputSchema.safeParse({ ...base, quantity: '3' }).success).toBe(false);
  });
});
