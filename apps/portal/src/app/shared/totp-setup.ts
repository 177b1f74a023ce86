import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal, viewChild } from '@angular/core';
import type { MemberSelf, TotpEnrolment } from '@latchkey/contracts';
import { toApiProblem } from '../core/api-problem';
import { PortalApi } from '../core/portal-api';
import { CodeForm } from './code-form';

/** The secret in groups of four, easier to type into an app by hand. */
function grouped(secret: string): string {
  return secret.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Setting up an authenticator app that the API has started (`POST /me/factors/totp`): scan the QR code or type
 * the key, then a code from the app confirms it. Emits the member as the API answers once confirmed (the
 * session was renewed). Used by /enrol and, to move the app to a new phone, by /security.
 */
@Component({
  selector: 'app-totp-setup',
  imports: [CodeForm],
  template: `
    <ol class="steps">
      <li>Open your authenticator app and choose to add an account (often a <strong>+</strong> button).</li>
      <li>
        Scan this picture with it.
        <img class="qr" [src]="enrolment().qrCodeSvg" width="220" height="220" alt="QR code to scan with your authenticator app" />
        <details class="manual">
          <summary>Can't scan? Type the key instead</summary>
          <p>In the app, choose to enter a key, and type:</p>
          <p class="secret" aria-label="Key to type into the app">{{ secret() }}</p>
          <p class="muted">Account: {{ enrolment().accountName }} · Time based.</p>
        </details>
      </li>
      <li>Type the 6-digit code the app now shows for {{ enrolment().issuer }}.</li>
    </ol>
    <app-code-form
      label="Code from the app"
      controlId="totp-code"
      [submitLabel]="submitLabel()"
      [busy]="busy()"
      [serverError]="codeError()"
      (submitted)="confirm($event)"
    />
  `,
  styles: `
    app-code-form {
      display: block;
      margin-bottom: 1rem;
    }
    .steps {
      padding-left: 1.4rem;
    }
    .steps li {
      margin-bottom: 1rem;
    }
    .qr {
      display: block;
      width: 220px;
      max-width: 100%;
      height: auto;
      margin: 0.75rem 0;
      padding: 10px;
      background: #fff;
      border: 1px solid var(--border);
      border-radius: var(--radius);
    }
    .manual summary {
      cursor: pointer;
      color: var(--primary);
      font-weight: 600;
      padding: 0.4rem 0;
    }
    .secret {
      font: 600 1.1rem/1.6 var(--mono);
      letter-spacing: 0.06em;
      word-break: break-all;
      background: #fff;
      border: 1px solid var(--border);
      border-radius: var(--radius);
      padding: 0.5rem 0.75rem;
      user-select: all;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TotpSetup {
  private readonly api = inject(PortalApi);

  readonly enrolment = input.required<TotpEnrolment>();
  readonly submitLabel = input('Turn on');
  readonly confirmed = output<MemberSelf>();

  protected readonly busy = signal(false);
  protected readonly codeError = signal<string | null>(null);
  protected readonly secret = computed(() => grouped(this.enrolment().secret));
  private readonly codeForm = viewChild.required(CodeForm);

  protected async confirm(code: string): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.codeError.set(null);
    try {
      this.confirmed.emit(await this.api.confirmTotp(this.enrolment().factorId, code));
    } catch (err) {
      this.codeError.set(toApiProblem(err).message);
      this.codeForm().reset();
    } finally {
      this.busy.set(false);
    }
  }
}
