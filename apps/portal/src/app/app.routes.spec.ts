import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { routes } from './app.routes';

describe('portal routes', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideRouter(routes)] }));

  it.each([
    ['/enrol', 'Set up two-step verification', 'personal link'],
    ['/verify', 'Confirm it is you', 'link your media server shows'],
    ['/pair', 'Approve a TV or app', 'Enter the code shown on your TV'],
    ['/nowhere', 'This page does not exist', 'the beginning'],
  ])('%s explains itself', async (url, heading, text) => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    const root = harness.routeNativeElement as HTMLElement;
    expect(root.querySelector('h1')?.textContent).toContain(heading);
    expect(root.textContent).toContain(text);
  });

  it('/enrol with a link says honestly that it cannot finish yet', async () => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/enrol?t=abc');
    expect(harness.routeNativeElement?.textContent).toContain('not available yet');
  });
});
