/** Admin roles and what each may do. The API enforces these; the console uses them to hide controls. */
export const AdminRoles = ['owner', 'admin', 'viewer'] as const;
export type AdminRole = (typeof AdminRoles)[number];

export const Permissions = {
  serversRead: 'servers:read',
  serversWrite: 'servers:write',
  membersRead: 'members:read',
  membersWrite: 'members:write',
  tokensManage: 'tokens:manage',
  policiesRead: 'policies:read',
  policiesWrite: 'policies:write',
  auditRead: 'audit:read',
  notificationsRead: 'notifications:read',
  notificationsWrite: 'notifications:write',
  settingsRead: 'settings:read',
  /** Mail server, passkey and device-trust settings. */
  settingsWrite: 'settings:write',
  adminsRead: 'admins:read',
  /** Invite admins, change their roles, remove them: owners only. */
  adminsManage: 'admins:manage',
} as const;
export type Permission = (typeof Permissions)[keyof typeof Permissions];

const all = Object.values(Permissions);
export const RolePermissions: Record<AdminRole, readonly Permission[]> = {
  owner: all,
  admin: all.filter((p) => p !== Permissions.adminsManage),
  viewer: [Permissions.serversRead, Permissions.membersRead, Permissions.policiesRead, Permissions.auditRead, Permissions.notificationsRead, Permissions.settingsRead, Permissions.adminsRead],
};

export function roleAllows(role: AdminRole, permission: Permission): boolean {
  return RolePermissions[role].includes(permission);
}
