import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="site-header">
      <a class="brand" routerLink="/"><img src="favicon.svg" alt="" width="24" height="24" /> Latchkey</a>
      <span class="tagline">Account security for your media server</span>
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
    <footer class="site-footer">
      <p>Latchkey runs on your media server owner's own hardware. It does not store your media-server password.</p>
    </footer>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {}
