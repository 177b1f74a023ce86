import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { SessionStore } from '../../core/session-store';
import { aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { MfaPage } from './mfa-page';

@Component({ template: '<p>inside</p>' })
class Inside {}

describe('MfaPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter(
          [
            { path: 'mfa', component: MfaPage },
            { path: 'login', component: Inside },
            { path: 'servers', component: Inside },
            { path: '', component: Inside },
          ],
          withComponentInputBinding(),
        ),
        provideHttpClient(),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http.verify());

  async function open(url: string, mfa: 'required' | 'enrol_required'): Promise<HTMLElement> {
    TestBed.inject(SessionStore).set({ ...aSession, mfa });
    await harness.navigateByUrl(url);
    await settle(harness.fixture);
    return harness.routeNativeElement as HTMLElement;
  }

  it('a new owner sets up an authenticator app, then enters the console', async () => {
    const root = await open('/mfa?next=%2Fservers', 'enrol_required');
    expect(root.querySelector('h1')?.textContent).toContain('Protect your account');
    click(root, 'button', 'Use an authenticator app');
    http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/totp' }).flush({
      factorId: 'f-1',
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      otpauthUri: 'otpauth://totp/Latchkey:owner?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      qrCodeSvg: 'data:image/svg+xml;base64,PHN2Zy8+',
      issuer: 'Latchkey',
      accountName: 'owner@example.com',
    });
    await settle(harness.fixture);
    expect(root.querySelector('[data-testid="totp-secret"]')?.textContent).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(root.querySelector('#mfa-code')?.getAttribute('autocomplete')).toBe('one-time-code');
    typeInto(root, '#mfa-code', '123456');
    submit(root);
    const confirm = http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/totp/f-1/confirm' });
    expect(confirm.request.body).toEqual({ code: '123456' });
    confirm.flush({ ...aSession, mfa: 'verified', csrfToken: 'renewed' });
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/servers');
    expect(TestBed.inject(SessionStore).csrfToken()).toBe('renewed');
  });

  it('a returning admin answers the challenge with a code; a wrong code shows the API message', async () => {
    const root = await open('/mfa', 'required');
    http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/challenge' }).flush({ id: 'c-1', purpose: 'admin_sign_in', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: '2026-01-01T10:10:00.000Z' });
    await settle(harness.fixture);
    typeInto(root, '#mfa-code', '000000');
    submit(root);
    http
      .expectOne({ method: 'POST', url: '/api/v1/admin/mfa/challenge/c-1/verify' })
      .flush({ error: { code: 'verification_failed', message: 'That did not work.' } }, { status: 400, statusText: 'Bad Request' });
    await settle(harness.fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('That did not work.');

    click(root, 'button', 'Use a recovery code');
    await settle(harness.fixture);
    typeInto(root, '#mfa-code', 'ABCDE-FGHIJ-KLMNO');
    submit(root);
    const verify = http.expectOne({ method: 'POST', url: '/api/v1/admin/mfa/challenge/c-1/verify' });
    expect(verify.request.body).toEqual({ method: 'recovery_code', code: 'ABCDE-FGHIJ-KLMNO' });
    verify.flush({ ...aSession, mfa: 'verified' });
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/');
  });
});
