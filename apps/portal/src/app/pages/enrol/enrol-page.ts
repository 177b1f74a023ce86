import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { cameWithLink } from '../../shared/came-with-link';

@Component({
  selector: 'app-enrol-page',
  imports: [RouterLink],
  template: `
    <h1>Set up two-step verification</h1>
    @if (withLink) {
      <div class="note" role="status">
        <p>
          <strong>Setting up from this page is not available yet.</strong> This version of Latchkey cannot complete
          enrolment. Keep your link; your media server's owner will let you know when it works.
        </p>
      </div>
    } @else {
      <p class="lead">To set up, you need your personal link.</p>
      <p>
        Latchkey does not ask for your media-server password, so it recognises you by the link you were given: in an
        email from your media server's owner, or on your media server when you sign in. Open that link and you will come
        straight to the right place.
      </p>
      <p>
        Links are personal and expire after a while. If yours no longer works, sign in to your media server again to get
        a fresh one.
      </p>
    }
    <p><a routerLink="/">What is two-step verification?</a></p>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class EnrolPage {
  protected readonly withLink = cameWithLink(inject(ActivatedRoute).snapshot);
}
