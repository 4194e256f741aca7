import { Router } from 'express';
import { parseOrThrow } from '@eudr/service-kit';
import { introspectBodySchema } from './introspection.schemas';
import type { IntrospectionService } from './introspection.service';
import { requireServiceKey } from './service-key.middleware';

/** `POST /introspect` under `/internal`, for resource services only (the edge does not route /internal). */
export function introspectionRoutes(deps: {
  introspection: IntrospectionService;
  serviceKey: string;
}): Router {
  const router = Router();
  router.post('/introspect', requireServiceKey(deps.serviceKey), async (req, res) => {
    const parsed = parseOrThrow(introspectBodySchema, req.body);
    // Answers are about revocable state: never cached by anything in between.
    res.setHeader('Cache-Control', 'no-store');
    res.json(await deps.introspection.introspect(parsed.tokenHash));
  });
  return router;
}
