import { ChangeDetectionStrategy, Component, ElementRef, Injector, afterNextRender, effect, inject, signal, viewChild } from '@angular/core';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { AdminSession, Challenge } from '../../core/api-types';
import { Reauth } from '../../core/reauth';
import { SessionStore } from '../../core/session-store';
import { SecondFactorCheck } from './second-factor-check';

/**
 * "Confirm it is you": opens when the API asks for a fresh second-factor check before a security change
 * (`reauth_required`). Once checked, the session is renewed and the change is sent again.
 */
@Component({
  selector: 'app-reauth-dialog',
  imports: [SecondFactorCheck],
  template: `
    <dialog #dialog class="dialog dialog-wide" aria-labelledby="reauth-title" aria-describedby="reauth-body" (cancel)="onCancel($event)">
      <h2 class="dialog-title" id="reauth-title">Confirm it is you</h2>
      <p id="reauth-body">This changes a security setting. Confirm with your second factor to continue; the change is made right after.</p>
      @if (problem(); as p) {
        <div class="alert alert-error" role="alert"><p>{{ p.message }}</p></div>
        <div class="form-actions"><button type="button" class="btn" (click)="cancel()">Cancel</button></div>
      } @else if (challenge(); as c) {
        <app-second-factor-check [challenge]="c" codeId="reauth-code" submitLabel="Confirm" [cancellable]="true" (verified)="verified($event)" (cancelled)="cancel()" />
      } @else {
        <p class="muted" role="status">One moment…</p>
      }
    </dialog>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ReauthDialog {
  private readonly api = inject(AdminApi);
  private readonly store = inject(SessionStore);
  private readonly reauth = inject(Reauth);
  private readonly injector = inject(Injector);
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  protected readonly challenge = signal<Challenge | null>(null);
  protected readonly problem = signal<ApiProblem | null>(null);

  constructor() {
    effect(() => {
      const el = this.dialog().nativeElement;
      if (this.reauth.asking() && !el.open) {
        el.showModal();
        void this.start();
      } else if (!this.reauth.asking() && el.open) {
        el.close();
      }
    });
  }

  private async start(): Promise<void> {
    this.challenge.set(null);
    this.problem.set(null);
    try {
      this.challenge.set(await this.api.startChallenge());
      // The form appears after the dialog opened: put the cursor in the code field (or on the passkey button).
      afterNextRender(() => this.dialog().nativeElement.querySelector<HTMLElement>('input, .btn-primary')?.focus(), { injector: this.injector });
    } catch (err) {
      this.problem.set(toApiProblem(err));
    }
  }

  protected verified(session: AdminSession): void {
    this.store.set(session);
    this.challenge.set(null);
    this.reauth.settle(true);
  }

  protected cancel(): void {
    this.challenge.set(null);
    this.reauth.settle(false);
  }

  protected onCancel(event: Event): void {
    // Escape: close through the same path, so the waiting request is told.
    event.preventDefault();
    this.cancel();
  }
}
