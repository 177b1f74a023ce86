import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import { SessionStore } from '../../core/session-store';
import type { Policy } from '../../core/api-types';
import { aPolicy, aSession, anEntry, click, settle } from '../../../testing/test-helpers';
import { PoliciesPage } from './policies-page';

const FAMILY = anEntry('9a000000-0000-4000-8000-000000000001', 'Family', 3);
const KIDS = anEntry('9a000000-0000-4000-8000-000000000002', 'Kids', 2);
const HOME_VIDEOS = anEntry('9b000000-0000-4000-8000-000000000001', 'Home videos');

describe('PoliciesPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<PoliciesPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([csrfInterceptor])), provideHttpClientTesting()],
    });
    TestBed.inject(SessionStore).set(aSession);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(PoliciesPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function load(items: Policy[]): Promise<void> {
    http.expectOne({ method: 'GET', url: '/api/v1/policies' }).flush({ items });
    http.expectOne({ method: 'GET', url: '/api/v1/groups' }).flush({ items: [FAMILY, KIDS] });
    http.expectOne({ method: 'GET', url: '/api/v1/libraries' }).flush({ items: [HOME_VIDEOS] });
    await settle(fixture);
  }

  const rows = () => Array.from(root.querySelectorAll('tbody tr'));

  it('lists policies with scope summaries, grace, factors, enforcement and status', async () => {
    await load([
      aPolicy({ id: '7a1e2b3c-0000-4000-8000-000000000001', name: 'Everyone' }),
      aPolicy({
        id: '7a1e2b3c-0000-4000-8000-000000000002',
        name: 'Family first',
        groups: [FAMILY.id, KIDS.id],
        gracePeriodDays: 7,
        accepted: 'phishing_resistant',
        enabled: true,
        activatedAt: '2026-02-03T10:00:00.000Z',
      }),
      aPolicy({
        id: '7a1e2b3c-0000-4000-8000-000000000003',
        name: 'Private videos',
        libraries: [HOME_VIDEOS.id],
        enforcement: 'restrict',
        allowEmail: false,
        gracePeriodDays: 1,
      }),
      aPolicy({ id: '7a1e2b3c-0000-4000-8000-000000000004', name: 'Soft', enforcement: 'restrict' }),
    ]);
    const [everyone, family, videos, soft] = rows().map((r) => r.querySelectorAll('td'));
    expect(everyone[1].textContent?.trim()).toBe('Everyone');
    expect(everyone[2].textContent).toContain('14 days');
    expect(everyone[3].textContent).toContain('Any second factor');
    expect(everyone[3].textContent).toContain('e-mail codes count');
    expect(everyone[4].textContent).toContain('Block sign-in');
    expect(everyone[5].textContent).toContain('Disabled');

    expect(family[1].textContent?.trim()).toBe('Groups: Family, Kids');
    expect(family[3].textContent).toContain('Passkeys only');
    expect(family[5].textContent).toContain('Enabled');
    expect(family[5].textContent).toContain('3 Feb 2026');
    expect(family[6].textContent).toContain('Disable');

    expect(videos[1].textContent?.trim()).toBe('Library: Home videos');
    expect(videos[2].textContent).toContain('1 day');
    expect(videos[3].textContent).toContain('no e-mail codes');
    expect(videos[4].textContent).toContain('Block the chosen libraries');
    expect(soft[4].textContent).toContain('Block every library (sign-in allowed)');
  });

  it('says so when there are no policies', async () => {
    await load([]);
    expect(root.querySelector('tbody')?.textContent).toContain('No policies yet');
    expect(root.querySelector('a.btn-primary')?.textContent).toContain('New policy');
  });

  it('enables a policy only after confirmation', async () => {
    await load([aPolicy()]);
    click(root, 'tbody button', 'Enable');
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(true);
    expect(root.querySelector('dialog')?.textContent).toContain('14 days');
    http.expectNone({ method: 'POST' });

    click(root, 'dialog button', 'Enable');
    const req = http.expectOne({ method: 'POST', url: `/api/v1/policies/${aPolicy().id}/enable` });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    req.flush(aPolicy({ enabled: true, activatedAt: '2026-03-01T10:00:00.000Z' }));
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(false);
    expect(rows()[0].textContent).toContain('Enabled');
    expect(rows()[0].textContent).toContain('Disable');
    expect(root.querySelector('[role="status"]')?.textContent).toContain('is enabled');
  });

  it('disables a policy after confirmation', async () => {
    await load([aPolicy({ enabled: true, activatedAt: '2026-03-01T10:00:00.000Z' })]);
    click(root, 'tbody button', 'Disable');
    await settle(fixture);
    expect(root.querySelector('dialog')?.textContent).toContain('fresh grace period');
    click(root, 'dialog button', 'Disable');
    http
      .expectOne({ method: 'POST', url: `/api/v1/policies/${aPolicy().id}/disable` })
      .flush(aPolicy({ enabled: false, activatedAt: '2026-03-01T10:00:00.000Z' }));
    await settle(fixture);
    expect(rows()[0].textContent).toContain('Disabled');
  });

  it('deletes a policy after confirmation, and not when cancelled', async () => {
    await load([aPolicy()]);
    click(root, 'tbody button', 'Delete');
    await settle(fixture);
    click(root, 'dialog button', 'Cancel');
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(false);
    http.expectNone({ method: 'DELETE' });

    click(root, 'tbody button', 'Delete');
    await settle(fixture);
    click(root, 'dialog button', 'Delete policy');
    http.expectOne({ method: 'DELETE', url: `/api/v1/policies/${aPolicy().id}` }).flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    expect(rows()[0].textContent).toContain('No policies yet');
  });

  it('keeps the dialog open and shows the error when the action fails', async () => {
    await load([aPolicy()]);
    click(root, 'tbody button', 'Enable');
    await settle(fixture);
    click(root, 'dialog button', 'Enable');
    http
      .expectOne({ method: 'POST', url: `/api/v1/policies/${aPolicy().id}/enable` })
      .flush({ error: { code: 'policy_not_found', message: 'That policy does not exist.' } }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(true);
    expect(root.querySelector('dialog [role="alert"]')?.textContent).toContain('does not exist');
  });
});
