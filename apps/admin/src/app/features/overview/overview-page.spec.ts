import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import type { AdoptionSummary } from '../../core/dashboard-api';
import { SessionStore } from '../../core/session-store';
import { aServer, aSession, click, settle } from '../../../testing/test-helpers';
import { OverviewPage, TREND_DAYS, reminderText, trendPoints } from './overview-page';

const BOB = 'c0ffee00-0000-4000-8000-000000000002';
const POLICY = '7a1e2b3c-0000-4000-8000-000000000009';

function aSummary(overrides: Partial<AdoptionSummary> = {}): AdoptionSummary {
  const standing = {
    inScope: 10,
    compliant: 6,
    inGrace: 2,
    overdue: 1,
    exempt: 1,
    share: 6 / 9,
  };
  return {
    computedAt: '2026-03-01T10:00:00.000Z',
    members: 12,
    overall: standing,
    policies: [{ policyId: POLICY, name: 'Everyone', ...standing }],
    groups: [{ groupId: 'g1', name: 'Family', ...standing }],
    libraries: [{ libraryId: 'l1', name: 'Home videos', ...standing }],
    deadlines: Array.from({ length: 30 }, (_, i) => ({
      day: `2026-03-${String(i + 1).padStart(2, '0')}`,
      count: i === 13 ? 2 : 0,
    })),
    factors: { passkey: 2, totp: 4, email: 1, none: 5 },
    overdueMembers: [
      {
        memberId: BOB,
        username: 'uncle-bob',
        policyId: POLICY,
        deadline: '2026-02-20T00:00:00.000Z',
      },
    ],
    recent: { days: 7, lockouts: 3, failedVerifications: 4 },
    ...overrides,
  };
}

describe('OverviewPage (adoption dashboard)', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<OverviewPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([csrfInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    TestBed.inject(SessionStore).set(aSession);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(OverviewPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function load(summary: AdoptionSummary): Promise<void> {
    http.expectOne('/api/v1/servers').flush({ items: [aServer()] });
    http.expectOne('/api/v1/dashboard/adoption').flush(summary);
    http.expectOne(`/api/v1/dashboard/adoption-trend?days=${TREND_DAYS}`).flush({
      from: '2026-02-28',
      to: '2026-03-01',
      policies: [
        {
          policyId: POLICY,
          name: 'Everyone',
          points: [
            {
              day: '2026-02-28',
              compliant: 3,
              inGrace: 6,
              overdue: 0,
              exempt: 1,
            },
            {
              day: '2026-03-01',
              compliant: 6,
              inGrace: 2,
              overdue: 1,
              exempt: 1,
            },
          ],
        },
      ],
    });
    await settle(fixture);
  }

  it('shows the counts, the share per policy and group, and charts with text equivalents', async () => {
    await load(aSummary());
    const text = root.textContent ?? '';
    expect(text).toContain('67%');
    expect(text).toContain('Group: Family');
    expect(text).toContain('Library: Home videos');
    expect(text).toContain('Failed verifications');
    expect(root.querySelectorAll('svg rect.bar')).toHaveLength(30);
    expect(root.querySelector('svg[role="img"]')?.getAttribute('aria-label')).toBe(
      '2 members reach their deadline in the next 30 days; at most 2 on one day.',
    );
    expect(root.querySelector('svg path.line')?.getAttribute('d')).toMatch(/^M20\.0,/);
    expect(text).toContain('Sat 14 Mar: 2');
  });

  it('reminds an overdue member with one click and shows the result', async () => {
    await load(aSummary());
    click(root, 'button', 'Remind uncle-bob');
    const req = http.expectOne({ method: 'POST', url: '/api/v1/reminders' });
    expect(req.request.body).toEqual({ memberIds: [BOB] });
    req.flush({
      results: [{ memberId: BOB, status: 'skipped', reason: 'no_email' }],
    });
    await settle(fixture);
    expect(root.textContent).toContain('No e-mail address');
    expect(root.querySelector('button.btn-small')).toBeNull();
  });

  it('says what to do when no policy is enforced', async () => {
    await load(aSummary({ policies: [], groups: [], libraries: [], overdueMembers: [] }));
    expect(root.textContent).toContain('No policy is enforced yet');
    expect(root.querySelector('svg')).toBeNull();
  });
});

describe('overview helpers', () => {
  it('trend points sum every policy per day; reminder results read as words', () => {
    expect(
      trendPoints({
        from: 'a',
        to: 'b',
        policies: [
          {
            policyId: 'p',
            name: 'x',
            points: [
              {
                day: '2026-03-01',
                compliant: 1,
                inGrace: 1,
                overdue: 0,
                exempt: 0,
              },
            ],
          },
          {
            policyId: 'q',
            name: 'y',
            points: [
              {
                day: '2026-03-01',
                compliant: 1,
                inGrace: 0,
                overdue: 0,
                exempt: 5,
              },
            ],
          },
        ],
      }),
    ).toEqual([{ day: '2026-03-01', share: 2 / 3 }]);
    expect(reminderText({ memberId: BOB, status: 'sent', reason: null })).toBe('Reminder sent');
    expect(
      reminderText({
        memberId: BOB,
        status: 'skipped',
        reason: 'not_required',
      }),
    ).toBe('No longer needs to enrol');
  });
});
