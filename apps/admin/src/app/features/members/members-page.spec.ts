import { HttpRequest, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { Member } from '../../core/api-types';
import { aServer, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { MembersPage } from './members-page';

function aMember(n: number, overrides: Partial<Member> = {}): Member {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    serverId: aServer().id,
    externalId: `ext-${n}`,
    username: `member${n}`,
    displayName: `Member ${n}`,
    email: `member${n}@example.com`,
    groups: ['family'],
    firstSeenAt: '2026-01-05T10:00:00.000Z',
    removedAt: null,
    ...overrides,
  };
}

describe('MembersPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<MembersPage>;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(MembersPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/servers').flush({ items: [aServer()] });
  });

  afterEach(() => http.verify());

  it('lists members with their server, and pages with the cursor', async () => {
    http
      .expectOne(
        (r: HttpRequest<unknown>) =>
          r.url === '/api/v1/members' && r.params.get('limit') === '50' && !r.params.has('cursor'),
      )
      .flush({ items: [aMember(1), aMember(2)], nextCursor: 'c2' });
    await settle(fixture);
    expect(root.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(root.querySelector('tbody')?.textContent).toContain('Living-room Jellyfin');

    click(root, 'button', 'Load more');
    http
      .expectOne((r: HttpRequest<unknown>) => r.url === '/api/v1/members' && r.params.get('cursor') === 'c2')
      .flush({ items: [aMember(3)], nextCursor: null });
    await settle(fixture);
    expect(root.querySelectorAll('tbody tr')).toHaveLength(3);
    expect(Array.from(root.querySelectorAll('button')).some((b) => b.textContent?.includes('Load more'))).toBe(false);
  });

  it('searches by text and filters by server', async () => {
    http.expectOne((r: HttpRequest<unknown>) => r.url === '/api/v1/members').flush({ items: [], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('tbody')?.textContent).toContain('No members found');

    typeInto(root, '#member-q', '  ann ');
    submit(root, 'form');
    http
      .expectOne(
        (r: HttpRequest<unknown>) =>
          r.url === '/api/v1/members' && r.params.get('q') === 'ann' && !r.params.has('serverId'),
      )
      .flush({ items: [aMember(7, { username: 'ann' })], nextCursor: null });
    await settle(fixture);
    expect(root.querySelector('tbody')?.textContent).toContain('ann');

    typeInto(root, '#member-server', aServer().id);
    http
      .expectOne(
        (r: HttpRequest<unknown>) =>
          r.url === '/api/v1/members' && r.params.get('serverId') === aServer().id && r.params.get('q') === 'ann',
      )
      .flush({ items: [], nextCursor: null });
    await settle(fixture);
  });
});
