import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ReauthDialog } from '../shared/ui/reauth-dialog';
import { aPolicy, aSession, click, settle, submit, typeInto } from '../../testing/test-helpers';
import { AdminApi } from './admin-api';
import { toApiProblem } from './api-error';
import { csrfInterceptor } from './csrf-interceptor';
import { reauthInterceptor } from './reauth';
import { SessionStore } from './session-store';

const REAUTH = { error: { code: 'reauth_required', message: 'Confirm it is you with your second factor again before changing security settings.', details: { reauthMinutes: 10 } } };
const CHALLENGE = { id: 'c-9', purpose: 'admin_sign_in', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: '2026-01-01T10:10:00.000Z' };

describe('re-authentication before security changes', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<ReauthDialog>;
  let root: HTMLElement;
  let api: AdminApi;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(withInterceptors([reauthInterceptor, csrfInterceptor])), provideHttpClientTesting()] });
    TestBed.inject(SessionStore).set(aSession);
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(AdminApi);
    fixture = TestBed.createComponent(ReauthDialog);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const refuse = () => http.expectOne({ method: 'PATCH', url: `/api/v1/policies/${aPolicy().id}` }).flush(REAUTH, { status: 403, statusText: 'Forbidden' });

  it('asks for the second factor, renews the session and sends the change again with the new CSRF token', async () => {
    const saved = api.updatePolicy(aPolicy().id, { gracePeriodDays: 7 });
    const other = api.updatePolicy(aPolicy().id, { gracePeriodDays: 7 });
    for (const r of http.match({ method: 'PATCH', url: `/api/v1/policies/${aPolicy().id}` })) r.flush(REAUTH, { status: 403, statusText: 'Forbidden' });
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('Confirm it is you');
    // Two refused requests, one dialog and one challenge.
    http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/challenge' }).flush(CHALLENGE);
    await settle(fixture);
    expect(dialog.querySelector('#reauth-code')?.getAttribute('autocomplete')).toBe('one-time-code');
    typeInto(dialog, '#reauth-code', '123456');
    submit(dialog, 'form');
    const verify = http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/challenge/c-9/verify' });
    expect(verify.request.body).toEqual({ method: 'totp', code: '123456' });
    verify.flush({ ...aSession, csrfToken: 'renewed' });
    await settle(fixture);
    const retried = http.match({ method: 'PATCH', url: `/api/v1/policies/${aPolicy().id}` });
    expect(retried.map((r) => r.request.headers.get('X-CSRF-Token'))).toEqual(['renewed', 'renewed']);
    for (const r of retried) r.flush(aPolicy({ gracePeriodDays: 7 }));
    await expect(saved).resolves.toMatchObject({ gracePeriodDays: 7 });
    await expect(other).resolves.toMatchObject({ gracePeriodDays: 7 });
    expect(root.querySelector('dialog[open]')).toBeNull();
  });

  it('a wrong code keeps the dialog open; cancelling fails the change with reauth_required', async () => {
    const saved = api.updatePolicy(aPolicy().id, { gracePeriodDays: 7 }).catch((e: unknown) => toApiProblem(e));
    refuse();
    await settle(fixture);
    http.expectOne('/api/v1/admin/mfa/challenge').flush(CHALLENGE);
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    typeInto(dialog, '#reauth-code', '000000');
    submit(dialog, 'form');
    http.expectOne('/api/v1/admin/mfa/challenge/c-9/verify').flush({ error: { code: 'verification_failed', message: 'That did not work.' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(dialog.textContent).toContain('That did not work.');
    click(dialog, 'button', 'Cancel');
    await settle(fixture);
    await expect(saved).resolves.toMatchObject({ code: 'reauth_required' });
    expect(root.querySelector('dialog[open]')).toBeNull();
  });
});
