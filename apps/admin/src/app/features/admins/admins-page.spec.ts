import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { AdminInvite, AdminTeam, TeamAdmin } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { AdminsPage } from './admins-page';

const OWNER: TeamAdmin = { ...aSession.admin, lastLoginAt: '2026-01-02T10:00:00.000Z', secondFactor: true };
const VIC: TeamAdmin = { id: '1b9c5a40-4c1e-4b8e-9a53-1f1f5f8c2a12', email: 'vic@example.com', displayName: 'Vic', role: 'viewer', createdAt: '2026-01-03T10:00:00.000Z', lastLoginAt: null, secondFactor: false };
const INVITE: AdminInvite = { id: '2b9c5a40-4c1e-4b8e-9a53-1f1f5f8c2a13', email: 'ada@example.com', role: 'admin', invitedBy: OWNER.id, createdAt: '2026-01-04T10:00:00.000Z', expiresAt: '2026-01-07T10:00:00.000Z' };

describe('AdminsPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<AdminsPage>;
  let root: HTMLElement;

  async function open(role: 'owner' | 'admin', team: AdminTeam = { admins: [OWNER, VIC], invites: [] }): Promise<void> {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(SessionStore).set({ ...aSession, admin: { ...aSession.admin, role } });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(AdminsPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/admins').flush(team);
    await settle(fixture);
  }

  afterEach(() => http.verify());

  it('an owner invites an admin with a role and sees the link once', async () => {
    await open('owner');
    expect(root.querySelector('tbody')?.textContent).toContain('vic@example.com');
    expect(root.querySelector('tbody')?.textContent).toContain('Not yet');
    submit(root, '.invite-form');
    await settle(fixture);
    expect(root.textContent).toContain('Enter their e-mail address.');
    typeInto(root, '#invite-email', 'ada@example.com');
    typeInto(root, '#invite-role', 'admin');
    await settle(fixture);
    expect(root.textContent).toContain('Everything but the admin team.');
    submit(root, '.invite-form');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/admins/invites' });
    expect(req.request.body).toEqual({ email: 'ada@example.com', role: 'admin' });
    req.flush({ invite: INVITE, url: 'http://localhost:8080/admin/invite#token=abc' });
    await settle(fixture);
    expect(root.querySelector('.secret-value')?.textContent).toBe('http://localhost:8080/admin/invite#token=abc');
    expect(root.textContent).toContain('Pending invitations');
    click(root, 'button', 'Done');
    await settle(fixture);
    expect(root.textContent).not.toContain('#token=abc');
  });

  it('changes a role and removes an admin after confirming; the last owner’s refusal is shown', async () => {
    await open('owner', { admins: [OWNER, VIC], invites: [INVITE] });
    typeInto(root, `#role-${VIC.id}`, 'admin');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Make Vic admin?');
    click(dialog, 'button', 'Change role');
    const patch = http.expectOne({ method: 'PATCH', url: `/api/v1/admins/${VIC.id}` });
    expect(patch.request.body).toEqual({ role: 'admin' });
    patch.flush({ ...VIC, role: 'admin' });
    await settle(fixture);
    http.expectOne('/api/v1/admins').flush({ admins: [OWNER, { ...VIC, role: 'admin' }], invites: [] });
    await settle(fixture);
    expect(root.querySelector('[role="status"]')?.textContent).toContain('Vic is now admin.');

    click(root, 'button', `Remove ${OWNER.displayName}`);
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'Remove');
    http
      .expectOne({ method: 'DELETE', url: `/api/v1/admins/${OWNER.id}` })
      .flush({ error: { code: 'last_owner', message: 'Latchkey needs at least one owner: make someone else an owner first.' } }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(root.querySelector('dialog[open]')?.textContent).toContain('make someone else an owner first');
  });

  it('shows the team read-only to an admin who is not an owner', async () => {
    await open('admin', { admins: [OWNER, VIC], invites: [INVITE] });
    expect(root.querySelector('.invite-form')).toBeNull();
    expect(root.querySelector('select')).toBeNull();
    expect(Array.from(root.querySelectorAll('button')).some((b) => b.textContent?.includes('Remove'))).toBe(false);
    expect(root.textContent).toContain('ada@example.com');
  });
});
