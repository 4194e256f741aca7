import { ForbiddenError, InvalidJsonError, UnauthorizedError, ValidationError } from '@eudr/service-kit';
import { Router } from 'express';
import { MAX_TOKENS_PER_REPORT } from './leak-reports.service';
import type { LeakReportsService } from './leak-reports.service';
import type { ReporterKeys } from './reporter-keys';

/** Where secret scanners report tokens they found (public: the signature is the authentication). */
export const LEAK_REPORTS_PATH = '/api/v1/secret-scanning/reports';
/** Largest report accepted, in bytes. */
export const MAX_LEAK_REPORT_BYTES = 256 * 1024;
/** The headers of GitHub's secret scanning partner program. */
export const KEY_ID_HEADER = 'github-public-key-identifier';
export const SIGNATURE_HEADER = 'github-public-key-signature';

/**
 * `POST /api/v1/secret-scanning/reports`: a JSON list of `{token, type, url, source}` signed with ECDSA
 * P-256 SHA-256 over the exact body by a configured reporter key (`Github-Public-Key-Identifier`,
 * `Github-Public-Key-Signature`). Unsigned: 401; a signature that does not verify: 403; both before the
 * body is parsed. Answers 200 with one `{token_raw, token_type, label}` per entry.
 */
export function leakReportsRoutes(deps: { leaks: LeakReportsService; keys: ReporterKeys }): Router {
  const router = Router();
  router.post(LEAK_REPORTS_PATH, async (req, res) => {
    // Kept as bytes by the app (`rawBodyRoutes`), at most MAX_LEAK_REPORT_BYTES; none sent: empty.
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const keyId = req.headers[KEY_ID_HEADER];
    const signature = req.headers[SIGNATURE_HEADER];
    if (typeof keyId !== 'string' || typeof signature !== 'string' || keyId === '' || signature === '') {
      throw new UnauthorizedError(
        'AUTHENTICATION_REQUIRED',
        'A report must be signed: send Github-Public-Key-Identifier and Github-Public-Key-Signature.',
      );
    }
    if (!deps.keys.verify(keyId, signature, bytes)) {
      throw new ForbiddenError('FORBIDDEN', 'The signature does not verify with any trusted reporter key.');
    }
    let entries: unknown;
    try {
      entries = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new InvalidJsonError();
    }
    if (!Array.isArray(entries)) {
      throw new ValidationError('request body: must be a JSON list of {token, type, url, source}');
    }
    if (entries.length > MAX_TOKENS_PER_REPORT) {
      throw new ValidationError(`request body: must list at most ${MAX_TOKENS_PER_REPORT} tokens`);
    }
    const answers = await deps.leaks.handle(entries);
    // The answer repeats the reported tokens: nothing in between may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.json(answers);
  });
  return router;
}
