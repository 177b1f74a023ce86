import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { aSession, microtasks } from '../../testing/test-helpers';
import { SessionStore } from './session-store';
import { sessionExpiredInterceptor } from './session-expired-interceptor';

describe('sessionExpiredInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let router: Router;
  let store: SessionStore;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([sessionExpiredInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    store = TestBed.inject(SessionStore);
    store.set(aSession);
  });

  afterEach(() => backend.verify());

  it('forgets the session and goes to sign-in when a call answers 401', async () => {
    const navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
    const failed = jest.fn();
    http.get('/api/v1/servers').subscribe({ error: failed });
    backend
      .expectOne('/api/v1/servers')
      .flush({ error: { code: 'unauthenticated', message: 'x' } }, { status: 401, statusText: 'Unauthorized' });
    await microtasks();
    expect(store.session()).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/login'], expect.anything());
    expect(failed).toHaveBeenCalled();
  });

  it('leaves the sign-in call itself alone', async () => {
    const navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
    http.post('/api/v1/admin/session', {}).subscribe({ error: () => undefined });
    backend
      .expectOne('/api/v1/admin/session')
      .flush({ error: { code: 'invalid_credentials', message: 'x' } }, { status: 401, statusText: 'Unauthorized' });
    await microtasks();
    expect(navigate).not.toHaveBeenCalled();
    expect(store.session()).toEqual(aSession);
  });
});
