import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import type { ReminderSettings } from '../../core/dashboard-api';
import { settle, submit, typeInto } from '../../../testing/test-helpers';
import { RemindersPage, scheduleText } from './reminders-page';

const SETTINGS: ReminderSettings = {
  enabled: true,
  senderName: null,
  effectiveSenderName: 'Bench Owner',
  message: null,
  reminderDays: [7, 1, 0],
  updatedAt: null,
};

describe('RemindersPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<RemindersPage>;
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
    fixture = TestBed.createComponent(RemindersPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/settings/reminders').flush(SETTINGS);
    http.expectOne('/api/v1/reminders/unreachable').flush({
      items: [
        {
          memberId: 'c0ffee00-0000-4000-8000-000000000002',
          serverId: 'c0ffee00-0000-4000-8000-000000000003',
          username: 'uncle-bob',
          displayName: null,
          policyId: 'c0ffee00-0000-4000-8000-000000000004',
          deadline: '2026-03-15T00:00:00.000Z',
          overdue: true,
        },
      ],
    });
    await settle(fixture);
  });

  afterEach(() => http.verify());

  it('shows the schedule and the members no reminder reaches', () => {
    expect(root.textContent).toContain('7 and 1 days before the deadline, and the day it passes');
    expect(root.textContent).toContain('uncle-bob');
    expect(root.textContent).toContain('Overdue');
    expect(root.textContent).toContain('Leave empty to use Bench Owner.');
  });

  it('saves the sender name and message (empty means the default)', async () => {
    typeInto(root, '#reminder-sender', '  The Smiths ');
    typeInto(root, '#reminder-message', 'Please set it up this week.');
    submit(root, 'form');
    const req = http.expectOne({
      method: 'PUT',
      url: '/api/v1/settings/reminders',
    });
    expect(req.request.body).toEqual({
      enabled: true,
      senderName: 'The Smiths',
      message: 'Please set it up this week.',
    });
    req.flush({
      ...SETTINGS,
      senderName: 'The Smiths',
      effectiveSenderName: 'The Smiths',
      message: 'Please set it up this week.',
      updatedAt: '2026-03-01T10:00:00.000Z',
    });
    await settle(fixture);
    expect(root.textContent).toContain('Reminder settings saved.');
  });

  it('schedule in words', () => {
    expect(scheduleText([1])).toBe('1 day before the deadline');
    expect(scheduleText([0])).toBe('the day it passes');
    expect(scheduleText([])).toBe('never');
  });
});
