import { hostname } from 'node:os';
import { pino } from 'pino';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger, LevelWithSilentOrString } from 'pino';

export type { Logger } from 'pino';

/**
 * A key is secret when its name ends like one of these (case-insensitive): `token`, `accessToken`,
 * `webhookSecret`, `password`, `apiKey`, `x-api-key`, `authorization`, `cookie`, `set-cookie`...
 * Names that merely start with them stay visible, which is why `tokenHash` (a SHA-256 digest that is
 * safe and useful to log), `tokenId` and `tokenPrefix` are logged.
 */
export const SENSITIVE_KEY_PATTERN =
  /(token|secret|password|passwd|passphrase|api[-_]?key|private[-_]?key|authorization|cookie|credentials?|jwt)$/i;

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** How deep {@link redactSensitive} looks; deeper values are logged as they are. */
const MAX_REDACT_DEPTH = 10;

/**
 * Returns `value` with every property whose key matches {@link SENSITIVE_KEY_PATTERN} replaced by
 * `[REDACTED]`, at any depth up to ten levels, in plain objects and arrays. Copy-on-write: the caller's
 * objects are never modified, and nothing is copied when nothing is secret. Class instances (requests,
 * sockets, dates, buffers) are left alone; errors are redacted by the logger's error serializer.
 *
 * This replaces pino's `redact` option on purpose: pino needs one wildcard path per depth and key
 * (`token`, `*.token`, `*.*.token`, ...), and with five depths of our keys it cost about 190 µs per
 * line in a micro-benchmark, against about 1 µs for this walk, which also covers every depth.
 */
export function redactSensitive<T>(value: T, depth = 0): T {
  if (depth > MAX_REDACT_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactSensitive(item, depth + 1);
      if (redacted !== item) {
        copy ??= value.slice();
        copy[i] = redacted;
      }
    }
    return (copy ?? value) as T;
  }
  // Plain objects only. Compared by shape rather than against Object.prototype, because objects made
  // in another realm (Node's own request headers, seen from a vm context) have a different one.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const redacted =
      SENSITIVE_KEY_PATTERN.test(key) && item !== undefined && item !== null
        ? REDACTED
        : redactSensitive(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...record };
      copy[key] = redacted;
    }
  }
  return (copy ?? value) as T;
}

/** Key names treated as secret inside strings (JSON quoted in a message, `key=value` in a URL or text). */
const SECRET_KEY_NAME = String.raw`[\w-]*?(?:token|secret|password|passwd|passphrase|api[-_]?key|private[-_]?key|authorization|cookie|credentials?|jwt)`;

/**
 * Secrets recognised by their shape in the final log line, whatever key, message or stack trace they
 * ended up in: bearer credentials, integration tokens, JWTs, webhook secrets, passwords in connection
 * strings, secret-named fields of JSON quoted inside a message, and `token=...` pairs. This is the net
 * under key-based redaction, not a replacement for it. Order matters: the bearer rule runs first so
 * that a bearer integration token is replaced once.
 *
 * Log lines carry client input (paths, header values, messages quoting a value), so every pattern runs
 * in linear time: a match may only start where no earlier start could have scanned the same characters
 * (the lookbehinds below start a scheme, a backslash run or a key at the beginning of its run), and the
 * first JWT segment stops at the next `-eyJ`, where the next attempt starts. Without that, 8 KB of
 * `-eyJaa` or of `a-a-` cost about a second per line.
 */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // `realm=` is excluded so a logged WWW-Authenticate challenge stays readable.
  [/\b(Bearer|Basic)(\s+|%20)(?!realm=)[A-Za-z0-9._~+/=-]+/gi, '$1$2[REDACTED]'],
  [/eudr_live_[0-9A-Za-z]{4,}/g, 'eudr_live_[REDACTED]'],
  [
    /\beyJ(?=[A-Za-z0-9_-]{5})(?:[A-Za-z0-9_]|-(?!eyJ))*\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    '[REDACTED_JWT]',
  ],
  [/whsec_[A-Za-z0-9+/=_-]{4,}/g, 'whsec_[REDACTED]'],
  [/(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^\s/@"']+@/gi, '$1***@'],
  [
    new RegExp(String.raw`(?<!\\)((?:\\)*"${SECRET_KEY_NAME}(?:\\)*"\s*:\s*(?:\\)*")[^"\\]*`, 'gi'),
    '$1[REDACTED]',
  ],
  [new RegExp(String.raw`(?<![\w-])(${SECRET_KEY_NAME})=[^&\s"'\\]+`, 'gi'), '$1=[REDACTED]'],
];

/** Replaces every secret-shaped substring of `line` (see the patterns above). */
export function scrubSecrets(line: string): string {
  let out = line;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

type FlushableStream = DestinationStream & {
  flush?: (cb?: (err?: Error) => void) => void;
  flushSync?: () => void;
};

/** Wraps a destination so each serialized line is scrubbed before it is written. */
function scrubbingStream(inner: FlushableStream): FlushableStream {
  return {
    write(chunk: string) {
      inner.write(scrubSecrets(chunk));
    },
    flush(cb?: (err?: Error) => void) {
      if (typeof inner.flush === 'function') inner.flush(cb);
      else cb?.();
    },
    flushSync() {
      inner.flushSync?.();
    },
  };
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Service name, bound as `service` on every line. */
  service: string;
  /** Minimum level; default `info`. */
  level?: LevelWithSilentOrString;
  /** Where lines go; default stdout. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
}

/**
 * Builds the one pino logger of a process: JSON lines with ISO timestamps and level labels, bound to
 * `service`, `pid` and `hostname`, secrets redacted by key in log objects, child bindings and errors
 * (see {@link redactSensitive}) and by shape in the final line (see {@link scrubSecrets}). Error
 * serialization drops the `body` that body-parser attaches to parse errors, because that is the raw
 * request body. Request bodies are never logged unless a handler logs one itself. Pass the logger
 * around (or use `req.log`); do not wrap it.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const destination = options.destination ?? pino.destination(1);
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactSensitive(bindings),
        log: (object) => redactSensitive(object),
      },
      serializers: { err: serializeError },
    },
    scrubbingStream(destination),
  );
  // pino applies `formatters.bindings` to the root bindings only, so child bindings are redacted here.
  // Children are created with Object.create(parent), so every descendant inherits this method.
  type ChildFn = (this: Logger, bindings: Bindings, childOptions?: ChildLoggerOptions) => Logger;
  const createChild = logger.child as unknown as ChildFn;
  const redactingChild: ChildFn = function (bindings, childOptions) {
    return createChild.call(this, redactSensitive(bindings), childOptions);
  };
  logger.child = redactingChild as unknown as Logger['child'];
  return logger;
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const serialized: Record<string, unknown> = { ...pino.stdSerializers.err(err) };
  delete serialized.body;
  return redactSensitive(serialized);
}
