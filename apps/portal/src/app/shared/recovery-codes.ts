import { ChangeDetectionStrategy, Component, input, output, signal } from '@angular/core';

/**
 * The recovery codes, shown once: copy, download as a text file, print, and a required "I have saved these codes"
 * before the member can go on.
 */
@Component({
  selector: 'app-recovery-codes',
  template: `
    <div class="print-area">
      <p class="print-only">
        Recovery codes for <strong>{{ serverName() }}</strong> (Latchkey). Each code works once.
      </p>
      <ol class="codes" aria-label="Your recovery codes">
        @for (code of codes(); track code) {
          <li><code>{{ code }}</code></li>
        }
      </ol>
    </div>
    <div class="actions no-print">
      <button type="button" class="btn" (click)="copy()">Copy codes</button>
      <button type="button" class="btn" (click)="download()">Download (.txt)</button>
      <button type="button" class="btn" (click)="print()">Print</button>
    </div>
    <p class="status no-print" role="status">{{ status() }}</p>
    <div class="confirm no-print">
      <input id="codes-saved" type="checkbox" [checked]="saved()" (change)="onSaved($event)" />
      <label for="codes-saved">I have saved these codes</label>
    </div>
    <button type="button" class="btn btn-primary done no-print" [disabled]="!saved()" (click)="done.emit()">Done</button>
  `,
  styles: `
    :host {
      display: block;
      margin-bottom: 1.5rem;
    }
    .codes {
      display: grid;
      grid-template-columns: repeat(2, max-content);
      justify-content: start;
      gap: 0.5rem 1rem;
      list-style: none;
      padding: 1rem;
      margin: 0 0 1rem;
      background: #fff;
      border: 1px dashed var(--border-strong);
      border-radius: var(--radius);
    }
    .codes li {
      margin: 0;
    }
    .codes code {
      font-size: 1.05rem;
      letter-spacing: 0.04em;
      white-space: nowrap;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    .status {
      min-height: 1.6em;
      margin: 0.5rem 0;
      color: var(--success);
    }
    .confirm {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      margin: 0.5rem 0 1rem;
      font-weight: 600;
    }
    .confirm input {
      width: 1.4rem;
      height: 1.4rem;
      margin: 0;
    }
    .done {
      min-width: 9rem;
    }
    .print-only {
      display: none;
    }
    @media (max-width: 560px) {
      .codes {
        grid-template-columns: 1fr;
      }
    }
    @media (max-width: 480px) {
      .actions .btn,
      .done {
        flex: 1 1 100%;
        width: 100%;
      }
    }
    @media print {
      .print-only {
        display: block;
      }
      .no-print {
        display: none !important;
      }
      .codes {
        border: 1px solid #000;
      }
    }
  `,
  // Closing or reloading the page before saving them loses the codes for good: the browser asks first.
  host: { '(window:beforeunload)': 'onLeave($event)' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RecoveryCodesPanel {
  readonly codes = input.required<readonly string[]>();
  readonly serverName = input.required<string>();
  readonly done = output<void>();

  protected readonly saved = signal(false);
  protected readonly status = signal('');

  private text(): string {
    return [
      `Recovery codes for ${this.serverName()} (Latchkey)`,
      'Each code works once. Keep them somewhere safe, away from your phone.',
      '',
      ...this.codes(),
      '',
    ].join('\n');
  }

  protected onLeave(event: BeforeUnloadEvent): void {
    if (!this.saved()) event.preventDefault();
  }

  protected onSaved(event: Event): void {
    this.saved.set((event.target as HTMLInputElement).checked);
  }

  protected async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.text());
      this.status.set('Copied. Paste them somewhere safe, such as a password manager.');
    } catch {
      this.status.set('Copying did not work here. Download or print them, or write them down.');
    }
  }

  protected download(): void {
    const url = URL.createObjectURL(new Blob([this.text()], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'recovery-codes.txt';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    this.status.set('Downloaded as recovery-codes.txt.');
  }

  protected print(): void {
    globalThis.print?.();
  }
}
