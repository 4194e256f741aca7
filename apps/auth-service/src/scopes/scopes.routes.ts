import { SCOPES } from '@eudr/auth';
import { Router } from 'express';

/** `GET /scopes` of the admin API: the scope registry with labels and descriptions. */
export function scopesRoutes(): Router {
  const router = Router();
  router.get('/scopes', (_req, res) => {
    res.json(SCOPES.map(({ scope, label, description }) => ({ scope, label, description })));
  });
  return router;
}
