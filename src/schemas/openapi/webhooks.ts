// Webhooks (docs/notifications.md): where host events are POSTed, signed with HMAC-SHA256.
import { HOST_EVENTS } from '../../events/events.js';
import { webhookSchema } from '../webhooks.js';
import type { ApiArea } from './area.js';
import { noContent, ok, operationsOf, pathParam, ref } from './build.js';
import { component, dateTime, nameOptional } from './components.js';

const TAG = 'Webhooks';
const name = pathParam('name', 'the webhook name', webhookSchema.properties.name);
const op = operationsOf(TAG);
const notFound: [number, string] = [404, 'NOT_FOUND: no webhook of that name'];
const { secret: _secret, ...viewProperties } = webhookSchema.properties;

export const webhooks: ApiArea = {
  tag: {
    name: TAG,
    description:
      'Receivers of host events (discovered, assigned, delivered, installed, failed, lost, conflict). The secret is answered once, when set.',
  },
  schemas: {
    WebhookInput: component(webhookSchema),
    WebhookReplace: nameOptional(webhookSchema),
    Webhook: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'url', 'events', 'enabled', 'created_at'],
      properties: {
        ...viewProperties,
        url: { type: 'string', description: 'whole for webhooks:write; cut to its origin (`https://host/…`) for operators' },
        events: { oneOf: [{ const: 'all' }, { type: 'array', items: { enum: [...HOST_EVENTS] } }] },
        created_at: dateTime,
        updated_at: dateTime,
      },
    },
    WebhookSaved: {
      type: 'object',
      additionalProperties: false,
      required: ['webhook'],
      properties: {
        webhook: ref('Webhook'),
        secret: { type: 'string', description: 'the HMAC key, answered only when this request set or generated it' },
      },
    },
    WebhookList: {
      type: 'object',
      additionalProperties: false,
      required: ['webhooks'],
      properties: { webhooks: { type: 'array', items: ref('Webhook') } },
    },
    DeliveryAttempt: {
      type: 'object',
      additionalProperties: false,
      required: ['delivery', 'webhook', 'event', 'attempt', 'at', 'duration_ms', 'outcome'],
      properties: {
        delivery: { type: 'string', description: 'X-Kickstand-Delivery: the same for every attempt of one delivery' },
        webhook: { type: 'string' },
        event: { type: 'string' },
        host: { type: 'string' },
        hostname: { type: 'string' },
        attempt: { type: 'integer', minimum: 0, description: '0: dropped from a full queue before any try' },
        at: dateTime,
        duration_ms: { type: 'number', minimum: 0 },
        status: { type: 'integer', description: "the receiver's HTTP status, when it answered" },
        error: { type: 'string', description: 'why there was no answer, or why it was dropped' },
        outcome: { enum: ['delivered', 'retrying', 'failed', 'dropped'] },
      },
    },
    DeliveryList: {
      type: 'object',
      additionalProperties: false,
      required: ['deliveries'],
      properties: { deliveries: { type: 'array', items: ref('DeliveryAttempt') } },
    },
  },
  paths: {
    '/api/v1/webhooks': {
      get: op({
        operationId: 'listWebhooks',
        summary: 'List webhooks (never their secrets)',
        permission: 'webhooks:read',
        responses: { '200': ok('webhooks', 'WebhookList') },
      }),
      post: op({
        operationId: 'createWebhook',
        summary: 'Add a webhook; answers its secret once',
        permission: 'webhooks:write',
        writes: true,
        body: 'WebhookInput',
        responses: { '201': ok('created', 'WebhookSaved') },
        errors: [[409, 'NAME_TAKEN']],
      }),
    },
    '/api/v1/webhooks/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getWebhook',
        summary: 'A webhook (never its secret)',
        permission: 'webhooks:read',
        responses: { '200': ok('the webhook', 'Webhook') },
        errors: [notFound],
      }),
      put: op({
        operationId: 'replaceWebhook',
        summary: 'Replace a webhook; without `secret` the current one is kept',
        permission: 'webhooks:write',
        writes: true,
        body: 'WebhookReplace',
        responses: { '200': ok('replaced', 'WebhookSaved') },
        errors: [notFound],
      }),
      delete: op({
        operationId: 'deleteWebhook',
        summary: 'Remove a webhook (its queued deliveries are dropped)',
        permission: 'webhooks:write',
        writes: true,
        responses: { '204': noContent },
        errors: [notFound],
      }),
    },
    '/api/v1/webhooks/{name}/test': {
      parameters: [name],
      post: op({
        operationId: 'pingWebhook',
        summary: 'Send a signed `ping` now and answer how it went',
        permission: 'webhooks:write',
        responses: { '200': ok('the attempt', 'DeliveryAttempt') },
        errors: [notFound],
      }),
    },
    '/api/v1/webhooks/{name}/deliveries': {
      parameters: [name],
      get: op({
        operationId: 'webhookDeliveries',
        summary: "This instance's last delivery attempts to the webhook, newest first",
        permission: 'webhooks:read',
        responses: { '200': ok('the delivery log', 'DeliveryList') },
        errors: [notFound],
      }),
    },
  },
};
