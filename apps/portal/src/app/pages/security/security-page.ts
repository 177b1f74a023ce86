import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { NgTemplateOutlet } from '@angular/common';
import { RouterLink } from '@angular/router';
import type { AppPassword, AppPasswordCreated, Challenge, Factor, MemberDevice, MemberSecurity, MemberSelf, RecentSignIn, TotpEnrolment } from '@latchkey/contracts';
import { createPasskey, passkeysSupported } from '@latchkey/ui';
import { passkeyProblem, toApiProblem } from '../../core/api-problem';
import { takeLinkFragment } from '../../core/link-fragment';
import { ApiError, PortalApi } from '../../core/portal-api';
import { ChallengeAnswer } from '../../shared/challenge-answer';
import { ConfirmBox } from '../../shared/confirm-box';
import { factorName, mainFactors } from '../../shared/factor-words';
import { focuser } from '../../shared/focus';
import { RecoveryCodesPanel } from '../../shared/recovery-codes';
import { day, timeAgo } from '../../shared/time-words';
import { TotpSetup } from '../../shared/totp-setup';
import { WhoAsks } from '../../shared/who-asks';

/** The page itself, or one of the flows that take it over for a moment (then back to the overview). */
type View = 'loading' | 'no-link' | 'failed' | 'overview' | 'step-up' | 'totp' | 'codes' | 'app-password';

/** The parts of the page; a message shows in the part where the member acted. */
type Area = 'factors' | 'devices' | 'app-passwords' | 'everywhere';

/** What the member is being asked to confirm; `id` says which item it is about. */
type Asking = { what: 'forget' | 'revoke' | 'remove'; id: string } | { what: 'regenerate' | 'sign-out' | 'lost-phone' };

/** The decisions of recent sign-ins, in plain words. */
const OUTCOMES: Record<string, string> = {
  allow: 'Signed in',
  allow_in_grace: 'Signed in (two-step verification not set up yet)',
  challenge: 'Asked to confirm it was you',
  enrol_required: 'Stopped: two-step verification was not set up',
  deny: 'Refused',
};

/** "Passkey: iPhone" rather than a row of identical "Passkey"s: the kind of device that made it. */
export function passkeyLabel(userAgent: string): string | undefined {
  const kinds: Array<[RegExp, string]> = [
    [/iPhone/, 'iPhone'],
    [/iPad/, 'iPad'],
    [/Android/, 'Android phone'],
    [/Mac OS X/, 'Mac'],
    [/Windows/, 'Windows computer'],
    [/CrOS/, 'Chromebook'],
    [/Linux/, 'Linux computer'],
  ];
  return kinds.find(([re]) => re.test(userAgent))?.[1];
}

