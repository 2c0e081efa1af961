// An installer source: one release's install tree (and its PXE kernel and initrd). The URLs end up in
// boot loader configs and kernel command lines, so they are held to the boot-URL character set.
import type { JsonSchema } from './json-schema.js';

const BOOT_URL = { type: 'string', maxLength: 1024, pattern: '^https?://[A-Za-z0-9._~:/?#\\[\\]@!&()*+,=%-]+$' } as const;

export const installerSchema = {
  $id: 'kickstand:installer',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'family', 'version', 'repo'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9._-]{0,62}$',
      description: 'used in URLs: /tree/{name}/, /boot/{format}?installer={name}',
    },
    description: { type: 'string', maxLength: 200 },
    family: { enum: ['rhel', 'fedora'], description: 'rhel: RHEL, CentOS Stream, AlmaLinux, Rocky; fedora: Fedora' },
    version: {
      type: 'string',
      pattern: '^[0-9]{1,3}(\\.[0-9]{1,3})?$',
      description: 'release, e.g. 9.4 or 42: picks the boot option spelling',
    },
    repo: { ...BOOT_URL, description: 'the install tree (holds .treeinfo and images/)' },
    kernel: { ...BOOT_URL, description: 'default: <repo>/images/pxeboot/vmlinuz' },
    initrd: { ...BOOT_URL, description: 'default: <repo>/images/pxeboot/initrd.img' },
  },
} as const satisfies JsonSchema;

export const installerListSchema = {
  $id: 'kickstand:installer-list',
  type: 'array',
  maxItems: 200,
  items: { $ref: 'kickstand:installer' },
} as const satisfies JsonSchema;
