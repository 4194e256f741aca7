import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/**
 * zod's own English messages start like this. A message that does not is one a schema author wrote
 * (e.g. `.regex(re, 'must be an ISO 3166-1 alpha-2 code')`) and is kept as written.
 */
const DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized key|Expected|Required)\b/;

/** Renders an issue path the way a JSON caller reads it: `suppliers[3].email`. Empty for the root. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = typeof segment === 'symbol' ? (segment.description ?? 'symbol') : segment;
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

/** True when the issue carries a message written by the schema author rather than zod's default. */
export function hasCustomMessage(issue: Issue): boolean {
  return issue.message !== '' && !DEFAULT_MESSAGE.test(issue.message);
}

/** What zod saw where it expected something else ("undefined", "number"...), when it says so. */
export function receivedType(issue: Issue): string | undefined {
  const received = (issue as { received?: unknown }).received;
  if (typeof received === 'string') return received;
  return /received (\w+)/.exec(issue.message)?.[1];
}

/**
 * Why a value is wrong, as a phrase that follows a field name: `must be at most 100 characters`,
 * `is required`, `must be one of: "A", "B"`. Custom messages from the schema are returned unchanged.
 */
export function describeIssue(issue: Issue): string {
  if (hasCustomMessage(issue)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const received = receivedType(issue);
      if (received === 'undefined') return 'is required';
      const expected = describeType(String(issue.expected));
      return received === undefined ? `must be ${expected}` : `must be ${expected}, got ${received}`;
    }
    case 'too_big':
      return describeBound(
        issue.origin,
        issue.maximum,
        'max',
        issue.inclusive !== false,
        issue.exact === true,
      );
    case 'too_small':
      return describeBound(
        issue.origin,
        issue.minimum,
        'min',
        issue.inclusive !== false,
        issue.exact === true,
      );
    case 'invalid_format':
      return describeFormat(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${literal(issue.values[0])}`
        : `must be one of: ${issue.values.map(literal).join(', ')}`;
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: string; options?: readonly unknown[] };
      if (discriminator !== undefined && options !== undefined && options.length > 0) {
        return `must have "${discriminator}" set to one of: ${options.map(literal).join(', ')}`;
      }
      return 'does not match any of the accepted forms';
    }
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    case 'custom':
      return issue.message === '' || issue.message === 'Invalid input' ? 'is invalid' : issue.message;
    default:
      return 'is invalid';
  }
}

function describeType(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
    case 'object':
    case 'integer':
      return `an ${expected}`;
    case 'nan':
      return 'NaN';
    case 'undefined':
    case 'null':
      return expected;
    default:
      return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
  }
}

function describeBound(
  origin: string,
  bound: number | bigint,
  side: 'min' | 'max',
  inclusive: boolean,
  exact: boolean,
): string {
  const n = bound.toString();
  const plural = bound === 1 || bound === 1n ? '' : 's';
  switch (origin) {
    case 'string':
      if (exact) return `must be exactly ${n} character${plural}`;
      if (side === 'min' && inclusive && n === '1') return 'must not be empty';
      return side === 'max'
        ? `must be at most ${inclusive ? n : BigInt(n) - 1n} characters`
        : `must be at least ${inclusive ? n : BigInt(n) + 1n} characters`;
    case 'array':
    case 'set':
      if (exact) return `must have exactly ${n} item${plural}`;
      if (side === 'min' && inclusive && n === '1') return 'must not be empty';
      return side === 'max'
        ? `must have at most ${inclusive ? n : BigInt(n) - 1n} items`
        : `must have at least ${inclusive ? n : BigInt(n) + 1n} item${inclusive && n === '1' ? '' : 's'}`;
    case 'date': {
      const date = new Date(Number(bound)).toISOString();
      return side === 'max'
        ? `must be ${inclusive ? 'on or before' : 'before'} ${date}`
        : `must be ${inclusive ? 'on or after' : 'after'} ${date}`;
    }
    case 'file':
      return side === 'max' ? `must be at most ${n} bytes` : `must be at least ${n} bytes`;
    default:
      if (exact) return `must be exactly ${n}`;
      return side === 'max'
        ? `must be ${inclusive ? 'at most' : 'less than'} ${n}`
        : `must be ${inclusive ? 'at least' : 'greater than'} ${n}`;
  }
}

const FORMAT_PHRASES: Readonly<Record<string, string>> = {
  email: 'must be a valid email address',
  url: 'must be a valid URL',
  uuid: 'must be a valid UUID',
  guid: 'must be a valid GUID',
  datetime: 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z',
  date: 'must be an ISO 8601 date (YYYY-MM-DD)',
  time: 'must be an ISO 8601 time (HH:MM[:SS])',
  duration: 'must be an ISO 8601 duration',
  ipv4: 'must be an IPv4 address',
  ipv6: 'must be an IPv6 address',
  base64: 'must be base64-encoded',
  base64url: 'must be base64url-encoded',
  lowercase: 'must be lowercase',
  uppercase: 'must be uppercase',
  regex: 'has an invalid format',
  jwt: 'must be a JSON Web Token',
};

function describeFormat(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const extra = issue as { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'starts_with':
      return `must start with ${JSON.stringify(extra.prefix ?? '')}`;
    case 'ends_with':
      return `must end with ${JSON.stringify(extra.suffix ?? '')}`;
    case 'includes':
      return `must include ${JSON.stringify(extra.includes ?? '')}`;
    default:
      return FORMAT_PHRASES[issue.format] ?? `must be a valid ${issue.format}`;
  }
}

function literal(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}
