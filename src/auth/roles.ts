// Who may do what. Four roles, from the issue: admins do everything (users included), operators run
// hosts, profiles and rules, authors edit templates (templates are code), viewers read. Webhooks send
// host data to a URL of the admin's choosing (an SSRF tool in the wrong hands), so only admins change
// them; operators may read them (never their secrets), to see why a notification did not arrive.
// Power (docs/bmc.md): admins and operators set a host's BMC and power machines on and off; BMC
// credential sets hold the passwords of whole racks, so only admins change them.
export const ROLES = ['admin', 'operator', 'author', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  'read' | 'hosts:write' | 'templates:write' | 'users:write' | 'webhooks:read' | 'webhooks:write' | 'power:write' | 'bmc-credentials:write';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [
    'read',
    'hosts:write',
    'templates:write',
    'users:write',
    'webhooks:read',
    'webhooks:write',
    'power:write',
    'bmc-credentials:write',
  ],
  operator: ['read', 'hosts:write', 'webhooks:read', 'power:write'],
  author: ['read', 'templates:write'],
  viewer: ['read'],
};

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
