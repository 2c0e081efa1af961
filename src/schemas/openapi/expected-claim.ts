// A host and the expected-host record it took (docs/inventory.md#expected-hosts-matching-claim-provisioning-ambiguity): choosing one by hand after
// an ambiguity, and detaching it. The records themselves are the import's area.
import type { ApiArea } from './area.js';
import { noContent, ok, operationsOf, pathParam } from './build.js';
import { dateTime } from './components.js';

const TAG = 'Expected-host claims';
const op = operationsOf(TAG);
const id = pathParam('id', 'the host id');

export const expectedClaim: ApiArea = {
  tag: {
    name: TAG,
    description:
      'A registering machine takes the one expected-host record it matches (every key the record gives must match). Two records, or one another host took, are flagged on the host as `expected_ambiguous` and nothing is applied: a person chooses here.',
  },
  schemas: {
    HostExpected: {
      type: 'object',
      description: 'The expected-host record this host took',
      additionalProperties: false,
      required: ['id', 'matched_by', 'at'],
      properties: {
        id: { type: 'string', description: 'the record id' },
        matched_by: { type: 'array', items: { type: 'string' }, description: 'the record keys that matched (empty: chosen by hand)' },
        at: dateTime,
      },
    },
    HostExpectedAmbiguous: {
      type: 'object',
      description: 'Records matched this host but none was taken: two or more, or one another host took',
      additionalProperties: false,
      required: ['ids', 'reason', 'at'],
      properties: { ids: { type: 'array', items: { type: 'string' } }, reason: { type: 'string' }, at: dateTime },
    },
    ExpectedChoice: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        id: { type: 'string', description: 'the expected-host record to apply' },
        force: { type: 'boolean', description: 'take the record from the host that has it (default false)' },
      },
    },
  },
  paths: {
    '/api/v1/hosts/{id}/expected': {
      parameters: [id],
      post: op({
        operationId: 'chooseExpectedHost',
        summary: 'Apply an expected-host record to a waiting host (hostname, tags, BMC) and clear its ambiguity',
        description:
          "Only a waiting host (discovered). The record's profile is not assigned: assign it as usual. A record another host took is refused unless `force` (that host loses it, and its hostname when it is not installing). Audited as `host.expected.set`.",
        permission: 'hosts:write',
        writes: true,
        body: 'ExpectedChoice',
        responses: { '200': ok('the host', 'Host') },
        errors: [
          [404, 'HOST_NOT_FOUND, or EXPECTED_HOST_NOT_FOUND: no record with that id'],
          [409, 'INVALID_TRANSITION: the host is not waiting; EXPECTED_HOST_CLAIMED: another host took it (send force); HOSTNAME_TAKEN'],
        ],
      }),
      delete: op({
        operationId: 'detachExpectedHost',
        summary: 'Detach the record from the host (it is free again) and dismiss any ambiguity; what it gave stays',
        permission: 'hosts:write',
        writes: true,
        responses: { '204': noContent },
        errors: [[404, 'HOST_NOT_FOUND, or NOT_FOUND: the host has no record and no ambiguity']],
      }),
    },
  },
};
