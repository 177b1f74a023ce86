import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Location } from '@angular/common';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { SessionStore } from '../../core/session-store';
import { aSession, settle, submit, typeInto } from '../../../testing/test-helpers';
import { AcceptInvitePage } from './accept-invite-page';

@Component({ template: '<p>console</p>' })
class Console {}

describe('AcceptInvitePage', () => {
  let http: HttpTestingController;
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideRouter([{ path: 'invite', component: AcceptInvitePage }, { path: '', component: Console }, { path: 'login', component: Console }]), provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http.verify());

  async function open(url: string): Promise<HTMLElement> {
    await harness.navigateByUrl(url);
    await settle(harness.fixture);
    return harness.routeNativeElement as HTMLElement;
  }

  function fill(root: HTMLElement): void {
    typeInto(root, '#invite-name', 'Vic Viewer');
    typeInto(root, '#invite-password', 'a long enough password');
    typeInto(root, '#invite-confirm', 'a long enough password');
  }

  it('creates the account from the link, forgets the token and goes on to the second factor', async () => {
    const root = await open('/invite#token=tok-123456789');
    expect(TestBed.inject(Location).path(true)).toBe('/invite');
    typeInto(root, '#invite-confirm', 'different');
    submit(root);
    await settle(harness.fixture);
    expect(root.textContent).toContain('Enter the name to show in the console.');
    fill(root);
    submit(root);
    const req = http.expectOne({ method: 'POST', url: '/api/v1/admin/invites/accept' });
    expect(req.request.body).toEqual({ token: 'tok-123456789', displayName: 'Vic Viewer', password: 'a long enough password' });
    req.flush({ ...aSession, mfa: 'enrol_required', admin: { ...aSession.admin, role: 'viewer' } });
    await settle(harness.fixture);
    expect(TestBed.inject(SessionStore).session()?.mfa).toBe('enrol_required');
    expect(TestBed.inject(Router).url).toBe('/');
  });

  it('says when the link is used, expired or revoked', async () => {
    const root = await open('/invite#token=tok-123456789');
    fill(root);
    submit(root);
    http.expectOne('/api/v1/admin/invites/accept').flush({ error: { code: 'invite_invalid', message: 'This invitation link is invalid, expired or already used.' } }, { status: 400, statusText: 'Bad Request' });
    await settle(harness.fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('This invitation does not work.');
  });

  it('asks for the exact link when the address has no token', async () => {
    const root = await open('/invite');
    expect(root.textContent).toContain('This page needs your invitation link.');
    expect(root.querySelector('form')).toBeNull();
  });
});
