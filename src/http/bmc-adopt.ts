// An operator takes the BMC address a host's facts report as its BMC address (docs/bmc.md#facts-what-the-machine-reports):
// the way in for an address outside KICKSTAND_BMC_NETWORKS. Routes only wire: auth, use case, answer.
import { Router } from 'express';
import { adoptBmc } from '../bmc/adopt.js';
import { bmcView } from '../bmc/bmc.js';
import type { Deps } from '../deps.js';
import { can, guards } from './auth.js';
import { apiCaller } from './caller.js';

export function bmcAdoptRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { auth } = guards(deps, adminToken);

  // Credentials go to whatever answers at this address: power:write, like every BMC action.
  router.post('/api/v1/hosts/:id/bmc/adopt', auth, can('power:write'), async (req, res) => {
    const host = await adoptBmc(deps, String(req.params.id), apiCaller(req, res, deps.config.publicUrl));
    // adoptBmc always leaves a BMC on the host; the view never carries its password.
    res.json({ id: host.id, bmc: bmcView(host.bmc!) });
  });

  return router;
}
