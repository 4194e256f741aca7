import type { Request, RequestHandler } from 'express';

/** What {@link captureRawBody} read: the bytes, or that there were more than allowed. */
export type RawBody = { ok: true; bytes: Buffer } | { ok: false; tooLarge: true };

const rawBodies = new WeakMap<Request, RawBody>();

/** The raw body {@link captureRawBody} read for this request, if it ran. */
export function findRawBody(req: Request): RawBody | undefined {
  return rawBodies.get(req);
}

/**
 * Reads the request body as bytes (at most `limit`) before the JSON parser would, for a route whose
 * signature covers the exact bytes sent. Once the stream has ended, the JSON parser leaves the request
 * alone, so the route parses the bytes itself. Never fails the request: a body over the limit is
 * recorded as such (the rest is drained) and the route answers 413 in the API's envelope.
 */
export function captureRawBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once('end', () => {
      rawBodies.set(
        req,
        tooLarge ? { ok: false, tooLarge: true } : { ok: true, bytes: Buffer.concat(chunks) },
      );
      next();
    });
    req.once('error', () => {
      rawBodies.set(req, { ok: false, tooLarge: true });
      next();
    });
  };
}
