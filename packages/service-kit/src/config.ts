import { z } from 'zod';
import { describeIssue, hasCustomMessage, receivedType } from './zod-issues';

/** The environment as a plain map, e.g. `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** One bad environment variable. */
export interface ConfigIssue {
  /** The variable name, e.g. `PORT`. */
  variable: string;
  /** What is wrong and what to set, e.g. `expected a number between 1 and 65535, got "abc"`. */
  message: string;
}

/**
 * Thrown by {@link loadConfig} when any variable is missing or invalid. The message lists every bad
 * variable, one per line, so a deployment is fixed in one round instead of one variable at a time.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} variable${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Variables whose values are never echoed in a {@link ConfigError}, even when invalid. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|KEY$/i;

/**
 * Parses `env` with `schema` (an object schema of coercing fields; see the `env*` helpers and
 * {@link baseConfigSchema}). Empty strings count as unset, so `PORT=` falls back to the default. With
 * `NODE_ENV=production`, the secrets the schema declares must be real ones ({@link productionSecretIssues}).
 * Call it from `main`, never at import time, so tests can pass their own env.
 *
 * @throws ConfigError listing every bad variable at once.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Env = process.env,
  /** Issues of rules the schema cannot state (e.g. one of two variables), reported with its own. */
  moreIssues: readonly ConfigIssue[] = [],
): z.output<S> {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  // The production rule's word on a secret replaces the schema's (it says how to make a good one).
  const secretIssues = productionSecretIssues(schema, input);
  if (result.success && secretIssues.length === 0 && moreIssues.length === 0) return result.data;

  const seen = new Set<string>(secretIssues.map((issue) => issue.variable));
  const issues: ConfigIssue[] = [...secretIssues];
  for (const issue of result.success ? [] : result.error.issues) {
    const variable = typeof issue.path[0] === 'string' ? issue.path[0] : '(configuration)';
    if (seen.has(variable)) continue;
    seen.add(variable);
    issues.push({ variable, message: describeConfigIssue(issue, variable, input[variable]) });
  }
  issues.push(...moreIssues);
  throw new ConfigError(issues);
}

/**
 * The platform's secrets. Wherever a service's schema declares one, {@link loadConfig} with
 * `NODE_ENV=production` refuses to load when it is missing (unless the schema makes it optional),
 * shorter than {@link MIN_PRODUCTION_SECRET_LENGTH}, or a development value published with the source.
 * A new secret variable is added here, and its development value to {@link DEVELOPMENT_SECRET_VALUES}.
 */
export const SECRET_VARIABLES: readonly string[] = [
  'ADMIN_JWT_SECRET',
  'INTERNAL_SERVICE_KEY',
  'WEBHOOK_SECRET_KEY',
  // auth-service's state signing key pair: the public half is no secret, but trusting the published
  // development key would let anyone sign token states.
  'AUTH_STATE_SIGNING_KEY',
  'AUTH_STATE_PUBLIC_KEYS',
];

/** The shortest secret accepted in production: 32 characters. */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * Values published in this repository for development (infra/services.json, the apps' `.env.example`,
 * docker-compose before it required real ones). Anyone can sign an admin JWT with them.
 */
export const DEVELOPMENT_SECRET_VALUES: ReadonlySet<string> = new Set([
  'dev-only-admin-jwt-secret-not-for-production-use',
  'dev-only-internal-service-key-not-for-production',
  '6465762d6f6e6c792d776562686f6f6b2d7365637265742d6b65792133326279',
  'dev-1:MC4CAQAwBQYDK2VwBCIEIKgZnwy+ccprDAtSY3yyAS/csjIBH29xtKu1RBBCLhPS',
  'dev-1:MCowBQYDK2VwAyEA3UloiCt4QIb0DdKFaeuIHp0eI1Vp7DIFshE6xVs8utc=',
]);

/** How to make a secret, said in every refusal. */
const GENERATE = 'generate one with "openssl rand -hex 32"';
/** How to make the state signing key pair instead. */
const GENERATE_STATE_KEYS =
  'generate a pair with "openssl genpkey -algorithm ed25519 -outform DER | base64 -w0" (AUTH_STATE_SIGNING_KEY=<keyId>:<that>) and ' +
  '"openssl pkey -inform DER -pubout -outform DER | base64 -w0" on it (AUTH_STATE_PUBLIC_KEYS=<keyId>:<that>)';
const generateHint = (variable: string): string =>
  variable.startsWith('AUTH_STATE_') ? GENERATE_STATE_KEYS : GENERATE;

/** Markers of a development value, also inside a hex or base64 encoding of one. */
const DEVELOPMENT_MARKERS = ['dev-only', 'not-for-production'];

function isDevelopmentValue(value: string): boolean {
  if (DEVELOPMENT_SECRET_VALUES.has(value)) return true;
  const texts = [value, Buffer.from(value, 'base64').toString('latin1')];
  if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) texts.push(Buffer.from(value, 'hex').toString('latin1'));
  return texts.some((text) => DEVELOPMENT_MARKERS.some((marker) => text.toLowerCase().includes(marker)));
}

/**
 * The production rule for secrets (see {@link SECRET_VARIABLES}): with `NODE_ENV=production` in
 * `input`, one issue per secret of `schema` that is missing, short or a development value, naming how
 * to generate one. Nothing outside production, where the development values are what the local stack
 * runs with.
 */
