import { ChangeDetectionStrategy, Component, ElementRef, input, output, signal, viewChild } from '@angular/core';

/** Shows a secret exactly once, with a copy button and a plain warning. */
@Component({
  selector: 'app-secret-box',
  template: `
    <section class="secret-box" [attr.aria-labelledby]="headingId">
      <h2 class="secret-title" [id]="headingId">{{ title() }}</h2>
      <p class="secret-warning">
        <strong>Copy this {{ noun() }} now.</strong> Latchkey stores only a fingerprint of it and will not show it again. {{ lost() }}
      </p>
      <div class="secret-row">
        <code #secretValue class="secret-value" [id]="valueId" tabindex="0">{{ secret() }}</code>
        <button type="button" class="btn btn-primary" [attr.aria-describedby]="valueId" (click)="copy()">Copy</button>
      </div>
      <p class="secret-status" aria-live="polite">{{ status() }}</p>
      <button type="button" class="btn" (click)="dismissed.emit()">{{ doneLabel() }}</button>
    </section>
  `,
  styles: `
    .secret-box {
      border: 2px solid var(--warn-border);
      background: var(--warn-bg);
      border-radius: var(--radius);
      padding: 1rem 1.25rem;
      margin: 0 0 1.5rem;
    }
    .secret-title {
      font-size: 1.05rem;
      margin: 0 0 0.5rem;
    }
    .secret-warning {
      margin: 0 0 0.75rem;
    }
    .secret-row {
      display: flex;
      gap: 0.5rem;
      flex-wrap: wrap;
    }
    .secret-value {
      flex: 1 1 18rem;
      min-width: 0;
      padding: 0.55rem 0.75rem;
      border: 1px solid var(--border-strong);
      border-radius: var(--radius);
      background: #fff;
      font-family: var(--mono);
      font-size: 0.95rem;
      overflow-wrap: anywhere;
      user-select: all;
      -webkit-user-select: all;
    }
    .secret-status {
      min-height: 1.5em;
      margin: 0.25rem 0 0.5rem;
      color: var(--success);
      font-weight: 600;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SecretBox {
  private static nextId = 0;
  readonly title = input.required<string>();
  readonly secret = input.required<string>();
  /** What the secret is, in the warning ("Copy this key now."). */
  readonly noun = input('key');
  readonly lost = input('If you lose it, rotate the key and use the new one.');
  readonly doneLabel = input('I have stored the key');
  readonly dismissed = output<void>();

  protected readonly headingId = `secret-title-${SecretBox.nextId}`;
  protected readonly valueId = `secret-value-${SecretBox.nextId++}`;
  protected readonly status = signal('');
  private readonly value = viewChild.required<ElementRef<HTMLElement>>('secretValue');

  protected async copy(): Promise<void> {
    const value = this.secret();
    try {
      // The Clipboard API exists only in secure contexts (HTTPS or localhost).
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      this.status.set('Copied to the clipboard.');
    } catch {
      const el = this.value().nativeElement;
      el.focus();
      window.getSelection()?.selectAllChildren(el);
      const copied = typeof document.execCommand === 'function' && document.execCommand('copy');
      this.status.set(copied ? 'Copied to the clipboard.' : 'Selected. Press Ctrl+C (or ⌘C) to copy.');
    }
  }
}
