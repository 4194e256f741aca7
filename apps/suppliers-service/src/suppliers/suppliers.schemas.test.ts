import { validationErrorFromZod } from '@eudr/service-kit';
import { EXTRA_COUNTRY_CODES, ISO_3166_ALPHA2_CODES, isCountryCode } from '@eudr/records';
import { listQuerySchema, supplierInputSchema } from './suppliers.schemas';

function problems(record: unknown): string {
  const parsed = supplierInputSchema.safeParse(record);
  if (parsed.success) return '';
  return validationErrorFromZod(parsed.error, { rootLabel: 'record' }).message;
}

describe('supplierInputSchema', () => {
  it('accepts a minimal record and leaves absent fields absent', () => {
    expect(supplierInputSchema.parse({ externalId: 'S-1', name: 'Acme' })).toEqual({
      externalId: 'S-1',
      name: 'Acme',
    });
  });

  it('trims strings, upper-cases the country and turns empty strings into null', () => {
    expect(
      supplierInputSchema.parse({
        externalId: ' S-1 ',
        name: ' Acme ',
        country: ' de ',
        city: '',
        email: ' ',
        phone: null,
      }),
    ).toEqual({ externalId: 'S-1', name: 'Acme', country: 'DE', city: null, email: null, phone: null });
  });

  it('drops unknown fields', () => {
    expect(supplierInputSchema.parse({ externalId: 'S-1', name: 'Acme', orgId: 'other', _id: 'x' })).toEqual({
      externalId: 'S-1',
      name: 'Acme',
    });
  });

  it.each([
    ['externalId: is required', { name: 'A' }],
    ['externalId: must be a string', { externalId: 7, name: 'A' }],
    ['externalId: must not be empty', { externalId: '', name: 'A' }],
    ['externalId: must be at most 100 characters', { externalId: 'x'.repeat(101), name: 'A' }],
    ['externalId: must not be "." or ".." (a URL path cannot name it)', { externalId: ' .. ', name: 'A' }],
    ['externalId: must not be "." or ".." (a URL path cannot name it)', { externalId: '.', name: 'A' }],
    ['name: is required', { externalId: 'S' }],
    ['name: must not be empty', { externalId: 'S', name: ' ' }],
    ['name: must be at most 255 characters', { externalId: 'S', name: 'n'.repeat(256) }],
    ['country: must be an ISO 3166-1 alpha-2 country code', { externalId: 'S', name: 'A', country: 'ZZ' }],
    ['country: must be an ISO 3166-1 alpha-2 country code', { externalId: 'S', name: 'A', country: 'DEU' }],
    ['email: must be an email address', { externalId: 'S', name: 'A', email: 'a@b' }],
    ['website: must be an http or https URL', { externalId: 'S', name: 'A', website: 'example.com' }],
    ['website: must be an http or https URL', { externalId: 'S', name: 'A', website: 'javascript:alert(1)' }],
    ['certifications: must be an array of strings', { externalId: 'S', name: 'A', certifications: 'FSC' }],
    ['certifications[1]: must not be empty', { externalId: 'S', name: 'A', certifications: ['FSC', ''] }],
    [
      'certifications: must have at most 50 entries',
      { externalId: 'S', name: 'A', certifications: Array(51).fill('C') },
    ],
    ['isEuOrigin: must be true or false', { externalId: 'S', name: 'A', isEuOrigin: 'true' }],
    ['taxId: must be at most 50 characters', { externalId: 'S', name: 'A', taxId: 't'.repeat(51) }],
  ])('rejects a record with %s', (message, record) => {
    expect(problems(record)).toContain(message);
  });

  it('accepts http and https websites and a full record', () => {
    const record = {
      externalId: 'S-1',
      name: 'Acme',
      code: 'AC',
      country: 'BR',
      address: 'Rua 1',
      city: 'Belém',
      state: 'PA',
      postalCode: '66000-000',
      contactPerson: 'Ana',
      email: 'ana@example.com',
      phone: '+55 91 5555',
      website: 'http://acme.example.com/about',
      taxId: '123',
      certifications: ['FSC'],
      isEuOrigin: false,
    };
    expect(supplierInputSchema.parse(record)).toEqual(record);
    expect(problems({ ...record, website: 'https://acme.example.com' })).toBe('');
  });
});

describe('country codes', () => {
  it('holds the 249 assigned ISO 3166-1 alpha-2 codes, each two capital letters, once', () => {
    expect(ISO_3166_ALPHA2_CODES).toHaveLength(249);
    expect(new Set(ISO_3166_ALPHA2_CODES).size).toBe(249);
    expect(ISO_3166_ALPHA2_CODES.every((code) => /^[A-Z]{2}$/.test(code))).toBe(true);
  });

  it('knows current codes and rejects withdrawn, reserved and made-up ones', () => {
    for (const code of ['DE', 'BR', 'CI', 'SS', 'CW', 'SX', 'BQ', 'GB', 'XK'])
      expect(isCountryCode(code)).toBe(true);
    // AN (Netherlands Antilles) and CS (Serbia and Montenegro) were withdrawn; UK and EU are reserved.
    for (const code of ['AN', 'CS', 'UK', 'EU', 'ZZ', 'de']) expect(isCountryCode(code)).toBe(false);
    expect(EXTRA_COUNTRY_CODES).toEqual(['XK']);
  });
});

describe('listQuerySchema', () => {
  it('defaults to page 1 and limit 50', () => {
    expect(listQuerySchema.parse({})).toEqual({ page: 1, limit: 50, since: undefined });
  });

  it('reads page, limit and since', () => {
    expect(listQuerySchema.parse({ page: '3', limit: '100', since: '2025-01-31' })).toEqual({
      page: 3,
      limit: 100,
      since: new Date('2025-01-31T00:00:00Z'),
    });
    expect(listQuerySchema.parse({ since: '2025-01-31T12:00:00+01:00' }).since).toEqual(
      new Date('2025-01-31T11:00:00Z'),
    );
  });

  it.each([
    ['page: must be an integer of at least 1', { page: '0' }],
    ['page: must be an integer of at least 1', { page: '1e3' }],
    ['page: must be an integer of at least 1', { page: ['1', '2'] }],
    ['limit: must be an integer between 1 and 100', { limit: '101' }],
    ['limit: must be an integer between 1 and 100', { limit: '' }],
    ['since: must be an ISO 8601 date or date-time', { since: '31.01.2025' }],
    ['since: must be an ISO 8601 date or date-time', { since: '2025-01-31T12:00:00' }],
  ])('rejects a query with %s', (message, query) => {
    const parsed = listQuerySchema.safeParse(query);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(validationErrorFromZod(parsed.error).message).toContain(message);
  });
});
