import { ComponentFixture } from '@angular/core/testing';
import type { AdminSession, DirectoryEntry, Member, Policy, Server } from '../app/core/api-types';

/** Lets pending promise continuations run (no timers). */
export async function microtasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Lets awaited promise chains run, then waits for Angular to render. No timers involved. */
export async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await fixture.whenStable();
  }
}

export function typeInto(root: HTMLElement, selector: string, value: string): void {
  const el = root.querySelector<HTMLInputElement | HTMLSelectElement>(selector);
  if (!el) throw new Error(`No element matches ${selector}`);
  el.value = value;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input'));
  el.dispatchEvent(new Event('blur'));
}

export function click(root: HTMLElement, selector: string, text?: string): void {
  const candidates = Array.from(root.querySelectorAll<HTMLElement>(selector));
  const el = text ? candidates.find((c) => c.textContent?.includes(text)) : candidates[0];
  if (!el) throw new Error(`No element matches ${selector}${text ? ` with text "${text}"` : ''}`);
  el.click();
}

export function submit(root: HTMLElement, selector = 'form'): void {
  const form = root.querySelector<HTMLFormElement>(selector);
  if (!form) throw new Error(`No form matches ${selector}`);
  form.dispatchEvent(new Event('submit', { cancelable: true }));
}

export const aSession: AdminSession = {
  admin: {
    id: '0b9c5a40-4c1e-4b8e-9a53-1f1f5f8c2a11',
    email: 'owner@example.com',
    displayName: 'Olivia Owner',
    role: 'owner',
    createdAt: '2026-01-01T10:00:00.000Z',
  },
  csrfToken: 'csrf-token-123',
  expiresAt: '2026-01-02T10:00:00.000Z',
  mfa: 'verified',
};

export function aServer(overrides: Partial<Server> = {}): Server {
  return {
    id: '5d1f7a3e-2b4c-4d6e-8f90-a1b2c3d4e5f6',
    name: 'Living-room Jellyfin',
    kind: 'jellyfin',
    baseUrl: 'http://jellyfin.lan:8096',
    apiKey: { active: true, prefix: 'lk_srv_ab12', createdAt: '2026-01-01T10:00:00.000Z', lastUsedAt: null },
    trustedProxies: [],
    forwardAuthHosts: [],
    webOrigins: [],
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function aPolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    id: '7a1e2b3c-0000-4000-8000-000000000001',
    name: 'Everyone uses MFA',
    enabled: false,
    groups: [],
    libraries: [],
    gracePeriodDays: 14,
    accepted: 'any',
    allowEmail: true,
    enforcement: 'block',
    allowAppPasswords: true,
    reverifyAfterHours: null,
    bypassCidrs: [],
    activatedAt: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function anEntry(id: string, name: string, memberCount: number | null = null): DirectoryEntry {
  return { id, serverId: aServer().id, externalId: `ext-${name}`, name, memberCount };
}

export function aMember(overrides: Partial<Member> = {}): Member {
  return {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    serverId: aServer().id,
    externalId: 'jf-grandma',
    username: 'grandma',
    displayName: 'Grandma Rose',
    email: 'rose@example.com',
    groups: [],
    firstSeenAt: '2026-01-01T10:00:00.000Z',
    removedAt: null,
    ...overrides,
  };
}
