// The routes machines call while they boot, without an admin token: the stub kickstart, registration,
// the poll (answered before express by http/fast-poll.ts, same answers) and the installer's callbacks.
import { registrationSchema } from '../assignment.js';
import { installEventSchema } from '../install-events.js';
import type { ApiArea } from './area.js';
import { errors, HOST_TOKEN, json, ok, OPEN, pathParam, query, text } from './build.js';
import { component } from './components.js';

const TAG = 'Machines';
const hostId = pathParam('id', 'the host id returned by POST /api/v1/discovery', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });

export const machines: ApiArea = {
  tag: {
    name: TAG,
    description: 'What a booting machine calls: the stub kickstart, registration, the poll, install callbacks. No admin token.',
  },
  schemas: {
    Registration: component(registrationSchema),
    InstallEvent: component(installEventSchema),
    InstallEventResult: {
      type: 'object',
      required: ['recorded', 'state'],
      additionalProperties: false,
      properties: {
        recorded: { type: 'boolean', description: 'false when this callback (stage and event_id) was recorded before' },
        state: { enum: ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'] },
        log_truncated: { const: true, description: 'the log was longer than is kept: its tail was kept' },
      },
    },
  },
  paths: {
    '/ks': {
      get: {
        operationId: 'getStubKickstart',
        summary: 'The stub kickstart (always 200)',
        description:
          "Rendered from kickstarts/stub.ks.njk with this server's base URL. The X-RHN-Provisioning-MAC-<n> and X-System-Serial-Number headers dracut sends (inst.ks.sendmac, inst.ks.sendsn) are noted on the host's timeline, within KICKSTAND_KS_LIMIT per client; over it the stub is still served.",
        tags: [TAG],
        security: OPEN,
        parameters: [query('download', '1: the same stub as an attachment (kickstand-stub.ks), for mkksiso --ks', { enum: ['1'] })],
        responses: { '200': text('the stub kickstart') },
      },
    },
    '/api/v1/discovery': {
      post: {
        operationId: 'registerMachine',
        summary: 'Register a machine with its facts',
        tags: [TAG],
        security: OPEN,
        parameters: [
          {
            name: 'X-Kickstand-Boot-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,128}$' },
            description: 'kickstand.key= from the boot line; a host with a boot key is matched only by a registration presenting it',
          },
        ],
        requestBody: { required: true, content: json('Facts') },
        responses: {
          '201': ok('new host', 'Registration'),
          '200': ok(
            'known machine, facts refreshed — or, for a machine that claims the identity of an assigned, provisioning or installed host (or of a host whose boot key it lacks), a claim token whose polls get 409 IDENTITY_CONFLICT',
            'Registration',
          ),
          ...errors(400, 413, 415, 429, 503),
        },
      },
    },
    '/api/v1/discovery/{id}/next': {
      parameters: [hostId],
      get: {
        operationId: 'pollNext',
        summary: 'What the machine does next',
        tags: [TAG],
        security: HOST_TOKEN,
        responses: {
          '202': {
            description: 'not assigned yet; poll again after Retry-After seconds',
            headers: { 'Retry-After': { schema: { type: 'integer' } } },
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '200': {
            description: 'the answer; X-Kickstand-Action is kickstart, kexec, stage or reboot',
            headers: { 'X-Kickstand-Action': { schema: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] } } },
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...errors(
            [401, 'UNAUTHORIZED: no host with this id, or not its token (also an unknown host: the answer does not tell them apart)'],
            [409, 'IDENTITY_CONFLICT: a claim token; another machine holds this identity until an operator releases the host to this one'],
            503,
          ),
        },
      },
    },
    '/api/v1/discovery/{id}/events': {
      parameters: [hostId],
      post: {
        operationId: 'reportInstallEvent',
        summary: 'Install callback: installing, installed or failed (with the log tail)',
        description:
          "Sent by the shipped templates' %pre-install, %post and %onerror with the host token. A retry (same stage and event_id) records once.",
        tags: [TAG],
        security: HOST_TOKEN,
        requestBody: { required: true, content: json('InstallEvent') },
        responses: {
          '200': ok('recorded (or already recorded)', 'InstallEventResult'),
          ...errors(
            400,
            [401, 'UNAUTHORIZED: missing or invalid host token'],
            [409, "INVALID_TRANSITION: the host's state does not allow this stage"],
            413,
            415,
            503,
          ),
        },
      },
    },
  },
};
