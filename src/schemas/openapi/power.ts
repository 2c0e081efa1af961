// The power API: actions on one host's BMC (power, boot device, test connection, rediscover,
// reinstall), bulk power actions, and the BMC job queue (docs/bmc.md#actions-the-job-queue-and-the-power-column).
import { JOB_STATUSES } from '../../bmc/jobs/job.js';
import { BULK_POWER_ACTIONS, bootDeviceSchema, bulkPowerSchema, powerActionSchema } from '../power.js';
import type { ApiArea } from './area.js';
import { ok, operationsOf, pathParam, query } from './build.js';
import { component, dateTime } from './components.js';

const TAG = 'Power';
const op = operationsOf(TAG);
const id = pathParam('id', 'the host id');
const BMC_ERRORS: [number, string][] = [
  [
    409,
    'BMC_NOT_CONFIGURED: the host has no BMC, or no user and password for it; INVALID_TRANSITION: a compound step the host state refuses',
  ],
  [
    502,
    'BMC_UNREACHABLE, BMC_AUTH (wrong user or password), BMC_REFUSED (the BMC said no), BMC_PROTOCOL: the message is the BMC’s failure',
  ],
  [504, 'BMC_TIMEOUT: the BMC did not answer in KICKSTAND_BMC_TIMEOUT_MS (after the retries)'],
];
const ERRORS = [404, ...BMC_ERRORS];
const finished = (what: string) => ({ '200': ok(`the finished job: ${what}`, 'BmcJob') });

export const power: ApiArea = {
  tag: {
    name: TAG,
    description:
      'Power and boot control through each host’s BMC. Every operation runs as a job on the BMC job queue (one at a time per BMC, a global limit, timeouts, retries of unreachable BMCs); one host’s call answers once its job finished.',
  },
  schemas: {
    PowerAction: component(powerActionSchema),
    BootDevice: component(bootDeviceSchema),
    BulkPower: component(bulkPowerSchema),
    BmcJob: {
      type: 'object',
      required: ['id', 'host', 'action', 'status', 'actor', 'attempts', 'created_at', 'steps'],
      additionalProperties: false,
      properties: {
        id: { type: 'string' },
        host: { type: 'string' },
        action: { type: 'string', description: 'power-on, power-cycle, boot-device, status, bmc-test, rediscover, reinstall, refresh…' },
        status: { enum: [...JOB_STATUSES] },
        actor: { type: 'string' },
        attempts: { type: 'integer', description: 'retries made (unreachable, timeout)' },
        created_at: dateTime,
        started_at: dateTime,
        finished_at: dateTime,
        steps: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'outcome', 'message', 'at'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              outcome: { enum: ['succeeded', 'failed'] },
              message: { type: 'string' },
              code: { type: 'string' },
              at: dateTime,
            },
          },
        },
        result: { description: 'the power state (status), the BMC identity (test), the step count (compound)' },
        error: {
          type: 'object',
          required: ['code', 'message'],
          additionalProperties: false,
          properties: { code: { type: 'string' }, message: { type: 'string' }, step: { type: 'string' } },
        },
      },
    },
    BulkPowerResult: {
      type: 'object',
      required: ['action', 'jobs', 'capped'],
      additionalProperties: false,
      properties: {
        action: { enum: [...BULK_POWER_ACTIONS] },
        jobs: {
          type: 'array',
          items: {
            type: 'object',
            required: ['host'],
            additionalProperties: false,
            properties: {
              host: { type: 'string' },
              job: { type: 'string', description: 'follow it at GET /api/v1/bmc/jobs/{id}' },
              status: { enum: [...JOB_STATUSES] },
              error: { type: 'object', description: 'why this host got no job (HOST_NOT_FOUND, BMC_NOT_CONFIGURED)' },
            },
          },
        },
        matched: { type: 'integer' },
        capped: { type: 'boolean' },
      },
    },
  },
  paths: {
    '/api/v1/hosts/power': {
      post: op({
        operationId: 'bulkPower',
        summary: 'A power action, rediscover or reinstall on many hosts: one job per host (202)',
        description: 'Give `ids` or `query` (at most 1000 hosts). Every action but `on` needs `confirm: true`.',
        permission: 'power:write',
        body: 'BulkPower',
        responses: { '202': ok('each host’s job, or why it has none', 'BulkPowerResult') },
      }),
    },
    '/api/v1/hosts/{id}/power': {
      parameters: [id],
      post: op({
        operationId: 'powerHost',
        summary: 'Power on, off, soft-off, cycle or reset through the BMC',
        permission: 'power:write',
        writes: true,
        body: 'PowerAction',
        responses: finished('on the timeline as power-<action>, audited as host.power'),
        errors: ERRORS,
      }),
      get: op({
        operationId: 'getHostPower',
        summary: 'Ask the BMC for the power state now (through the queue)',
        permission: 'read',
        responses: {
          '200': ok('the state and the job', {
            type: 'object',
            required: ['power', 'job'],
            properties: { power: { enum: ['on', 'off'] }, job: { $ref: '#/components/schemas/BmcJob' } },
          }),
        },
        errors: ERRORS,
      }),
    },
    '/api/v1/hosts/{id}/boot-device': {
      parameters: [id],
      post: op({
        operationId: 'setBootDevice',
        summary: 'The next boot device: pxe, disk, cd or bios; once or persistent; UEFI or legacy',
        permission: 'power:write',
        writes: true,
        body: 'BootDevice',
        responses: finished('audited as host.boot-device'),
        errors: ERRORS,
      }),
    },
    '/api/v1/hosts/{id}/bmc/test': {
      parameters: [id],
      post: op({
        operationId: 'testBmc',
        summary: 'Test the connection: the power state and who the BMC is (manufacturer, firmware)',
        permission: 'power:write',
        writes: true,
        responses: finished('`result` is the BMC identity'),
        errors: ERRORS,
      }),
    },
    '/api/v1/hosts/{id}/rediscover': {
      parameters: [id],
      post: op({
        operationId: 'rediscoverHost',
        summary: 'Reset to waiting, one-time PXE boot, power cycle (on if off): the machine registers again',
        permission: 'power:write',
        writes: true,
        responses: finished('each step in `steps`; a failure names its step'),
        errors: ERRORS,
      }),
    },
    '/api/v1/hosts/{id}/reinstall': {
      parameters: [id],
      post: op({
        operationId: 'reinstallHost',
        summary: 'Reprovision an installed host, one-time PXE boot, power cycle (on if off)',
        permission: 'power:write',
        writes: true,
        responses: finished('each step in `steps`; a failure names its step'),
        errors: ERRORS,
      }),
    },
    '/api/v1/bmc/jobs': {
      get: op({
        operationId: 'listBmcJobs',
        summary: 'The newest BMC jobs (kept in memory), newest first',
        permission: 'read',
        parameters: [query('host', 'only this host’s jobs')],
        responses: {
          '200': ok('jobs', {
            type: 'object',
            required: ['jobs'],
            properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/BmcJob' } } },
          }),
        },
      }),
    },
    '/api/v1/bmc/jobs/{id}': {
      parameters: [pathParam('id', 'the job id')],
      get: op({
        operationId: 'getBmcJob',
        summary: 'One BMC job: status and per-step results',
        permission: 'read',
        responses: { '200': ok('the job', 'BmcJob') },
        errors: [404],
      }),
    },
  },
};
