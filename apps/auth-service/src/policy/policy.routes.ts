import { Router } from 'express';
import { getAdmin } from '@eudr/admin-auth';
import { parseOrThrow } from '@eudr/service-kit';
import { policyBodySchema, toPolicyResponse } from './policy.schemas';
import type { PolicyService } from './policy.service';

/** `/policy` and `/policy/dry-run` of the admin API: the organisation's token policy. */
export function policyRoutes(deps: { policy: PolicyService }): Router {
  const { policy } = deps;
  const router = Router();

  router.get('/policy', async (_req, res) => {
    res.json(toPolicyResponse(await policy.get(getAdmin(res))));
  });

  router.put('/policy', async (req, res) => {
    const fields = parseOrThrow(policyBodySchema, req.body);
    const { record, ...blocked } = await policy.put(getAdmin(res), fields);
    res.json({ ...toPolicyResponse(record), ...blocked });
  });

  // A POST, not a GET: it takes the proposed policy as a body, and it changes nothing.
  router.post('/policy/dry-run', async (req, res) => {
    const fields = parseOrThrow(policyBodySchema, req.body);
    res.json({ policy: fields, ...(await policy.dryRun(getAdmin(res), fields)) });
  });

  return router;
}
