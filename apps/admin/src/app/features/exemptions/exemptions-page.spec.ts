import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import { SessionStore } from '../../core/session-store';
import type { Exemption } from '../../core/api-types';
import { aMember, aPolicy, aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { ExemptionsPage, MEMBER_LOOKUP_LIMIT, MEMBER_SEARCH_LIMIT, endOfDay } from './exemptions-page';

const GRANDMA = aMember();
const BOB = aMember({ id: 'c0ffee00-0000-4000-8000-000000000002', username: 'uncle-bob', displayName: null, email: null });
const KIDS_POLICY = aPolicy({ id: '7a1e2b3c-0000-4000-8000-000000000009', name: 'Kids need MFA' });

function anExemption(overrides: Partial<Exemption> = {}): Exemption {
  return {
    id: 'e0000000-0000-4000-8000-000000000001',
    memberId: GRANDMA.id,
    policyId: null,
    reason: 'Her TV cannot show a code',
    expiresAt: null,
    createdAt: '2026-01-05T10:00:00.000Z',
    active: true,
    ...overrides,
  };
}

describe('ExemptionsPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<ExemptionsPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([csrfInterceptor])), provideHttpClientTesting()],
    });
    TestBed.inject(SessionStore).set(aSession);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ExemptionsPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function load(items: Exemption[]): Promise<void> {
    http.expectOne({ method: 'GET', url: '/api/v1/exemptions' }).flush({ items });
    http.expectOne({ method: 'GET', url: '/api/v1/policies' }).flush({ items: [KIDS_POLICY] });
    const members = http.expectOne((r) => r.method === 'GET' && r.url === '/api/v1/members');
    expect(members.request.params.get('limit')).toBe(String(MEMBER_LOOKUP_LIMIT));
    members.flush({ items: [GRANDMA], nextCursor: null });
    await settle(fixture);
  }

  /** Opens the form, finds "bob" and picks him. */
  async function pickBob(): Promise<void> {
    click(root, 'button', 'Excuse a member');
    await settle(fixture);
    typeInto(root, '#exemption-member-q', 'bob');
    click(root, 'button', 'Find');
    const req = http.expectOne((r) => r.method === 'GET' && r.url === '/api/v1/members');
    expect(req.request.params.get('q')).toBe('bob');
    expect(req.request.params.get('limit')).toBe(String(MEMBER_SEARCH_LIMIT));
    req.flush({ items: [BOB], nextCursor: null });
    await settle(fixture);
    click(root, '.results button', 'Choose');
    await settle(fixture);
  }

  it('lists exemptions with member, policy or "All policies", reason and expiry', async () => {
    await load([
      anExemption(),
      anExemption({
        id: 'e0000000-0000-4000-8000-000000000002',
        memberId: 'c0ffee00-0000-4000-8000-00000000ffff',
        policyId: KIDS_POLICY.id,
        reason: 'Travelling',
        expiresAt: '2026-04-01T21:59:59.999Z',
      }),
    ]);
    const rows = Array.from(root.querySelectorAll('tbody tr')).map((r) => r.textContent ?? '');
    expect(rows[0]).toContain('grandma');
    expect(rows[0]).toContain('All policies');
    expect(rows[0]).toContain('Her TV cannot show a code');
    expect(rows[0]).toContain('Never');
    expect(rows[1]).toContain('Member c0ffee00');
    expect(rows[1]).toContain('Kids need MFA');
    expect(rows[1]).toContain('2026');
  });

  it('requires a member and a reason before sending', async () => {
    await load([]);
    click(root, 'button', 'Excuse a member');
    await settle(fixture);
    typeInto(root, '#exemption-reason', '   ');
    await settle(fixture);
    submit(root, 'form');
    await settle(fixture);
    http.expectNone({ method: 'POST' });
    expect(root.querySelector('#exemption-member-error')?.textContent).toContain('choose them');
    expect(root.querySelector('#exemption-reason-error')?.textContent).toContain('Say why');
  });

  it('requires a reason even with a member chosen', async () => {
    await load([]);
    await pickBob();
    expect(root.querySelector('.chosen')?.textContent).toContain('uncle-bob');
    submit(root, 'form');
    await settle(fixture);
    http.expectNone({ method: 'POST' });
    expect(root.querySelector('#exemption-reason-error')?.textContent).toContain('Say why');
    expect(root.querySelector('#exemption-member-error')).toBeNull();
  });

  it('excuses a member from all policies with a null policyId', async () => {
    await load([]);
    await pickBob();
    typeInto(root, '#exemption-reason', ' Only watches on the old Roku ');
    await settle(fixture);
    submit(root, 'form');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/exemptions' });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    expect(req.request.body).toEqual({ memberId: BOB.id, policyId: null, reason: 'Only watches on the old Roku', expiresAt: null });
    req.flush(anExemption({ memberId: BOB.id, reason: 'Only watches on the old Roku' }), { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect(root.querySelector('tbody')?.textContent).toContain('uncle-bob');
    expect(root.querySelector('[role="status"]')?.textContent).toContain('uncle-bob is excused from all policies');
    expect(root.querySelector('#exemption-reason')).toBeNull();
  });

  it('excuses a member from one policy until a date', async () => {
    await load([]);
    await pickBob();
    typeInto(root, '#exemption-policy', KIDS_POLICY.id);
    typeInto(root, '#exemption-expires', '2099-12-31');
    typeInto(root, '#exemption-reason', 'Abroad');
    await settle(fixture);
    submit(root, 'form');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/exemptions' });
    expect(req.request.body).toEqual({ memberId: BOB.id, policyId: KIDS_POLICY.id, reason: 'Abroad', expiresAt: endOfDay('2099-12-31') });
    req.flush(
      { error: { code: 'validation_failed', message: 'The request is not valid.', details: { issues: [{ path: 'reason', message: 'Too short' }] } } },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(root.querySelector('#exemption-reason-error')?.textContent).toContain('Too short');
  });

  it('revokes an exemption after confirmation', async () => {
    await load([anExemption()]);
    click(root, 'tbody button', 'Revoke');
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(true);
    expect(root.querySelector('dialog')?.textContent).toContain('grandma');
    click(root, 'dialog button', 'Revoke');
    const req = http.expectOne({ method: 'DELETE', url: `/api/v1/exemptions/${anExemption().id}` });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(false);
    expect(root.querySelector('tbody')?.textContent).toContain('Nobody is excused');
  });

  it('turns a chosen day into the end of that day', async () => {
    await load([]);
    const iso = endOfDay('2026-05-04');
    const d = new Date(iso);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2026, 4, 4, 23, 59]);
  });
});
