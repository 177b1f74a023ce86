import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { cameWithLink } from '../../shared/came-with-link';

@Component({
  selector: 'app-verify-page',
  imports: [RouterLink],
  template: `
    <h1>Confirm it is you</h1>
    @if (withLink) {
      <div class="note" role="status">
        <p>
          <strong>Confirming from this page is not available yet.</strong> This version of Latchkey cannot complete the
          check. Ask your media server's owner if you are stuck.
        </p>
      </div>
    } @else {
      <p class="lead">This page opens from the link your media server shows when you sign in.</p>
      <p>
        The link belongs to one sign-in, so Latchkey knows what you are confirming. Go back to your media server, sign
        in again, and follow the link it shows you. It expires after a few minutes.
      </p>
      <p>On a TV or streaming box, use the code it shows on the <a routerLink="/pair">approve a TV</a> page instead.</p>
    }
    <p><a routerLink="/">What is two-step verification?</a></p>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class VerifyPage {
  protected readonly withLink = cameWithLink(inject(ActivatedRoute).snapshot);
}
