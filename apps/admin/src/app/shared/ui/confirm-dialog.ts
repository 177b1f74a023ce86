import { ChangeDetectionStrategy, Component, ElementRef, effect, input, output, viewChild } from '@angular/core';

/**
 * A modal "are you sure?" built on the native <dialog>: focus trap and Escape come from the browser. With
 * `[actions]="false"` it frames content that brings its own buttons (a short form).
 */
@Component({
  selector: 'app-confirm-dialog',
  template: `
    <dialog
      #dialog
      class="dialog"
      [class.dialog-wide]="wide()"
      [attr.aria-labelledby]="titleId"
      [attr.aria-describedby]="bodyId"
      (cancel)="onCancel($event)"
    >
      <h2 class="dialog-title" [id]="titleId">{{ title() }}</h2>
      <div class="dialog-body" [id]="bodyId"><ng-content /></div>
      @if (actions()) {
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
      }
    </dialog>
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
  /** False when the content brings its own buttons (a form in the dialog). */
  readonly actions = input(true);
  readonly wide = input(false);
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
