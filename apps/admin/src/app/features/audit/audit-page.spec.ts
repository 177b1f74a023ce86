import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import type { AuditEvent } from '../../core/dashboard-api';
import { click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { AUDIT_PAGE_SIZE, AuditPage, dayBound } from './audit-page';

function anEvent(seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: `e0000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    at: '2026-03-01T10:00:00.000Z',
    type: 'login.decision',
    outcome: 'deny',
    memberId: null,
    memberUsername: 'uncle-bob',
    serverId: null,
    adminId: null,
    ip: '192.0.2.1',
    details: { reason: 'overdue' },
    ...overrides,
  };
}

describe('AuditPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<AuditPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([csrfInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(AuditPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  it('lists events, loads older ones with the cursor, and filters (export links follow)', async () => {
    const first = http.expectOne((r) => r.url === '/api/v1/audit');
    expect(first.request.params.get('limit')).toBe(String(AUDIT_PAGE_SIZE));
    expect(first.request.params.has('cursor')).toBe(false);
    first.flush({ items: [anEvent(2)], nextCursor: 'c1' });
    await settle(fixture);
    expect(root.textContent).toContain('uncle-bob');
    expect(root.textContent).toContain('reason: overdue');

    click(root, 'button', 'Load more');
    const more = http.expectOne((r) => r.url === '/api/v1/audit');
    expect(more.request.params.get('cursor')).toBe('c1');
    more.flush({
      items: [anEvent(1, { type: 'factor.added', outcome: 'success' })],
      nextCursor: null,
    });
    await settle(fixture);
    expect(root.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(root.textContent).not.toContain('Load more');

    typeInto(root, '#audit-type', 'factor.*');
    typeInto(root, '#audit-from', '2026-03-01');
    submit(root, 'form');
    const filtered = http.expectOne((r) => r.url === '/api/v1/audit');
    expect(filtered.request.params.get('type')).toBe('factor.*');
    expect(filtered.request.params.get('from')).toBe('2026-03-01T00:00:00.000Z');
    filtered.flush({ items: [], nextCursor: null });
    await settle(fixture);
    expect(root.textContent).toContain('No events match these filters.');
    const csv = root.querySelector<HTMLAnchorElement>('a[download]')!.getAttribute('href');
    expect(csv).toBe('/api/v1/audit/export?type=factor.*&from=2026-03-01T00:00:00.000Z&format=csv');
  });

  it('verifies the chain and shows where it breaks', async () => {
    http.expectOne((r) => r.url === '/api/v1/audit').flush({ items: [], nextCursor: null });
    await settle(fixture);
    click(root, 'button', 'Verify chain');
    http.expectOne('/api/v1/audit/verify').flush({
      ok: false,
      checked: 41,
      firstBreak: { seq: 42, id: null, reason: 'hash mismatch' },
      checkpoint: null,
    });
    await settle(fixture);
    expect(root.textContent).toContain('The chain breaks at entry #42: hash mismatch');
  });
});

describe('dayBound', () => {
  it('date filters cover whole UTC days', () => {
    expect(dayBound('2026-03-01', true)).toBe('2026-03-02T00:00:00.000Z');
    expect(dayBound('')).toBeUndefined();
  });
});
