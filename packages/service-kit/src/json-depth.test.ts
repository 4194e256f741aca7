import { nestsDeeperThan } from './json-depth';

const deeper = (text: string, max: number) => nestsDeeperThan(Buffer.from(text), max);

describe('nestsDeeperThan', () => {
  it('counts arrays and objects alike, and closing brackets', () => {
    expect(deeper('[[[]]]', 3)).toBe(false);
    expect(deeper('[[[[]]]]', 3)).toBe(true);
    expect(deeper('{"a":{"b":[{}]}}', 4)).toBe(false);
    expect(deeper('{"a":{"b":[{}]}}', 3)).toBe(true);
    expect(deeper('[[]],[[]],[[]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(deeper('["[[[[{{{{"]', 1)).toBe(false);
    expect(deeper('["a\\\\"]', 1)).toBe(false);
    expect(deeper('["\\"[[[[", "x"]', 1)).toBe(false);
    expect(deeper('["\\\\", [[]]]', 2)).toBe(true);
  });

  it('leaves malformed text to the parser', () => {
    expect(deeper('["unterminated [[[[', 1)).toBe(false);
    expect(deeper(']]]]', 1)).toBe(false);
  });

  it('answers for hostile shapes that JSON.parse would have to build', () => {
    expect(deeper('['.repeat(20_000) + ']'.repeat(20_000), 32)).toBe(true);
    expect(deeper(`{"suppliers":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`, 32)).toBe(true);
    expect(deeper(JSON.stringify({ suppliers: '\\'.repeat(100_000) }), 32)).toBe(false);
  });
});
