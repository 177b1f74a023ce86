import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { aSession } from '../../testing/test-helpers';
import { csrfInterceptor } from './csrf-interceptor';
import { SessionStore } from './session-store';

describe('csrfInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([csrfInterceptor])), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('adds the session token to %s requests', (method) => {
    TestBed.inject(SessionStore).set(aSession);
    http.request(method, '/api/v1/servers', { body: {} }).subscribe();
    const req = backend.expectOne('/api/v1/servers');
    expect(req.request.headers.get('X-CSRF-Token')).toBe(aSession.csrfToken);
    req.flush({});
  });

  it('leaves reads alone', () => {
    TestBed.inject(SessionStore).set(aSession);
    http.get('/api/v1/servers').subscribe();
    const req = backend.expectOne('/api/v1/servers');
    expect(req.request.headers.has('X-CSRF-Token')).toBe(false);
    req.flush({ items: [] });
  });

  it('never sends the token to another origin', () => {
    TestBed.inject(SessionStore).set(aSession);
    http.post('https://evil.example/collect', {}).subscribe();
    http.post('//evil.example/collect', {}).subscribe();
    for (const url of ['https://evil.example/collect', '//evil.example/collect']) {
      const req = backend.expectOne(url);
      expect(req.request.headers.has('X-CSRF-Token')).toBe(false);
      req.flush({});
    }
  });

  it('sends nothing before there is a session', () => {
    http.post('/api/v1/admin/session', {}).subscribe();
    const req = backend.expectOne('/api/v1/admin/session');
    expect(req.request.headers.has('X-CSRF-Token')).toBe(false);
    req.flush({});
  });
});
