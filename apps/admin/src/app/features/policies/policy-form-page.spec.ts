import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ActivatedRoute, Router, convertToParamMap, provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import { SessionStore } from '../../core/session-store';
import type { PolicyPreview } from '../../core/api-types';
import { aPolicy, aSession, anEntry, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { PolicyFormPage, cidrLines } from './policy-form-page';

const FAMILY = anEntry('9a000000-0000-4000-8000-000000000001', 'Family', 3);
const KIDS = anEntry('9a000000-0000-4000-8000-000000000002', 'Kids', 1);
const HOME_VIDEOS = anEntry('9b000000-0000-4000-8000-000000000001', 'Home videos');

const PREVIEW: PolicyPreview = {
  total: 10,
  compliant: 2,
  inGrace: 5,
  inGraceByWeek: [
    { weekStart: '2026-03-02', count: 4 },
    { weekStart: '2026-03-09', count: 1 },
  ],
  blockedNow: 1,
  exempt: 1,
  notInScope: 1,
  lists: {
    compliant: [],
    inGrace: [],
    blockedNow: [{ id: 'd0000000-0000-4000-8000-000000000001', username: 'uncle-bob', recentClients: ['Jellyfin Android TV', 'Infuse'] }],
    exempt: [],
  },
};

describe('PolicyFormPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<PolicyFormPage>;
  let root: HTMLElement;
  let navigate: jest.SpyInstance;

  async function setUp(policyId: string | null): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([csrfInterceptor])),
        provideHttpClientTesting(),
        { provide: ActivatedRoute, useValue: { snapshot: { paramMap: convertToParamMap(policyId ? { policyId } : {}) } } },
      ],
    });
    TestBed.inject(SessionStore).set(aSession);
    navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(PolicyFormPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/v1/groups' }).flush({ items: [FAMILY, KIDS] });
    http.expectOne({ method: 'GET', url: '/api/v1/libraries' }).flush({ items: [HOME_VIDEOS] });
  }

  afterEach(() => http.verify());

  function check(label: string): void {
    const input = Array.from(root.querySelectorAll('label')).find((l) => l.textContent?.includes(label))?.querySelector('input');
    if (!input) throw new Error(`No option labelled ${label}`);
    input.click();
  }

  const badRequest = (issues: { path: string; message: string }[]) => [
    { error: { code: 'validation_failed', message: 'The request is not valid.', details: { issues } } },
    { status: 400, statusText: 'Bad Request' },
  ] as const;

  describe('new policy', () => {
    beforeEach(async () => {
      await setUp(null);
      await settle(fixture);
    });

    it('shows the groups with member counts and the library help', () => {
      expect(root.querySelector('ul[aria-label="Groups"]')).toBeNull();
      check('Only members of chosen groups');
      fixture.detectChanges();
      const groups = root.querySelector('ul[aria-label="Groups"]')?.textContent ?? '';
      expect(groups).toContain('Family');
      expect(groups).toContain('3 members');
      expect(groups).toContain('1 member');
      expect(root.textContent).toContain('A library policy asks for MFA only when someone opens that library');
      expect(root.textContent).toContain('only believed from your trusted proxies');
    });

    it('creates a policy for the chosen groups and enables it now', async () => {
      typeInto(root, '#policy-name', '  Family must use MFA ');
      check('Only members of chosen groups');
      await settle(fixture);
      check('Kids');
      check('Family');
      check('Home videos');
      typeInto(root, '#policy-grace', '7');
      check('Passkeys only');
      check('Count e-mail codes');
      check('Only block the chosen');
      typeInto(root, '#policy-cidrs', '192.168.1.0/24\n\n  10.0.0.0/8 \n');
      check('Enable now');
      await settle(fixture);
      submit(root, 'form');

      const req = http.expectOne({ method: 'POST', url: '/api/v1/policies' });
      expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
      expect(req.request.body).toEqual({
        name: 'Family must use MFA',
        groups: [FAMILY.id, KIDS.id],
        libraries: [HOME_VIDEOS.id],
        gracePeriodDays: 7,
        accepted: 'phishing_resistant',
        allowEmail: false,
        enforcement: 'restrict',
        allowAppPasswords: true,
        reverifyAfterHours: null,
        bypassCidrs: ['192.168.1.0/24', '10.0.0.0/8'],
        enabled: true,
      });
      req.flush(aPolicy({ name: 'Family must use MFA' }), { status: 201, statusText: 'Created' });
      await settle(fixture);
      expect(navigate).toHaveBeenCalledWith(['/policies'], { state: { saved: 'Family must use MFA' } });
    });

    it('sends the defaults for everyone, not enabled', async () => {
      typeInto(root, '#policy-name', 'Everyone');
      await settle(fixture);
      submit(root, 'form');
      expect(http.expectOne({ method: 'POST', url: '/api/v1/policies' }).request.body).toEqual({
        name: 'Everyone',
        groups: [],
        libraries: [],
        gracePeriodDays: 14,
        accepted: 'any',
        allowEmail: true,
        enforcement: 'block',
        allowAppPasswords: true,
        reverifyAfterHours: null,
        bypassCidrs: [],
        enabled: false,
      });
    });

    it('checks the name, the grace period and the groups before sending', async () => {
      typeInto(root, '#policy-grace', '400');
      check('Only members of chosen groups');
      await settle(fixture);
      submit(root, 'form');
      await settle(fixture);
      http.expectNone({ method: 'POST' });
      expect(root.querySelector('#policy-name-error')?.textContent).toContain('Give the policy a name');
      expect(root.querySelector('#policy-grace-error')?.textContent).toContain('0 to 365');
      expect(root.querySelector('#policy-groups-error')?.textContent).toContain('Choose at least one group');
    });

    it('shows field errors from the API next to the fields', async () => {
      typeInto(root, '#policy-name', 'Family');
      typeInto(root, '#policy-cidrs', '192.168.1.0/24\nlocalhost');
      await settle(fixture);
      submit(root, 'form');
      http
        .expectOne({ method: 'POST', url: '/api/v1/policies' })
        .flush(
          ...badRequest([
            { path: 'name', message: 'A policy with this name exists.' },
            { path: 'bypassCidrs.1', message: 'must be an IP address or CIDR range' },
          ]),
        );
      await settle(fixture);
      expect(root.querySelector('[role="alert"]')?.textContent).toContain('The request is not valid.');
      expect(root.querySelector('#policy-name-error')?.textContent).toContain('A policy with this name exists.');
      expect(root.querySelector('#policy-cidrs-error')?.textContent).toContain('Line 2: must be an IP address');
      expect(root.querySelector('#policy-cidrs')?.getAttribute('aria-invalid')).toBe('true');
      expect(navigate).not.toHaveBeenCalled();
    });

    it('previews the draft: counts, bars by deadline week and the blocked members with their apps', async () => {
      check('Only members of chosen groups');
      await settle(fixture);
      check('Family');
      typeInto(root, '#policy-grace', '0');
      await settle(fixture);
      click(root, 'button', 'Preview');
      const req = http.expectOne({ method: 'POST', url: '/api/v1/policies/preview' });
      expect(req.request.body).toMatchObject({ name: 'Draft', groups: [FAMILY.id], gracePeriodDays: 0 });
      req.flush(PREVIEW);
      await settle(fixture);

      const count = (name: string) => root.querySelector(`[data-count="${name}"]`)?.textContent?.trim();
      expect(count('compliant')).toBe('2');
      expect(count('inGrace')).toBe('5');
      expect(count('blockedNow')).toBe('1');
      expect(count('exempt')).toBe('1');
      expect(count('notInScope')).toBe('1');

      const weeks = Array.from(root.querySelectorAll<HTMLElement>('.weeks li'));
      expect(weeks).toHaveLength(2);
      expect(weeks[0].textContent).toContain('2 Mar');
      expect(weeks[0].querySelector<HTMLElement>('.bar')?.style.width).toBe('100%');
      expect(weeks[1].textContent).toContain('9 Mar');
      expect(weeks[1].querySelector<HTMLElement>('.bar')?.style.width).toBe('25%');

      const blocked = root.querySelector('.blocked-list')?.textContent ?? '';
      expect(blocked).toContain('uncle-bob');
      expect(blocked).toContain('Jellyfin Android TV, Infuse');
      expect(root.textContent).toContain('will need pairing or an app password');
      expect(root.querySelector('.stale')).toBeNull();

      typeInto(root, '#policy-grace', '30');
      await settle(fixture);
      expect(root.querySelector('.stale')?.textContent).toContain('changed since this preview');
    });
  });

  it('edits an existing policy with PATCH, keeping its re-verification setting out of the body', async () => {
    const existing = aPolicy({
      name: 'Kids',
      groups: [KIDS.id],
      enabled: true,
      activatedAt: '2026-02-03T10:00:00.000Z',
      reverifyAfterHours: 72,
      bypassCidrs: ['192.168.1.0/24'],
    });
    await setUp(existing.id);
    http.expectOne({ method: 'GET', url: `/api/v1/policies/${existing.id}` }).flush(existing);
    await settle(fixture);
    expect(root.querySelector('h1')?.textContent).toContain('Edit policy');
    expect(root.textContent).toContain('3 Feb 2026');
    expect(root.querySelector<HTMLInputElement>('#policy-name')?.value).toBe('Kids');
    expect(root.querySelector<HTMLTextAreaElement>('#policy-cidrs')?.value).toBe('192.168.1.0/24');
    expect(root.textContent).not.toContain('Enable now');

    typeInto(root, '#policy-grace', '21');
    await settle(fixture);
    submit(root, 'form');
    const req = http.expectOne({ method: 'PATCH', url: `/api/v1/policies/${existing.id}` });
    expect(req.request.body).toEqual({
      name: 'Kids',
      groups: [KIDS.id],
      libraries: [],
      gracePeriodDays: 21,
      accepted: 'any',
      allowEmail: true,
      enforcement: 'block',
      allowAppPasswords: true,
      bypassCidrs: ['192.168.1.0/24'],
    });
    req.flush({ ...existing, gracePeriodDays: 21 });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/policies'], { state: { saved: 'Kids' } });
  });

  it('splits LAN addresses one per line', () => {
    expect(cidrLines(' 10.0.0.0/8 \r\n\n192.168.1.5\n')).toEqual(['10.0.0.0/8', '192.168.1.5']);
  });
});
