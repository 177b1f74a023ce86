import { Location } from '@angular/common';
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { ErrorBody } from '../../core/api-types';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import { SessionStore } from '../../core/session-store';
import { aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { SetupPage, setupTokenFromFragment } from './setup-page';

@Component({ template: '<p>dashboard</p>' })
class Dashboard {}

const TOKEN = 'setup-token-XYZ-1234567890';

describe('setupTokenFromFragment', () => {
  it('reads the token from the fragment', () => {
    expect(setupTokenFromFragment(`token=${TOKEN}`)).toBe(TOKEN);
    expect(setupTokenFromFragment(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(setupTokenFromFragment(`foo=1&token=${TOKEN}`)).toBe(TOKEN);
  });

  it('gives null when there is no token', () => {
    expect(setupTokenFromFragment(null)).toBeNull();
    expect(setupTokenFromFragment('')).toBeNull();
    expect(setupTokenFromFragment('token=')).toBeNull();
    expect(setupTokenFromFragment('other=1')).toBeNull();
  });
});

describe('SetupPage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'setup', component: SetupPage },
          { path: 'login', component: Dashboard },
          { path: '', component: Dashboard },
        ]),
        provideHttpClient(withInterceptors([csrfInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http.verify());

  async function open(url: string, ownerExists = false): Promise<HTMLElement> {
    await harness.navigateByUrl(url);
    http.expectOne({ method: 'GET', url: '/api/v1/admin/setup' }).flush({ ownerExists });
    await settle(harness.fixture);
    return harness.routeNativeElement as HTMLElement;
  }

  /** Opens the setup link, fills in the form (passwords match unless told otherwise) and submits it. */
  async function submitForm(password = 'correct horse battery', confirm = password): Promise<HTMLElement> {
    const root = await open(`/setup#token=${TOKEN}`);
    typeInto(root, '#setup-email', 'owner@example.com');
    typeInto(root, '#setup-name', 'Olivia Owner');
    typeInto(root, '#setup-password', password);
    typeInto(root, '#setup-confirm', confirm);
    await settle(harness.fixture);
    submit(root);
    return root;
  }

  /** The API turns the setup request down with this error. */
  async function refuse(status: number, statusText: string, error: ErrorBody['error']): Promise<void> {
    http.expectOne({ method: 'POST', url: '/api/v1/admin/setup' }).flush({ error }, { status, statusText });
    await settle(harness.fixture);
  }

  it('shows the form when the link carries a token and there is no owner yet', async () => {
    const root = await open(`/setup#token=${TOKEN}`);
    expect(root.querySelector('#setup-email')).not.toBeNull();
    expect(root.querySelector('#setup-password')?.getAttribute('autocomplete')).toBe('new-password');
  });

  it('explains that the setup link is needed when the URL has no token', async () => {
    const root = await open('/setup');
    expect(root.textContent).toContain('This page needs the setup link');
    expect(root.querySelector('form')).toBeNull();
  });

  it('says setup is done, with a way to sign in, when an owner exists', async () => {
    const root = await open(`/setup#token=${TOKEN}`, true);
    expect(root.textContent).toContain('Setup is already done');
    expect(root.querySelector('a[href="/login"]')).not.toBeNull();
  });

  it('does not send mismatched passwords', async () => {
    const root = await submitForm('correct horse battery', 'correct horse battery staple');
    await settle(harness.fixture);
    expect(root.querySelector('#setup-confirm-error')?.textContent).toContain('do not match');
    expect(root.querySelector('#setup-confirm')?.getAttribute('aria-invalid')).toBe('true');
    http.expectNone('/api/v1/admin/setup');
  });

  it('asks for at least 12 characters', async () => {
    const root = await submitForm('short');
    await settle(harness.fixture);
    expect(root.querySelector('#setup-password-error')?.textContent).toContain('at least 12 characters');
    http.expectNone('/api/v1/admin/setup');
  });

  it('creates the owner with the token from the fragment, keeps the session and opens the dashboard', async () => {
    await submitForm();
    const req = http.expectOne({ method: 'POST', url: '/api/v1/admin/setup' });
    expect(req.request.body).toEqual({
      token: TOKEN,
      email: 'owner@example.com',
      displayName: 'Olivia Owner',
      password: 'correct horse battery',
    });
    req.flush(aSession, { status: 201, statusText: 'Created' });
    await settle(harness.fixture);
    expect(TestBed.inject(SessionStore).csrfToken()).toBe(aSession.csrfToken);
    expect(TestBed.inject(Router).url).toBe('/');
  });

  it("shows the API's message and puts field issues next to their fields", async () => {
    const root = await submitForm();
    await refuse(400, 'Bad Request', {
      code: 'validation_failed',
      message: 'The request is not valid.',
      details: { issues: [{ path: 'email', message: 'This address is not accepted.' }] },
    });
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('The request is not valid.');
    expect(root.querySelector('#setup-email-error')?.textContent).toContain('This address is not accepted.');
    expect(TestBed.inject(Router).url).toMatch(/^\/setup/);
  });

  it('removes the one-time token from the address bar once it has read it', async () => {
    await open(`/setup#token=${TOKEN}`);
    expect(TestBed.inject(Location).path(true)).toBe('/setup');
  });

  it('explains an invalid or used token', async () => {
    const root = await submitForm();
    await refuse(400, 'Bad Request', {
      code: 'setup_token_invalid',
      message: 'This setup link is invalid, expired or already used.',
    });
    expect(root.textContent).toContain('This setup link does not work.');
    expect(root.textContent).toContain('This setup link is invalid, expired or already used.');
    expect(root.querySelector('form')).toBeNull();
  });

  it('switches to "already done" when someone finished setup meanwhile', async () => {
    const root = await submitForm();
    await refuse(409, 'Conflict', { code: 'setup_already_done', message: 'Latchkey already has an owner account.' });
    expect(root.textContent).toContain('Setup is already done');
    click(root, 'a', 'Sign in');
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/login');
  });
});
