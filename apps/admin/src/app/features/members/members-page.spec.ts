import { HttpRequest, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { MemberListItem } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { aPolicy, aServer, aSession, anEntry, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { MembersPage, MembersTableState } from './members-page';

function aMember(n: number, overrides: Partial<MemberListItem> = {}): MemberListItem {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    serverId: aServer().id,
    externalId: `ext-${n}`,
    username: `member${n}`,
    displayName: `Member ${n}`,
    email: `member${n}@example.com`,
    groups: ['family'],
    firstSeenAt: '2026-01-05T10:00:00.000Z',
    removedAt: null,
    status: 'in_grace',
    deadline: '2026-02-01T10:00:00.000Z',
    factors: [],
    ...overrides,
  };
}

const isList = (extra: (r: HttpRequest<unknown>) => boolean = () => true) => (r: HttpRequest<unknown>) => r.url === '/api/v1/members' && extra(r);

describe('MembersPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<MembersPage>;
  let root: HTMLElement;

  async function open(role: 'owner' | 'viewer' = 'owner'): Promise<void> {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(SessionStore).set({ ...aSession, admin: { ...aSession.admin, role } });
    TestBed.inject(MembersTableState).cursors.set([null]);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(MembersPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/servers').flush({ items: [aServer()] });
    http.expectOne('/api/v1/groups').flush({ items: [anEntry('g-1', 'Family', 3)] });
    http.expectOne('/api/v1/libraries').flush({ items: [anEntry('l-1', 'Movies')] });
    http.expectOne('/api/v1/policies').flush({ items: [aPolicy()] });
  }

  afterEach(() => http.verify());

  it('shows each member’s standing and sign-in methods, and pages forward and back with the cursor', async () => {
    await open();
    http.expectOne(isList((r) => r.params.get('limit') === '50' && !r.params.has('cursor') && !r.params.has('sort'))).flush({
      items: [aMember(1, { status: 'compliant', deadline: null, factors: ['passkey', 'totp'] }), aMember(2, { status: 'overdue' })],
      nextCursor: 'c2',
    });
    await settle(fixture);
    const rows = root.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('Compliant');
    expect(rows[0]?.textContent).toContain('Passkey');
    expect(rows[0]?.textContent).toContain('Authenticator app');
    expect(rows[1]?.textContent).toContain('Overdue');
    expect(rows[1]?.textContent).toContain('since');
    expect(root.querySelector('a.username')?.getAttribute('href')).toBe(`/members/${aMember(1).id}`);
    expect(root.textContent).toContain('Members 1–2.');

    click(root, 'button', 'Next');
    http.expectOne(isList((r) => r.params.get('cursor') === 'c2')).flush({ items: [aMember(3)], nextCursor: null });
    await settle(fixture);
    expect(root.textContent).toContain('Page 2');
    expect(root.textContent).toContain('Members 51–51 of 51.');
    click(root, 'button', 'Previous');
    http.expectOne(isList((r) => !r.params.has('cursor'))).flush({ items: [aMember(1)], nextCursor: 'c2' });
    await settle(fixture);
    expect(root.textContent).toContain('Page 1');
  });

  it('filters by status, sign-in method, group and text, sorts by column, and clears the filters', async () => {
    await open();
    http.expectOne(isList()).flush({ items: [aMember(1)], nextCursor: null });
    await settle(fixture);

    typeInto(root, '#member-status', 'overdue');
    http.expectOne(isList((r) => r.params.get('status') === 'overdue')).flush({ items: [], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('tbody')?.textContent).toContain('No member matches these filters.');

    typeInto(root, '#member-factor', 'none');
    http.expectOne(isList((r) => r.params.get('status') === 'overdue' && r.params.get('factor') === 'none')).flush({ items: [], nextCursor: null });
    typeInto(root, '#member-group', 'g-1');
    http.expectOne(isList((r) => r.params.get('groupId') === 'g-1')).flush({ items: [], nextCursor: null });
    typeInto(root, '#member-q', '  ann ');
    submit(root, 'form');
    http.expectOne(isList((r) => r.params.get('q') === 'ann' && r.params.get('groupId') === 'g-1')).flush({ items: [aMember(7, { username: 'ann' })], nextCursor: null });
    await settle(fixture);

    click(root, 'th button', 'First seen');
    http.expectOne(isList((r) => r.params.get('sort') === 'firstSeenAt')).flush({ items: [aMember(7)], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('th[aria-sort="ascending"]')?.textContent).toContain('First seen');
    click(root, 'th button', 'First seen');
    http.expectOne(isList((r) => r.params.get('sort') === '-firstSeenAt')).flush({ items: [aMember(7)], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('th[aria-sort="descending"]')?.textContent).toContain('First seen');

    click(root, 'button', 'Clear filters');
    http.expectOne(isList((r) => r.params.keys().join() === 'limit')).flush({ items: [aMember(1)], nextCursor: null });
    await settle(fixture);
  });

  it('acts on a selection: reset MFA after confirming', async () => {
    await open();
    http.expectOne(isList()).flush({ items: [aMember(1), aMember(2), aMember(3)], nextCursor: null });
    await settle(fixture);
    const boxes = root.querySelectorAll<HTMLInputElement>('tbody input[type="checkbox"]');
    boxes[0]?.click();
    boxes[2]?.click();
    await settle(fixture);
    expect(root.querySelector('.bulk')?.textContent).toContain('2 selected');
    const remind = Array.from(root.querySelectorAll<HTMLButtonElement>('.bulk button')).find((b) => b.textContent?.includes('Send reminder'));
    expect(remind?.disabled).toBe(false);

    click(root, '.bulk button', 'Reset MFA');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Reset MFA of 2 members?');
    expect(dialog.textContent).toContain('member1, member3');
    click(dialog, 'button', 'Reset MFA');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/members/bulk/reset-mfa' });
    expect(req.request.body).toEqual({ memberIds: [aMember(1).id, aMember(3).id] });
    req.flush({ done: 2, notFound: [] });
    await settle(fixture);
    http.expectOne(isList()).flush({ items: [aMember(1)], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('[role="status"]')?.textContent).toContain('MFA reset for 2 members');
    expect(root.querySelector('.bulk')).toBeNull();
  });

  it('exempts a selection with a reason and an end date', async () => {
    await open();
    http.expectOne(isList()).flush({ items: [aMember(1), aMember(2)], nextCursor: null });
    await settle(fixture);
    (root.querySelector('thead input[type="checkbox"]') as HTMLInputElement).click();
    await settle(fixture);
    click(root, '.bulk button', 'Exempt');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Exempt 2 members');
    submit(dialog, 'form');
    await settle(fixture);
    expect(dialog.textContent).toContain('Say why');
    typeInto(dialog, '#bulk-exempt-reason', 'Travelling');
    typeInto(dialog, '#bulk-exempt-policy', aPolicy().id);
    typeInto(dialog, '#bulk-exempt-expires', '2099-12-31');
    submit(dialog, 'form');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/members/bulk/exempt' });
    expect(req.request.body).toMatchObject({ memberIds: [aMember(1).id, aMember(2).id], policyId: aPolicy().id, reason: 'Travelling', expiresAt: expect.stringMatching(/^2099-12-3/) });
    req.flush({ done: 2, notFound: [] });
    await settle(fixture);
    http.expectOne(isList()).flush({ items: [aMember(1, { status: 'exempt' })], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('[role="status"]')?.textContent).toContain('2 members excused from one policy.');
  });

  it('gives viewers the table without selection or actions', async () => {
    await open('viewer');
    http.expectOne(isList()).flush({ items: [aMember(1)], nextCursor: null });
    await settle(fixture);
    expect(root.querySelectorAll('input[type="checkbox"][aria-label^="Select"]')).toHaveLength(0);
  });
  it('sends reminders to a selection after confirming, and says who was skipped and why', async () => {
    await open();
    http.expectOne(isList()).flush({ items: [aMember(1), aMember(2)], nextCursor: null });
    await settle(fixture);
    const boxes = root.querySelectorAll<HTMLInputElement>('tbody input[type="checkbox"]');
    boxes[0]?.click();
    boxes[1]?.click();
    await settle(fixture);
    click(root, '.bulk button', 'Send reminder');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Send a reminder to 2 members?');
    click(dialog, 'button', 'Send reminders');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/reminders' });
    expect(req.request.body).toEqual({ memberIds: [aMember(1).id, aMember(2).id] });
    req.flush({ results: [{ memberId: aMember(1).id, status: 'sent', reason: null }, { memberId: aMember(2).id, status: 'skipped', reason: 'no_email' }] });
    await settle(fixture);
    expect(root.querySelector('.alert-success')?.textContent).toContain('1 reminder sent. 1 skipped (no e-mail address).');
  });
});
