// Bodies of the power routes (docs/bmc.md#actions-the-job-queue-and-the-power-column): an action, a next boot device, a bulk action.
import { BOOT_DEVICES, POWER_ACTIONS } from '../bmc/bmc.js';
import type { JsonSchema } from './json-schema.js';
import { bulkSelectionProperties } from './bulk-selection.js';

export const BULK_POWER_ACTIONS = [...POWER_ACTIONS, 'rediscover', 'reinstall'] as const;

export const powerActionSchema = {
  $id: 'kickstand:power-action',
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { enum: [...POWER_ACTIONS], description: 'on · off (hard) · soft-off (ACPI shutdown) · cycle · reset (warm)' },
  },
} as const satisfies JsonSchema;

export const bootDeviceSchema = {
  $id: 'kickstand:boot-device',
  type: 'object',
  additionalProperties: false,
  required: ['device'],
  properties: {
    device: { enum: [...BOOT_DEVICES] },
    persistent: { type: 'boolean', description: 'false (default): the next boot only' },
    mode: { enum: ['uefi', 'legacy'], description: 'where the BMC takes it' },
  },
} as const satisfies JsonSchema;

export const bulkPowerSchema = {
  $id: 'kickstand:bulk-power',
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { enum: [...BULK_POWER_ACTIONS] },
    ...bulkSelectionProperties,
    confirm: { type: 'boolean', description: 'true: required for every action but `on`' },
  },
} as const satisfies JsonSchema;
