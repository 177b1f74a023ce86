import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { MemberDetail, MemberSecurity } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { aMember, aPolicy, aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { MemberPage } from './member-page';

const ID = aMember().id;
const BASE = `/api/v1/members/${ID}`;

function detail(overrides: Partial<MemberDetail> = {}): MemberDetail {
  return {
    member: aMember(),
    serverName: 'Living-room Jellyfin',
    groups: [{ id: 'g-1', externalId: 'family', name: 'Family' }],
    status: 'compliant',
    deadline: null,
    policies: [{ policyId: aPolicy().id, name: aPolicy().name, libraries: [], status: 'compliant', deadline: null }],
    factors: [{ id: 'f-1', kind: 'totp', label: 'Authenticator app', email: null, remaining: null, phishingResistant: false, createdAt: '2026-01-02T10:00:00.000Z', lastUsedAt: null }],
    exemptions: [],
    emergency: false,
    ...overrides,
  };
}

const security: MemberSecurity = {
  devices: [
    {
      id: 'd-1',
      kind: 'paired',
      deviceName: 'Living room TV',
      client: 'Jellyfin Android TV',
      serverName: 'Living-room Jellyfin',
      createdAt: '2026-01-03T10:00:00.000Z',
      verifiedAt: '2026-01-03T10:00:00.000Z',
      lastUsedAt: null,
      lastIp: '192.168.1.20',
      expiresAt: null,
    },
  ],
  appPasswords: [{ id: 'a-1', name: 'Infuse', prefix: 'lkap_ab', createdAt: '2026-01-03T10:00:00.000Z', lastUsedAt: null, lastIp: null }],
  recentSignIns: [{ at: '2026-01-04T10:00:00.000Z', outcome: 'challenge', deviceName: 'Living room TV', client: 'Jellyfin Android TV', ip: '192.168.1.20' }],
  emergency: false,
};

describe('MemberPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<MemberPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(SessionStore).set(aSession);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(MemberPage);
    fixture.componentRef.setInput('memberId', ID);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/policies').flush({ items: [aPolicy()] });
    await reload();
  });

  afterEach(() => http.verify());

  async function reload(d = detail(), s = security): Promise<void> {
    http.expectOne(BASE).flush(d);
    http.expectOne(`${BASE}/security`).flush(s);
    await settle(fixture);
  }

  it('shows standing per policy, sign-in methods, devices, app passwords and recent sign-ins', () => {
    expect(root.querySelector('h1')?.textContent).toContain('grandma');
    expect(root.textContent).toContain('Family');
    expect(root.querySelector('#policies-heading')?.parentElement?.textContent).toContain('Everyone uses MFA');
    expect(root.textContent).toContain('Authenticator app');
    expect(root.textContent).toContain('Living room TV');
    expect(root.textContent).toContain('Infuse');
    expect(root.textContent).toContain('Asked to verify');
  });

  it('revokes a device after confirming, and reports what happened', async () => {
    click(root, 'button', 'Revoke Living room TV');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Revoke this device?');
    click(dialog, 'button', 'Cancel');
    await settle(fixture);
    expect(root.querySelector('dialog[open]')).toBeNull();

    click(root, 'button', 'Revoke Living room TV');
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'Revoke device');
    http.expectOne({ method: 'DELETE', url: `${BASE}/devices/d-1` }).flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    await reload(detail(), { ...security, devices: [] });
    expect(root.querySelector('[role="status"]')?.textContent).toContain('Living room TV must verify again');
    expect(root.textContent).toContain('No remembered or paired devices.');
  });

  it('resets MFA after confirming; an API refusal stays in the dialog', async () => {
    click(root, 'button', 'Reset MFA');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('must set up MFA again');
    click(dialog, 'button', 'Reset MFA');
    http.expectOne({ method: 'POST', url: `${BASE}/reset-mfa` }).flush({ error: { code: 'forbidden', message: 'You are not allowed to do this.' } }, { status: 403, statusText: 'Forbidden' });
    await settle(fixture);
    expect(dialog.textContent).toContain('You are not allowed to do this.');
    click(dialog, 'button', 'Reset MFA');
    http.expectOne({ method: 'POST', url: `${BASE}/reset-mfa` }).flush({ factorsRemoved: 1, devices: 1, appPasswords: 1, sessions: 0 });
    await settle(fixture);
    await reload(detail({ status: 'in_grace', factors: [] }), { ...security, devices: [], appPasswords: [] });
    expect(root.querySelector('[role="status"]')?.textContent).toContain('MFA reset: 1 sign-in method(s) removed');
    expect(root.textContent).toContain('None set up yet.');
  });

  it('forces a sign-out, and adds and ends an exemption', async () => {
    click(root, 'button', 'Force sign-out');
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'Sign out everywhere');
    http.expectOne({ method: 'POST', url: `${BASE}/sign-out` }).flush({ devices: 1, appPasswords: 1, sessions: 0 });
    await settle(fixture);
    await reload();

    click(root, 'button', 'Add exemption');
    await settle(fixture);
    typeInto(root, '#member-exempt-reason', 'No smartphone');
    submit(root, 'app-exemption-form form');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/exemptions' });
    expect(req.request.body).toEqual({ memberId: ID, policyId: null, reason: 'No smartphone', expiresAt: null });
    req.flush({ id: 'x-1', memberId: ID, policyId: null, reason: 'No smartphone', expiresAt: null, createdAt: '2026-01-05T10:00:00.000Z', active: true });
    await settle(fixture);
    await reload(detail({ status: 'exempt', exemptions: [{ id: 'x-1', memberId: ID, policyId: null, reason: 'No smartphone', expiresAt: null, createdAt: '2026-01-05T10:00:00.000Z', active: true }] }));
    expect(root.querySelector('[role="status"]')?.textContent).toContain('Excused from every policy.');
    expect(root.textContent).toContain('No smartphone');

    click(root, 'button', 'End');
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'End exemption');
    http.expectOne({ method: 'DELETE', url: '/api/v1/exemptions/x-1' }).flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    await reload();
  });
});
