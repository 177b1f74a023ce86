import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { csrfInterceptor } from '../../core/csrf-interceptor';
import { SessionStore } from '../../core/session-store';
import { aServer, aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { ServersPage } from './servers-page';

const NEW_KEY = 'lk_srv_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

describe('ServersPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<ServersPage>;
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
    fixture = TestBed.createComponent(ServersPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function loadList(items = [aServer()]): Promise<void> {
    http.expectOne({ method: 'GET', url: '/api/v1/servers' }).flush({ items });
    await settle(fixture);
  }

  /** Opens the form on an empty list, fills it in and submits it. */
  async function addServer(fields: { name: string; kind?: string; baseUrl: string }): Promise<void> {
    await loadList([]);
    click(root, 'button', 'Add server');
    await settle(fixture);
    typeInto(root, '#server-name', fields.name);
    if (fields.kind) typeInto(root, '#server-kind', fields.kind);
    typeInto(root, '#server-url', fields.baseUrl);
    await settle(fixture);
    submit(root, 'form');
  }

  it('lists the servers with kind, address, key prefix and last use', async () => {
    await loadList([
      aServer(),
      aServer({
        id: 'b7c6d5e4-0000-4000-8000-000000000002',
        name: 'Plex upstairs',
        kind: 'plex',
        baseUrl: 'https://plex.example.net',
        apiKey: { active: false, prefix: null, createdAt: null, lastUsedAt: null },
      }),
    ]);
    const rows = Array.from(root.querySelectorAll('tbody tr'));
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('Living-room Jellyfin');
    expect(rows[0].textContent).toContain('Jellyfin');
    expect(rows[0].textContent).toContain('http://jellyfin.lan:8096');
    expect(rows[0].textContent).toContain('lk_srv_ab12');
    expect(rows[0].textContent).toContain('Never');
    expect(rows[1].textContent).toContain('Plex');
    expect(rows[1].textContent).toContain('No active key');
    expect(rows[1].textContent).toContain('Issue new key');
  });

  it('says so when there are no servers', async () => {
    await loadList([]);
    expect(root.querySelector('tbody')?.textContent).toContain('No media servers yet');
  });

  it('creates a server and shows its API key once, sending the CSRF token', async () => {
    await addServer({ name: 'Living-room Jellyfin', kind: 'jellyfin', baseUrl: 'http://jellyfin.lan:8096' });

    const req = http.expectOne({ method: 'POST', url: '/api/v1/servers' });
    expect(req.request.body).toEqual({
      name: 'Living-room Jellyfin',
      kind: 'jellyfin',
      baseUrl: 'http://jellyfin.lan:8096',
    });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    req.flush({ server: aServer(), apiKey: NEW_KEY }, { status: 201, statusText: 'Created' });
    await settle(fixture);

    expect(root.querySelector('app-secret-box code')?.textContent).toBe(NEW_KEY);
    expect(root.textContent).toContain('will not show it again');
    expect(root.querySelectorAll('tbody tr')).toHaveLength(1);
    expect(root.querySelector('#server-name')).toBeNull();

    click(root, 'button', 'I have stored the key');
    await settle(fixture);
    expect(root.querySelector('app-secret-box')).toBeNull();
    expect(root.innerHTML).not.toContain(NEW_KEY);
  });

  it('checks the address before sending', async () => {
    await addServer({ name: 'Jelly', baseUrl: 'jellyfin.lan' });
    await settle(fixture);
    expect(root.querySelector('#server-url-error')?.textContent).toContain('http://');
    http.expectNone({ method: 'POST', url: '/api/v1/servers' });
  });

  it('shows field issues from the API next to the field', async () => {
    await addServer({ name: 'Jelly', baseUrl: 'http://jellyfin.lan:8096' });
    http.expectOne({ method: 'POST', url: '/api/v1/servers' }).flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The request is not valid.',
          details: { issues: [{ path: 'baseUrl', message: 'Invalid URL' }] },
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('The request is not valid.');
    expect(root.querySelector('#server-url-error')?.textContent).toContain('Invalid URL');
  });

  it('rotates a key after confirmation and shows the new key once', async () => {
    await loadList();
    click(root, 'tbody button', 'Rotate key');
    await settle(fixture);
    const dialog = root.querySelector('dialog');
    expect(dialog?.open).toBe(true);
    expect(dialog?.textContent).toContain('current key stops working');
    http.expectNone({ method: 'POST' });

    click(root, 'dialog button', 'Rotate key');
    const req = http.expectOne({ method: 'POST', url: `/api/v1/servers/${aServer().id}/api-key` });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    const rotated = aServer({
      apiKey: { active: true, prefix: 'lk_srv_9f8e', createdAt: '2026-02-01T10:00:00.000Z', lastUsedAt: null },
    });
    req.flush({ server: rotated, apiKey: NEW_KEY });
    await settle(fixture);

    expect(root.querySelector('dialog')?.open).toBe(false);
    expect(root.querySelector('app-secret-box code')?.textContent).toBe(NEW_KEY);
    expect(root.querySelector('tbody')?.textContent).toContain('lk_srv_9f8e');
  });

  it('does nothing when the confirmation is cancelled', async () => {
    await loadList();
    click(root, 'tbody button', 'Revoke key');
    await settle(fixture);
    click(root, 'dialog button', 'Cancel');
    await settle(fixture);
    expect(root.querySelector('dialog')?.open).toBe(false);
    http.expectNone({ method: 'DELETE' });
  });

  it('revokes a key after confirmation', async () => {
    await loadList();
    click(root, 'tbody button', 'Revoke key');
    await settle(fixture);
    click(root, 'dialog button', 'Revoke key');
    const req = http.expectOne({ method: 'DELETE', url: `/api/v1/servers/${aServer().id}/api-key` });
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    await loadList([aServer({ apiKey: { active: false, prefix: null, createdAt: null, lastUsedAt: null } })]);
    expect(root.querySelector('tbody')?.textContent).toContain('No active key');
    expect(root.textContent).toContain('is revoked');
  });

  it('edits a server’s addresses in one dialog (web addresses to return to, trusted proxies, forward-auth hosts), showing the API’s message next to the field', async () => {
    await loadList([aServer()]);
    click(root, 'button', 'Addresses');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(root.querySelector('label[for="server-web-origins"]')?.textContent).toContain('Other web addresses');
    expect(dialog.textContent).toContain('members are sent back only to');
    typeInto(dialog, '#server-web-origins', 'https://media.example.com\n https://watch.example.org ');
    typeInto(dialog, '#server-proxies', '192.168.1.2\n\n10.0.0.0/8');
    typeInto(dialog, '#server-hosts', 'media.example');
    submit(dialog, '.edit-form');
    const bad = http.expectOne({ method: 'PATCH', url: `/api/v1/servers/${aServer().id}` });
    expect(bad.request.body).toEqual({ webOrigins: ['https://media.example.com', 'https://watch.example.org'], trustedProxies: ['192.168.1.2', '10.0.0.0/8'], forwardAuthHosts: ['media.example'] });
    expect(bad.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    bad.flush({ error: { code: 'conflict', message: 'media.example is already protected for Den.' } }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(dialog.textContent).toContain('already protected for Den');
    submit(dialog, '.edit-form');
    http
      .expectOne({ method: 'PATCH', url: `/api/v1/servers/${aServer().id}` })
      .flush(aServer({ webOrigins: ['https://media.example.com', 'https://watch.example.org'], trustedProxies: ['192.168.1.2', '10.0.0.0/8'], forwardAuthHosts: ['media.example'] }));
    await settle(fixture);
    expect(root.querySelector('dialog[open]')).toBeNull();
    expect(root.textContent).toContain('2 proxies, 1 forward-auth host');
    expect(root.querySelector('tbody')?.textContent).toContain('https://watch.example.org');
  });
});
