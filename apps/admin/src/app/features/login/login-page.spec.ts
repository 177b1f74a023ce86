import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { SessionStore } from '../../core/session-store';
import { aSession, settle, submit, typeInto } from '../../../testing/test-helpers';
import { LoginPage, safeNextUrl } from './login-page';

@Component({ template: '<p>inside</p>' })
class Inside {}

describe('safeNextUrl', () => {
  it('keeps paths inside the console and drops anything else', () => {
    expect(safeNextUrl('/members?q=ann')).toBe('/members?q=ann');
    expect(safeNextUrl(undefined)).toBe('/');
    expect(safeNextUrl('https://evil.example')).toBe('/');
    expect(safeNextUrl('//evil.example')).toBe('/');
    expect(safeNextUrl('/\\evil.example')).toBe('/');
  });
});

describe('LoginPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter(
          [
            { path: 'login', component: LoginPage },
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

  async function open(url: string): Promise<HTMLElement> {
    await harness.navigateByUrl(url);
    http.expectOne('/api/v1/admin/setup').flush({ ownerExists: true });
    await settle(harness.fixture);
    return harness.routeNativeElement as HTMLElement;
  }

  /** Signs in as the owner with this password; gives the request the page sent. */
  function signIn(root: HTMLElement, password: string): TestRequest {
    typeInto(root, '#login-email', 'owner@example.com');
    typeInto(root, '#login-password', password);
    submit(root);
    return http.expectOne({ method: 'POST', url: '/api/v1/admin/session' });
  }

  it('signs in and returns to the page the guard interrupted', async () => {
    const req = signIn(await open('/login?next=%2Fservers'), 'correct horse battery');
    expect(req.request.body).toEqual({ email: 'owner@example.com', password: 'correct horse battery' });
    req.flush(aSession);
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/servers');
    expect(TestBed.inject(SessionStore).session()).toEqual(aSession);
  });

  it('shows the API message for wrong credentials and stays on the page', async () => {
    const root = await open('/login');
    signIn(root, 'wrong').flush(
      { error: { code: 'invalid_credentials', message: 'The email address or password is not correct.' } },
      { status: 401, statusText: 'Unauthorized' },
    );
    await settle(harness.fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain(
      'The email address or password is not correct.',
    );
    expect(TestBed.inject(Router).url).toBe('/login');
    expect(root.querySelector<HTMLInputElement>('#login-password')?.value).toBe('');
  });

  it('asks for both fields before sending anything', async () => {
    const root = await open('/login');
    submit(root);
    await settle(harness.fixture);
    expect(root.querySelector('#login-email-error')?.textContent).toContain('Enter your email address.');
    expect(root.querySelector('#login-password-error')?.textContent).toContain('Enter your password.');
    http.expectNone('/api/v1/admin/session');
  });
});