@Component({
  selector: 'app-security-page',
  imports: [NgTemplateOutlet, RouterLink, ChallengeAnswer, ConfirmBox, RecoveryCodesPanel, TotpSetup, WhoAsks],
  templateUrl: './security-page.html',
  styleUrl: './security-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SecurityPage {
  private readonly api = inject(PortalApi);
  private readonly focus = focuser();

  protected readonly view = signal<View>('loading');
  protected readonly self = signal<MemberSelf | null>(null);
  protected readonly security = signal<MemberSecurity | null>(null);
  protected readonly fatal = signal<string | null>(null);
  /** What just happened, or what went wrong with the last action, in the part of the page where it was. */
  protected readonly message = signal<{ area: Area; ok: boolean; text: string } | null>(null);
  protected readonly busy = signal(false);
  protected readonly asking = signal<Asking | null>(null);
  protected readonly stepUpChallenge = signal<Challenge | null>(null);
  protected readonly totp = signal<TotpEnrolment | null>(null);
  protected readonly codes = signal<readonly string[]>([]);
  protected readonly created = signal<AppPasswordCreated | null>(null);
  protected readonly copied = signal<string | null>(null);
  protected readonly passkeys = passkeysSupported();

  protected readonly serverName = computed(() => this.self()?.server.name ?? 'your media server');
  protected readonly memberName = computed(() => this.self()?.member.displayName || this.self()?.member.username || '');
  protected readonly factors = computed(() => mainFactors(this.self()?.factors ?? []));
  protected readonly recovery = computed(() => this.self()?.factors.find((f) => f.kind === 'recovery_codes') ?? null);
  protected readonly hasTotp = computed(() => this.factors().some((f) => f.kind === 'totp'));
  /** After "I lost my phone", what still lets the member back in. */
  protected readonly canRecover = computed(() => !!this.recovery()?.remaining || this.factors().some((f) => f.kind === 'email'));
  protected readonly devices = computed(() => this.security()?.devices ?? []);
  protected readonly appPasswords = computed(() => this.security()?.appPasswords ?? []);
  protected readonly signIns = computed(() => this.security()?.recentSignIns ?? []);
  protected readonly emergency = computed(() => this.security()?.emergency ?? false);

  protected readonly factorName = factorName;
  protected readonly timeAgo = timeAgo;
  protected readonly day = day;

  /** What to do once the member has confirmed it is them (a change that needed a fresh verification). */
  private afterStepUp: (() => Promise<void>) | null = null;

  constructor() {
    const link = takeLinkFragment().get('link');
    void this.open(link);
  }

  private async open(link: string | null): Promise<void> {
    try {
      this.self.set(link ? await this.api.startSession(link) : await this.api.me());
      this.security.set(await this.api.security());
      this.view.set('overview');
    } catch (err) {
      const p = toApiProblem(err);
      if (!link && (p.status === 401 || p.status === 403)) {
        this.view.set('no-link');
        return;
      }
      this.fatal.set(p.message);
      this.view.set('failed');
    }
  }

  private async refresh(): Promise<void> {
    const [self, security] = await Promise.all([this.api.me(), this.api.security()]);
    this.self.set(self);
    this.security.set(security);
  }

  private show(view: View, focusId = 'view-heading'): void {
    this.view.set(view);
    this.focus(focusId);
  }

  protected messageFor(area: Area): { ok: boolean; text: string } | null {
    const m = this.message();
    return m?.area === area ? m : null;
  }

  private say(area: Area, ok: boolean, text: string): void {
    this.message.set({ area, ok, text });
    this.focus(`message-${area}`);
  }

  /** Back to the overview, with the news where the member acted. */
  private async done(area: Area, text: string): Promise<void> {
    this.asking.set(null);
    await this.refresh();
    this.view.set('overview');
    this.say(area, true, text);
  }

  /**
   * Runs one change: busy while it runs, a plain message if it fails. A change that needs a fresh verification
   * (403 `verification_required`) first asks the member to confirm it is them, then runs again.
   */
  private async run(area: Area, action: () => Promise<void>, passkeyWords?: { cancelled: string; failed: string }): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.message.set(null);
    try {
      await action();
    } catch (err) {
      if (err instanceof ApiError && toApiProblem(err).code === 'verification_required') {
        await this.stepUp(area, action);
      } else {
        this.view.set('overview');
        this.say(area, false, passkeyWords ? passkeyProblem(err, passkeyWords) : toApiProblem(err).message);
      }
    } finally {
      this.busy.set(false);
    }
  }

  private async stepUp(area: Area, action: () => Promise<void>): Promise<void> {
    try {
      this.stepUpChallenge.set(await this.api.stepUp());
      this.afterStepUp = () => this.run(area, action);
      this.show('step-up');
    } catch (err) {
      this.say(area, false, toApiProblem(err).message);
    }
  }

  protected async steppedUp(): Promise<void> {
    const again = this.afterStepUp;
    this.afterStepUp = null;
    this.stepUpChallenge.set(null);
    this.view.set('overview');
    await again?.();
  }

  protected cancelFlow(): void {
    this.afterStepUp = null;
    this.stepUpChallenge.set(null);
    this.totp.set(null);
    this.asking.set(null);
    this.show('overview', 'page-heading');
  }

  // ---- Asking first --------------------------------------------------------------------------

  protected ask(asking: Asking): void {
    this.message.set(null);
    this.asking.set(asking);
  }

  protected isAsking(what: Asking['what'], id?: string): boolean {
    const a = this.asking();
    return !!a && a.what === what && (!('id' in a) || a.id === id);
  }

  protected cancelAsk(focusId: string): void {
    this.asking.set(null);
    this.focus(focusId);
  }

  // ---- Ways to confirm -----------------------------------------------------------------------

  protected addPasskey(): Promise<void> {
    return this.run(
      'factors',
      async () => {
        const response = await createPasskey(await this.api.passkeyCreationOptions());
        await this.api.registerPasskey(response, passkeyLabel(globalThis.navigator?.userAgent ?? ''));
        await this.done('factors', 'Your passkey is added. Next time, you can confirm with this phone or computer.');
      },
      { cancelled: 'The passkey was not saved. You can try again.', failed: 'This device could not create a passkey. Try another device, or an authenticator app.' },
    );
  }

  protected startTotp(): Promise<void> {
    return this.run('factors', async () => {
      this.totp.set(await this.api.startTotp());
      this.show('totp');
    });
  }

  protected async totpConfirmed(): Promise<void> {
    const moved = this.hasTotp();
    this.totp.set(null);
    await this.done('factors', moved ? 'Your authenticator app is set up on the new phone. The old one no longer works.' : 'Your authenticator app is set up.');
  }

  protected removeFactor(f: Factor): Promise<void> {
    return this.run('factors', async () => {
      await this.api.removeFactor(f.id);
      await this.done('factors', `${factorName(f)} was removed.`);
    });
  }

  protected regenerateCodes(): Promise<void> {
    return this.run('factors', async () => {
      const created = await this.api.recoveryCodes();
      this.asking.set(null);
      this.codes.set(created.codes);
      this.show('codes');
    });
  }

  protected async codesSaved(): Promise<void> {
    this.codes.set([]);
    await this.done('factors', 'Your new recovery codes are ready. The old ones no longer work.');
  }

  // ---- Devices and app passwords -------------------------------------------------------------

  protected forget(d: MemberDevice): Promise<void> {
    return this.run('devices', async () => {
      await this.api.forgetDevice(d.id);
      await this.done('devices', `${d.deviceName ?? 'The device'} is forgotten. Next time it signs in, it will have to be confirmed again.`);
    });
  }

  protected createAppPassword(event: Event, input: HTMLInputElement): Promise<void> {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      this.say('app-passwords', false, 'Give the app password a name, such as the app it is for.');
      return Promise.resolve();
    }
    return this.run('app-passwords', async () => {
      this.created.set(await this.api.createAppPassword(name));
      this.copied.set(null);
      this.show('app-password');
    });
  }

  protected async copyPassword(password: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(password);
      this.copied.set('Copied. Paste it into the app now.');
    } catch {
      this.copied.set('Copying did not work here. Select the password and copy it, or type it into the app.');
    }
  }

  protected async appPasswordDone(): Promise<void> {
    const name = this.created()?.name ?? 'The app password';
    this.created.set(null);
    await this.done('app-passwords', `${name} is ready to use. It is listed below; revoke it when you stop using the app.`);
  }

  protected revoke(p: AppPassword): Promise<void> {
    return this.run('app-passwords', async () => {
      await this.api.revokeAppPassword(p.id);
      await this.done('app-passwords', `${p.name} is revoked. The app that used it can no longer sign in with it.`);
    });
  }

  // ---- Everywhere --------------------------------------------------------------------------

  protected signOutEverywhere(): Promise<void> {
    return this.run('everywhere', async () => {
      const n = await this.api.signOutEverywhere();
      await this.done('everywhere', `You are signed out everywhere: ${count(n.devices, 'device')} forgotten. Each will have to confirm it is you again.`);
    });
  }

  protected lostPhone(): Promise<void> {
    return this.run('everywhere', async () => {
      const n = await this.api.lostPhone();
      await this.done(
        'everywhere',
        `Done: ${count(n.devices, 'device')} forgotten and ${count(n.appPasswords, 'app password')} revoked. Only a recovery code or a code by e-mail will work now.`,
      );
    });
  }

  // ---- Words -----------------------------------------------------------------------------------

  protected outcome(s: RecentSignIn): string {
    return OUTCOMES[s.outcome] ?? s.outcome;
  }

  protected factorSince(f: Factor): string {
    return f.lastUsedAt ? `Added ${day(f.createdAt)} · last used ${timeAgo(f.lastUsedAt)}` : `Added ${day(f.createdAt)} · not used yet`;
  }
}

/** "1 device", "2 devices", "no devices". */
function count(n: number, thing: string): string {
  return `${n === 0 ? 'no' : n} ${thing}${n === 1 ? '' : 's'}`;
}
