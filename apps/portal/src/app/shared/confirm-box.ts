import { ChangeDetectionStrategy, Component, ElementRef, afterNextRender, computed, input, output, viewChild } from '@angular/core';

/**
 * "Are you sure?" in the page, right where the member asked (no pop-up to lose on a phone): a heading, what will
 * happen (projected), the action and Cancel. Takes focus when it appears, so a screen reader reads it first.
 */
@Component({
  selector: 'app-confirm-box',
  template: `
    <section class="confirm-box" [class.confirm-danger]="danger()" role="group" [attr.aria-labelledby]="headingId()">
      <h3 #title [id]="headingId()" tabindex="-1">{{ heading() }}</h3>
      <ng-content />
      <div class="confirm-actions">
        <button type="button" class="btn" [class.btn-danger]="danger()" [class.btn-primary]="!danger()" [disabled]="busy()" (click)="confirmed.emit()">
          {{ busy() ? 'One moment…' : confirmLabel() }}
        </button>
        <button type="button" class="btn" [disabled]="busy()" (click)="cancelled.emit()">Cancel</button>
      </div>
    </section>
  `,
  styles: `
    .confirm-box {
      margin: 0.75rem 0 0.5rem;
      padding: 1rem;
      border: 2px solid var(--primary);
      border-radius: var(--radius);
      background: var(--primary-soft);
    }
    .confirm-danger {
      border-color: var(--danger);
      background: var(--danger-bg);
    }
    h3 {
      font-size: 1.1rem;
      margin: 0 0 0.5rem;
    }
    h3:focus {
      outline: none;
    }
    .confirm-actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    @media (max-width: 480px) {
      .confirm-actions .btn {
        flex: 1 1 100%;
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmBox {
  readonly heading = input.required<string>();
  readonly confirmLabel = input.required<string>();
  /** Red: for what cannot be undone. */
  readonly danger = input(false);
  readonly busy = input(false);
  /** Makes the heading's id unique on the page. */
  readonly name = input.required<string>();
  readonly confirmed = output<void>();
  readonly cancelled = output<void>();

  private readonly headingEl = viewChild.required<ElementRef<HTMLElement>>('title');
  protected readonly headingId = computed(() => `confirm-${this.name()}`);

  constructor() {
    afterNextRender(() => this.headingEl().nativeElement.focus());
  }
}
