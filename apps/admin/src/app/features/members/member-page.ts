import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { AppPassword, Exemption, MemberDetail, MemberDevice, MemberSecurity, Policy } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { Confirmation } from '../../shared/confirmation';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { ExemptionForm, type ExemptionInput } from '../../shared/ui/exemption-form';
import { factorLabel, statusClass, statusLabel } from './member-labels';

/** A destructive action waiting for the owner's confirmation. */
type Pending =
  | { kind: 'device'; device: MemberDevice }
  | { kind: 'app-password'; appPassword: AppPassword }
  | { kind: 'sign-out' }
  | { kind: 'reset-mfa' }
  | { kind: 'exemption'; exemption: Exemption };

const CONFIRM: Record<Pending['kind'], { title: string; label: string }> = {
  device: { title: 'Revoke this device?', label: 'Revoke device' },
  'app-password': { title: 'Revoke this app password?', label: 'Revoke app password' },
  'sign-out': { title: 'Sign this member out everywhere?', label: 'Sign out everywhere' },
  'reset-mfa': { title: 'Reset MFA?', label: 'Reset MFA' },
  exemption: { title: 'End this exemption?', label: 'End exemption' },
};

/** What the decision for a sign-in was, in words. */
const OUTCOMES: Record<string, [string, string]> = {
  allow: ['Let in', 'badge-ok'],
  allow_in_grace: ['Let in, in grace', 'badge-warn'],
  challenge: ['Asked to verify', ''],
  enrol_required: ['Refused: must set up MFA', 'badge-off'],
  deny: ['Refused', 'badge-off'],
};

/** One member: where they stand, how they sign in, their devices and exemptions, and the owner's actions. */
@Component({
  selector: 'app-member-page',
  imports: [DatePipe, RouterLink, ConfirmDialog, ExemptionForm],
  templateUrl: './member-page.html',
  styleUrl: './member-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MemberPage implements OnInit {
  private readonly api = inject(AdminApi);
  protected readonly canChange = inject(SessionStore).canChange;

  /** Route parameter. */
  readonly memberId = input.required<string>();

  protected readonly statusLabel = statusLabel;
  protected readonly statusClass = statusClass;
  protected readonly factorLabel = factorLabel;
  protected readonly outcomeLabel = (outcome: string) => OUTCOMES[outcome]?.[0] ?? outcome;
  protected readonly outcomeClass = (outcome: string) => OUTCOMES[outcome]?.[1] ?? '';

  protected readonly detail = signal<MemberDetail | null>(null);
  protected readonly security = signal<MemberSecurity | null>(null);
  protected readonly policies = signal<readonly Policy[]>([]);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly action = new Confirmation<Pending>();
  protected readonly confirmText = computed(() => {
    const p = this.action.pending();
    return p ? CONFIRM[p.kind] : { title: '', label: '' };
  });

  protected readonly exempting = signal(false);
  protected readonly exemptSaving = signal(false);
  protected readonly exemptProblem = signal<ApiProblem | null>(null);
  private readonly policyNames = computed(() => new Map(this.policies().map((p) => [p.id, p.name])));

  ngOnInit(): void {
    this.api.listPolicies().then((l) => this.policies.set(l.items), () => undefined);
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      const [detail, security] = await Promise.all([this.api.getMember(this.memberId()), this.api.memberSecurity(this.memberId())]);
      this.detail.set(detail);
      this.security.set(security);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected policyName(id: string | null): string {
    return id === null ? 'All policies' : (this.policyNames().get(id) ?? 'A deleted policy');
  }

  protected ask(pending: Pending): void {
    this.notice.set(null);
    this.action.ask(pending);
  }

  protected async confirm(): Promise<void> {
    const id = this.memberId();
    const done = await this.action.run(async (p) => {
      switch (p.kind) {
        case 'device':
          await this.api.revokeDevice(id, p.device.id);
          this.notice.set(`${p.device.deviceName ?? 'The device'} must verify again at its next sign-in.`);
          break;
        case 'app-password':
          await this.api.revokeAppPassword(id, p.appPassword.id);
          this.notice.set(`The app password “${p.appPassword.name}” no longer works.`);
          break;
        case 'sign-out': {
          const r = await this.api.signOutMember(id);
          this.notice.set(`Signed out everywhere: ${r.devices} device(s) forgotten, ${r.appPasswords} app password(s) revoked.`);
          break;
        }
        case 'reset-mfa': {
          const r = await this.api.resetMemberMfa(id);
          this.notice.set(`MFA reset: ${r.factorsRemoved} sign-in method(s) removed. They must set up MFA again.`);
          break;
        }
        case 'exemption':
          await this.api.revokeExemption(p.exemption.id);
          this.notice.set('The exemption has ended.');
          break;
      }
    });
    if (done) await this.load();
  }

  protected openExemption(): void {
    this.notice.set(null);
    this.exemptProblem.set(null);
    this.exempting.set(true);
  }

  protected async exempt(input: ExemptionInput): Promise<void> {
    if (this.exemptSaving()) return;
    this.exemptSaving.set(true);
    this.exemptProblem.set(null);
    try {
      await this.api.createExemption({ memberId: this.memberId(), ...input });
      this.exempting.set(false);
      this.notice.set(`Excused from ${this.policyName(input.policyId).toLowerCase() === 'all policies' ? 'every policy' : this.policyName(input.policyId)}.`);
      await this.load();
    } catch (err) {
      this.exemptProblem.set(toApiProblem(err));
    } finally {
      this.exemptSaving.set(false);
    }
  }
}
