import { InputError, parseMap, parseRecords } from './records';

describe('parseRecords (CSV)', () => {
  it('maps headers to fields whatever their case and separators, and converts lists, booleans and numbers', () => {
    const csv = [
      'External ID,NAME,country,Certifications,is_eu_origin,Notes',
      'S-1,"Cocoa, Ltd",gh,RA; FSC | Fairtrade,yes,call first',
      'S-2,Plain,,,,',
    ].join('\n');
    const loaded = parseRecords(csv, 'suppliers');
    expect(loaded.records).toEqual([
      {
        externalId: 'S-1',
        name: 'Cocoa, Ltd',
        country: 'gh',
        certifications: ['RA', 'FSC', 'Fairtrade'],
        isEuOrigin: true,
      },
      // Empty cells leave the field out: unchanged on an existing record.
      { externalId: 'S-2', name: 'Plain' },
    ]);
    expect(loaded.ignored).toEqual(['Notes']);
    expect(loaded.originals[0]).toMatchObject({ 'External ID': 'S-1', Notes: 'call first' });
  });

  it('takes --map over the names, and numbers with either decimal separator', () => {
    const csv = 'Lot;Item;Lot no;Qty\nB-1;P-1;L1;12,5\nB-2;P-1;L2;about 3';
    const map = parseMap(
      ['Lot=externalId,Item=productExternalId', 'Lot no=batchNumber', 'Qty=quantity'],
      'batches',
    );
    const { records } = parseRecords(csv, 'batches', { map, delimiter: ';' });
    expect(records).toEqual([
      { externalId: 'B-1', productExternalId: 'P-1', batchNumber: 'L1', quantity: 12.5 },
      // Not a number: sent as written, for the API to report on that record only.
      { externalId: 'B-2', productExternalId: 'P-1', batchNumber: 'L2', quantity: 'about 3' },
    ]);
  });

  it('refuses a file without a column for a required field, and a --map to an unknown field', () => {
    expect(() => parseRecords('Vendor,Name\nV1,A', 'suppliers')).toThrow(/no column for externalId/);
    expect(() => parseMap(['Vendor=vendorNo'], 'suppliers')).toThrow(InputError);
    expect(() => parseMap(['no-equals-sign'], 'suppliers')).toThrow(/Column=field/);
    expect(() => parseRecords('', 'suppliers')).toThrow(/empty/);
  });

  it('reads back its own failures file: the error column is neither a field nor reported', () => {
    const loaded = parseRecords('externalId,name,error\nS-1,A,"country: bad"', 'suppliers');
    expect(loaded.records).toEqual([{ externalId: 'S-1', name: 'A' }]);
    expect(loaded.ignored).toEqual([]);
  });
});

describe('parseRecords (JSON)', () => {
  it('takes an array or the API body', () => {
    expect(parseRecords('[{"externalId":"A"}]', 'products', { format: 'json' }).records).toEqual([
      { externalId: 'A' },
    ]);
    expect(
      parseRecords('{"products":[{"externalId":"A"}]}', 'products', { format: 'json' }).records,
    ).toHaveLength(1);
    expect(() => parseRecords('{"suppliers":[]}', 'products', { format: 'json' })).toThrow(InputError);
    expect(() => parseRecords('{', 'products', { format: 'json' })).toThrow(/not JSON/);
  });
});
