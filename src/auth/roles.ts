// Who may do what. Four roles, from the issue: admins do everything (users included), operators run
// hosts, profiles and rules, authors edit templates (templates are code), viewers read.
export const ROLES = ['admin', 'operator', 'author', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'read' | 'hosts:write' | 'templates:write' | 'users:write';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'hosts:write', 'templates:write', 'users:write'],
  operator: ['read', 'hosts:write'],
  author: ['read', 'templates:write'],
  viewer: ['read'],
};

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
