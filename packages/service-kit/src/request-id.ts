import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

/** The header a request id arrives in and is echoed in. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Accepted incoming ids: 1..128 characters that are safe in headers, log lines and Kafka headers
 * (letters, digits and `- _ . : ~ + / =`, which covers UUIDs, ULIDs, base64 and most tracing ids).
 * Anything else is replaced by a fresh UUID rather than trusted.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9\-_.:~+/=]{1,128}$/;

/** True when `value` may be used as a request id as sent. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 128 && SAFE_REQUEST_ID.test(value);
}

/**
 * Middleware that gives each request its id: the incoming `X-Request-Id` when well-formed, else a new
 * UUID. Sets `req.id` (the field pino-http reads) and the `X-Request-Id` response header.
 */
export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = isValidRequestId(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}

/** The id of `req`, as set by the request id middleware; `undefined` outside an app built by `createApp`. */
export function getRequestId(req: IncomingMessage): string | undefined {
  const id: unknown = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

interface RequestContext {
  requestId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * Middleware that makes the request id available to everything the handler calls, through
 * {@link getCurrentRequestId}, so that services (which never see `req`) can stamp it on the events
 * they publish. Mounted after the body parser: stream callbacks inside body parsing would otherwise
 * lose the async context.
 */
export function requestContextMiddleware(): RequestHandler {
  return (req, _res, next) => {
    const requestId = getRequestId(req);
    if (requestId === undefined) {
      next();
      return;
    }
    requestContext.run({ requestId }, next);
  };
}

/** The id of the request being handled (or of the message being consumed, see {@link runWithRequestId}), if any. */
export function getCurrentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/**
 * Runs `fn` with `requestId` as the current request id, e.g. a Kafka consumer continuing the
 * correlation id of the message it handles.
 */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run({ requestId }, fn);
}
