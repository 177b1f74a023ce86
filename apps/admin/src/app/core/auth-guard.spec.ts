import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { aSession, microtasks, settle } from '../../testing/test-helpers';
import { authGuard } from './auth-guard';
import { SessionStore } from './session-store';

@Component({ template: '<p>servers</p>' })
class Protected {}

@Component({ template: '<p>login</p>' })
class Login {}

describe('authGuard', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;
  let router: Router;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'login', component: Login },
          { path: '', canActivate: [authGuard], children: [{ path: 'servers', component: Protected }] },
        ]),
        provideHttpClient(),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http.verify());

  it('sends visitors without a session to the sign-in page, remembering where they were going', async () => {
    const navigation = harness.navigateByUrl('/servers');
    await microtasks();
    http
      .expectOne({ method: 'GET', url: '/api/v1/admin/session' })
      .flush({ error: { code: 'unauthenticated', message: 'Sign in.' } }, { status: 401, statusText: 'Unauthorized' });
    await navigation;
    await settle(harness.fixture);
    expect(router.url).toBe('/login?next=%2Fservers');
    expect(harness.routeNativeElement?.textContent).toContain('login');
  });

  it('lets a signed-in owner through and keeps the session', async () => {
    const navigation = harness.navigateByUrl('/servers');
    await microtasks();
    http.expectOne({ method: 'GET', url: '/api/v1/admin/session' }).flush(aSession);
    await navigation;
    expect(router.url).toBe('/servers');
    expect(TestBed.inject(SessionStore).admin()?.email).toBe(aSession.admin.email);
  });

  it('does not ask the API again once the session is known', async () => {
    TestBed.inject(SessionStore).set(aSession);
    await harness.navigateByUrl('/servers');
    http.expectNone('/api/v1/admin/session');
    expect(router.url).toBe('/servers');
  });
});
