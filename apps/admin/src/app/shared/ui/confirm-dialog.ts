import { ChangeDetectionStrategy, Component, ElementRef, effect, input, output, viewChild } from '@angular/core';

/** A modal "are you sure?" built on the native <dialog>: focus trap and Escape come from the browser. */
@Component({
  selector: 'app-confirm-dialog',
  template: `
    <dialog
      #dialog
      class="dialog"
      [attr.aria-labelledby]="titleId"
      [attr.aria-describedby]="bodyId"
      (cancel)="onCancel($event)"
    >
      <h2 class="dialog-title" [id]="titleId">{{ title() }}</h2>
      <div class="dialog-body" [id]="bodyId"><ng-content /></div>
      <div class="dialog-actions">
        <button type="button" class="btn" (click)="cancelled.emit()" [disabled]="busy()" autofocus>Cancel</button>
        <button
          type="button"
          class="btn"
          [class.btn-danger]="danger()"
          [class.btn-primary]="!danger()"
          [disabled]="busy()"
          (click)="confirmed.emit()"
        >
          {{ busy() ? 'Working…' : confirmLabel() }}
        </button>
      </div>
    </dialog>
  `,
  styles: `
    .dialog {
      border: 0;
      border-radius: var(--radius);
      padding: 1.25rem 1.5rem;
      max-width: min(32rem, calc(100vw - 2rem));
      box-shadow: 0 10px 40px rgb(0 0 0 / 25%);
      color: var(--text);
    }
    .dialog::backdrop {
      background: rgb(15 23 42 / 45%);
    }
    .dialog-title {
      font-size: 1.15rem;
      margin: 0 0 0.75rem;
    }
    .dialog-actions {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
      margin-top: 1.25rem;
      flex-wrap: wrap;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  private static nextId = 0;
  readonly open = input(false);
  readonly title = input.required<string>();
  readonly confirmLabel = input('Confirm');
  readonly danger = input(false);
  readonly busy = input(false);
  readonly confirmed = output<void>();
  readonly cancelled = output<void>();

  protected readonly titleId = `dialog-title-${ConfirmDialog.nextId}`;
  protected readonly bodyId = `dialog-body-${ConfirmDialog.nextId++}`;
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  constructor() {
    effect(() => {
      const el = this.dialog().nativeElement;
      if (this.open() && !el.open) el.showModal();
      else if (!this.open() && el.open) el.close();
    });
  }

  protected onCancel(event: Event): void {
    // Escape: let the parent decide (it owns `open`), and never close while a request is running.
    event.preventDefault();
    if (!this.busy()) this.cancelled.emit();
  }
}
