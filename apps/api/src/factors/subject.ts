/** Whose factors: a member's, or an admin's (admins use the same factor modules). */
export type Subject = { kind: 'member'; id: string } | { kind: 'admin'; id: string };

export const subjectColumns = (s: Subject) => (s.kind === 'member' ? { memberId: s.id, adminId: null } : { memberId: null, adminId: s.id });
export const subjectWhere = (s: Subject) => (s.kind === 'member' ? { memberId: s.id } : { adminId: s.id });
export const subjectKey = (s: Subject) => `${s.kind}:${s.id}`;
export const auditIds = (s: Subject) => (s.kind === 'member' ? { memberId: s.id } : { adminId: s.id });
