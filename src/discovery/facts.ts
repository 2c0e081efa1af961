// The facts a machine reports, as the %pre builds them (schema: src/schemas/facts.ts).
import type { FromSchema } from 'json-schema-to-ts';
import type { factsSchema } from '../schemas/facts.js';

export type Facts = FromSchema<typeof factsSchema>;
export type Nic = Facts['nics'][number];
export type Disk = NonNullable<Facts['disks']>[number];
