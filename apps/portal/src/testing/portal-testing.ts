import { Location } from '@angular/common';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { Factor, MemberSelf } from '@latchkey/contracts';
import { routes } from '../app/app.routes';
import { API_FETCH } from '../app/core/portal-api';
import { FakeApi } from './fake-api';

export function self(overrides: Partial<MemberSelf> = {}): MemberSelf {
  return {
    member: { id: 'mem_1', username: 'alice', displayName: 'Alice', email: 'alice@example.com' },
    server: { name: 'Family Jellyfin', ownerName: 'Olive' },
    requirement: { required: true, deadline: '2026-12-08T12:00:00.000Z', daysLeft: 14, passkeyRequired: false },
    factors: [],
    recentlyVerified: false,
    csrfToken: 'csrf-1',
    ...overrides,
  };
}

export function factor(kind: Factor['kind'], overrides: Partial<Factor> = {}): Factor {
  return {
    id: `fac_${kind}`,
    kind,
    label: null,
    email: null,
    remaining: kind === 'recovery_codes' ? 10 : null,
    phishingResistant: kind === 'passkey',
    createdAt: '2026-11-24T10:00:00.000Z',
    lastUsedAt: null,
    ...overrides,
  };
}

export const apiError = (code: string, message: string) => ({ error: { code, message } });

/** The portal's routes with a mocked API; `open` navigates like a member following a link. */
export class PortalTest {
  harness!: RouterTestingHarness;
  http!: FakeApi;

  static async open(url: string): Promise<PortalTest> {
    const t = new PortalTest();
    t.http = new FakeApi();
    TestBed.configureTestingModule({ providers: [provideRouter(routes), { provide: API_FETCH, useValue: t.http.fetch }] });
    t.harness = await RouterTestingHarness.create();
    await t.harness.navigateByUrl(url);
    return t;
  }

  get root(): HTMLElement {
    return this.harness.routeNativeElement as HTMLElement;
  }

  get text(): string {
    return (this.root.textContent ?? '').replace(/\s+/g, ' ');
  }

  /** The address as the browser shows it, fragment included. */
  address(): string {
    return TestBed.inject(Location).path(true);
  }

  /** Lets promises run and the view catch up. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r));
      await this.harness.fixture.whenStable();
    }
  }

  button(text: string): HTMLButtonElement {
    const b = [...this.root.querySelectorAll('button')].find((el) => el.textContent?.trim() === text);
    if (!b) throw new Error(`no button "${text}" in: ${this.text}`);
    return b;
  }

  async click(text: string): Promise<void> {
    this.button(text).click();
    await this.settle();
  }

  async enterCode(id: string, code: string): Promise<void> {
    const input = this.root.querySelector<HTMLInputElement>(`#${id}`);
    if (!input) throw new Error(`no #${id}`);
    input.value = code;
    input.dispatchEvent(new Event('input'));
    input.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await this.settle();
  }
}