export function productionSecretIssues(schema: z.ZodType, input: Env): ConfigIssue[] {
  if (input['NODE_ENV'] !== 'production' || !(schema instanceof z.ZodObject)) return [];
  const shape = schema.shape as Record<string, z.ZodType>;
  const issues: ConfigIssue[] = [];
  for (const variable of SECRET_VARIABLES) {
    const field = shape[variable];
    if (field === undefined) continue;
    const value = input[variable] ?? '';
    const hint = generateHint(variable);
    let message: string | undefined;
    if (value === '') {
      if (!field.safeParse(undefined).success) message = `is required in production; ${hint}`;
    } else if (isDevelopmentValue(value)) {
      message = `is a development value published with the source, refused in production; ${hint}`;
    } else if (value.length < MIN_PRODUCTION_SECRET_LENGTH) {
      message = `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production; ${hint}`;
    }
    if (message !== undefined) issues.push({ variable, message });
  }
  return issues;
}

function describeConfigIssue(issue: z.core.$ZodIssue, variable: string, value: string | undefined): string {
  if (value === undefined) {
    const expected = hasCustomMessage(issue) ? `; ${issue.message}` : '';
    return `is required but not set${expected}`;
  }
  const why =
    issue.code === 'invalid_type' && receivedType(issue) === 'undefined'
      ? 'is required'
      : describeIssue(issue);
  return `${why}, got ${showValue(variable, value)}`;
}

function showValue(variable: string, value: string): string {
  if (SECRET_NAME.test(variable)) return '(hidden)';
  // Connection strings may carry credentials: mask whatever sits between "//" and "@".
  const masked = value.replace(/\/\/[^/@\s]*@/g, '//***@');
  return JSON.stringify(masked.length > 80 ? `${masked.slice(0, 77)}...` : masked);
}

/** A TCP port, 1..65535; `fallback` makes it optional. */
export function envPort(fallback?: number) {
  const message = 'expected a number between 1 and 65535';
  const field = z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(65535, { error: message });
  return fallback === undefined ? field : field.default(fallback);
}

/** An integer within `[min, max]`; `fallback` makes it optional. */
export function envInteger(options: { min?: number; max?: number; fallback?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  const message =
    options.min !== undefined && options.max !== undefined
      ? `expected an integer between ${min} and ${max}`
      : options.min !== undefined
        ? `expected an integer of at least ${min}`
        : options.max !== undefined
          ? `expected an integer of at most ${max}`
          : 'expected an integer';
  const field = z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
  return options.fallback === undefined ? field : field.default(options.fallback);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * A boolean written as true/false, 1/0, yes/no or on/off (case-insensitive). Unlike `z.coerce.boolean`,
 * `"false"` means false.
 */
export function envBoolean(fallback?: boolean) {
  const field = z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value), { error: 'expected true or false' })
    .transform((value) => TRUE_WORDS.has(value));
  return fallback === undefined ? field : field.optional().transform((value) => value ?? fallback);
}

/** A comma-separated list, trimmed, empty items dropped; each item must match `item` if given. */
export function envList(
  options: { item?: RegExp; itemDescription?: string; minItems?: number; fallback?: string[] } = {},
) {
  const description = options.itemDescription ?? 'items';
  const message = `expected a comma-separated list of ${description}`;
  const itemSchema =
    options.item === undefined ? z.string() : z.string().regex(options.item, { error: message });
  const field = z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(itemSchema).min(options.minItems ?? 1, { error: message }));
  return options.fallback === undefined
    ? field
    : field.optional().transform((value) => value ?? options.fallback ?? []);
}

/** A URL whose scheme is one of `protocols` (e.g. `['http:', 'https:']`). */
export function envUrl(protocols: readonly string[], description?: string) {
  const message =
    description ?? `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  return z.string({ error: message }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: message },
  );
}

/** Log levels pino understands. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Variables every service reads. Extend it with the service's own:
 * `baseConfigSchema.extend({ AUTH_URL: envUrl(['http:', 'https:']) })`.
 *
 * - `PORT` (required), `HOST` (default `127.0.0.1`: loopback unless deliberately exposed),
 * - `LOG_LEVEL` (default `info`), `NODE_ENV` (default `development`),
 * - `SHUTDOWN_TIMEOUT_MS` (default 10000): how long in-flight requests may take to finish on shutdown,
 * - `MONGO_URL` (a `mongodb://` or `mongodb+srv://` URL),
 * - `KAFKA_BROKERS` (comma list of host:port → string[]), `KAFKA_TOPIC_PREFIX` (default ""),
 * - `TRUST_PROXY` (default `loopback`): the proxies whose `X-Forwarded-For` names the client (Express's
 *   `trust proxy`: a comma list of `loopback`, `linklocal`, `uniquelocal`, addresses and CIDRs). The
 *   client address keys the per-address limit on failed authentications, so it must be the edge's
 *   address and nothing wider (in docker-compose, the edge's fixed address on the compose network).
 */
export const baseConfigSchema = z.object({
  PORT: envPort(),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { error: 'expected development, test or production' })
    .default('development'),
  SHUTDOWN_TIMEOUT_MS: envInteger({ min: 0, max: 600_000, fallback: 10_000 }),
  MONGO_URL: envUrl(['mongodb:', 'mongodb+srv:'], 'expected a mongodb:// or mongodb+srv:// URL'),
  KAFKA_BROKERS: envList({ item: /^[^\s:,]+:\d{1,5}$/, itemDescription: 'host:port brokers' }),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*$/,
      {
        error: 'expected a comma list of loopback, linklocal, uniquelocal, IP addresses or CIDRs',
      },
    )
    .default('loopback'),
});

/** The parsed {@link baseConfigSchema}. */
export type BaseConfig = z.output<typeof baseConfigSchema>;
