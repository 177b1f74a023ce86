import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { LandingPage } from './landing-page';

describe('LandingPage', () => {
  it('tells members, in plain words, what is asked of them and how they got here', async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    const fixture = TestBed.createComponent(LandingPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;

    expect(root.querySelector('h1')?.textContent).toContain(
      "Your media server's owner asks everyone who uses it to turn on two-step verification",
    );
    expect(root.textContent).toContain('authenticator app');
    expect(root.textContent).toContain('passkey');
    expect(root.textContent).toContain('email');
    expect(root.textContent).toContain('You normally arrive here from a link on your media server or in an email.');
    expect(root.querySelector('a[href="/pair"]')).not.toBeNull();
  });
});
