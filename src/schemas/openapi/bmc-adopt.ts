// Adopting the BMC address a machine reported (docs/bmc.md#facts-what-the-machine-reports).
import type { ApiArea } from './area.js';
import { ok, operationsOf, pathParam } from './build.js';
import { dateTime } from './components.js';

const TAG = 'BMC facts';
const op = operationsOf(TAG);

export const bmcAdopt: ApiArea = {
  tag: {
    name: TAG,
    description:
      "The BMC address a machine's %pre reports (facts.bmc.ip) and its adoption as the host's BMC address. Inside KICKSTAND_BMC_NETWORKS it is taken at registration by itself; elsewhere an operator adopts it here.",
  },
  schemas: {
    AdoptedBmc: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'bmc'],
      properties: {
        id: { type: 'string', description: 'the host id' },
        bmc: {
          type: 'object',
          description: 'the host’s BMC now (never its password: has_password says whether one is set)',
          additionalProperties: false,
          required: ['driver', 'address', 'verify_tls', 'address_source', 'updated_at', 'has_password'],
          properties: {
            driver: { enum: ['ipmi', 'redfish'] },
            address: { type: 'string' },
            port: { type: 'integer' },
            username: { type: 'string' },
            credentials: { type: 'string' },
            system_path: { type: 'string' },
            verify_tls: { type: 'boolean' },
            ca_file: { type: 'string' },
            address_source: { enum: ['facts', 'manual'] },
            updated_at: dateTime,
            has_password: { type: 'boolean' },
          },
        },
      },
    },
  },
  paths: {
    '/api/v1/hosts/{id}/bmc/adopt': {
      parameters: [pathParam('id', 'the host id')],
      post: op({
        operationId: 'adoptBmcAddress',
        summary: "Take the BMC address the host's facts report as its BMC address",
        description:
          'The operator decides, so KICKSTAND_BMC_NETWORKS does not apply and a hand-set address is replaced (driver, port and credentials are kept; a host without a BMC gets IPMI). An address another host already has is refused. Audited as `host.bmc.adopt`.',
        permission: 'power:write',
        writes: true,
        responses: { '200': ok('the host id and its BMC', 'AdoptedBmc') },
        errors: [
          [404, 'HOST_NOT_FOUND'],
          [
            409,
            'BMC_NOT_REPORTED: the facts report no BMC address (or 0.0.0.0); BMC_ADDRESS_TAKEN: another host has it (the message names it)',
          ],
        ],
      }),
    },
  },
};
