import { PortalTest } from '../testing/portal-testing';

describe('portal routes', () => {
  it.each([
    ['/verify', 'Confirm it is you', 'link your media server shows'],
    ['/pair', 'Approve a TV or app', 'Enter the code shown on your TV'],
    ['/nowhere', 'This page does not exist', 'the beginning'],
  ])('%s explains itself', async (url, heading, text) => {
    const t = await PortalTest.open(url);
    expect(t.root.querySelector('h1')?.textContent).toContain(heading);
    expect(t.text).toContain(text);
    t.http.verify();
  });

  it('/enrol without a link or a session asks for the personal link', async () => {
    const t = await PortalTest.open('/enrol');
    t.http.expectOne('/api/v1/me').flush({ error: { code: 'unauthenticated', message: 'Sign in.' } }, { status: 401, statusText: 'Unauthorized' });
    await t.settle();
    expect(t.root.querySelector('h1')?.textContent).toContain('Set up two-step verification');
    expect(t.text).toContain('you need your personal link');
  });
});
