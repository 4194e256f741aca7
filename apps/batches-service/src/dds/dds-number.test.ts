import { formatDdsNumber, parseDdsNumber } from './dds-number';

describe('DDS numbers', () => {
  it('formats DDS-<year>-<5 digits>, zero-padded', () => {
    expect(formatDdsNumber(2025, 1)).toBe('DDS-2025-00001');
    expect(formatDdsNumber(2025, 99_999)).toBe('DDS-2025-99999');
  });

  it('grows a digit past 99,999 rather than wrapping', () => {
    expect(formatDdsNumber(2025, 100_000)).toBe('DDS-2025-100000');
  });

  it('refuses sequences below 1 and odd years', () => {
    expect(() => formatDdsNumber(2025, 0)).toThrow();
    expect(() => formatDdsNumber(25, 1)).toThrow();
  });

  it('parses what it formats and nothing else', () => {
    expect(parseDdsNumber('DDS-2025-00042')).toEqual({ year: 2025, sequence: 42 });
    expect(parseDdsNumber('DDS-2025-42')).toBeNull();
    expect(parseDdsNumber('dds-2025-00042')).toBeNull();
  });
});
