import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { Exemption, Member, Policy } from '../../core/api-types';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { endOfDay } from '../../shared/ui/exemption-form';

/** How many members the name lookup and the member search fetch. */
export const MEMBER_LOOKUP_LIMIT = 500;
export const MEMBER_SEARCH_LIMIT = 10;

const MESSAGES = {
  reason: {
    required: 'Say why this member is excused; the reason is kept with the exemption.',
    pattern: 'Say why this member is excused; the reason is kept with the exemption.',
    maxlength: 'Keep the reason under 500 characters.',
  },
  policyId: {},
  expiresOn: { past: 'Choose a date from today on, or leave it empty.' },
} satisfies Record<string, FieldMessages>;

export { endOfDay };

/** Members excused from every policy or from one, with a reason and an optional end date. */
@Component({
  selector: 'app-exemptions-page',
  imports: [ReactiveFormsModule, FormsModule, DatePipe, ConfirmDialog, FormField, FieldControl],
  templateUrl: './exemptions-page.html',
  styleUrl: './exemptions-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExemptionsPage implements OnInit {
  private readonly api = inject(AdminApi);

  protected readonly exemptions = signal<readonly Exemption[]>([]);
  protected readonly policies = signal<readonly Policy[]>([]);
  /** Usernames by member id: from a first page of members, plus whoever was picked in the form. */
  private readonly knownMembers = signal<ReadonlyMap<string, Member>>(new Map());
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly formOpen = signal(false);
  protected readonly submitted = signal(false);
  protected readonly creating = signal(false);
  protected readonly createProblem = signal<ApiProblem | null>(null);

  protected readonly query = signal('');
  protected readonly searching = signal(false);
  protected readonly searched = signal(false);
  protected readonly results = signal<readonly Member[]>([]);
  protected readonly chosen = signal<Member | null>(null);

  protected readonly pending = signal<Exemption | null>(null);
  protected readonly revoking = signal(false);
  protected readonly revokeProblem = signal<ApiProblem | null>(null);

  protected readonly form = inject(NonNullableFormBuilder).group({
    policyId: [''],
    reason: ['', [Validators.required, Validators.pattern(/\S/), Validators.maxLength(500)]],
    expiresOn: [''],
  });

  private readonly policyNames = computed(() => new Map(this.policies().map((p) => [p.id, p.name])));
  protected readonly today = new Date().toISOString().slice(0, 10);
  protected readonly memberMissing = computed(() => this.submitted() && this.chosen() === null);

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      const [exemptions, policies, members] = await Promise.all([
        this.api.listExemptions(),
        this.api.listPolicies(),
        this.api.listMembers({ limit: MEMBER_LOOKUP_LIMIT }).catch(() => ({ items: [] as Member[] })),
      ]);
      this.remember(members.items);
      this.policies.set(policies.items);
      this.exemptions.set(exemptions.items);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  private remember(members: readonly Member[]): void {
    this.knownMembers.update((known) => {
      const next = new Map(known);
      for (const m of members) next.set(m.id, m);
      return next;
    });
  }

  protected memberName(id: string): string {
    return this.knownMembers().get(id)?.username ?? `Member ${id.slice(0, 8)}`;
  }

  protected policyName(id: string | null): string {
    if (id === null) return 'All policies';
    return this.policyNames().get(id) ?? 'A deleted policy';
  }

  protected openForm(): void {
    this.formOpen.set(true);
    this.notice.set(null);
  }

  protected cancelForm(): void {
    this.formOpen.set(false);
    this.submitted.set(false);
    this.createProblem.set(null);
    this.form.reset();
    this.query.set('');
    this.results.set([]);
    this.searched.set(false);
    this.chosen.set(null);
  }

  protected async search(event?: Event): Promise<void> {
    event?.preventDefault();
    const q = this.query().trim();
    if (!q || this.searching()) return;
    this.searching.set(true);
    this.createProblem.set(null);
    try {
      const page = await this.api.listMembers({ q, limit: MEMBER_SEARCH_LIMIT });
      this.results.set(page.items);
      this.remember(page.items);
      this.searched.set(true);
    } catch (err) {
      this.createProblem.set(toApiProblem(err));
    } finally {
      this.searching.set(false);
    }
  }

  protected choose(member: Member): void {
    this.chosen.set(member);
  }

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    const control = this.form.controls[name];
    const api = this.createProblem()?.fields[name === 'expiresOn' ? 'expiresAt' : name];
    return fieldMessage(control, this.submitted(), MESSAGES[name], api);
  }

  protected memberError(): string | null {
    if (this.memberMissing()) return 'Search for the member and choose them.';
    return this.createProblem()?.fields['memberId'] ?? null;
  }

  protected async create(): Promise<void> {
    this.submitted.set(true);
    this.createProblem.set(null);
    const { policyId, reason, expiresOn } = this.form.getRawValue();
    const past = expiresOn !== '' && expiresOn < this.today;
    this.form.controls.expiresOn.setErrors(past ? { past: true } : null);
    const member = this.chosen();
    if (this.form.invalid || !member || this.creating()) return;
    this.creating.set(true);
    try {
      const created = await this.api.createExemption({
        memberId: member.id,
        policyId: policyId || null,
        reason: reason.trim(),
        expiresAt: expiresOn ? endOfDay(expiresOn) : null,
      });
      this.exemptions.update((list) => [...list, created]);
      this.notice.set(`${member.username} is excused from ${policyId ? this.policyName(policyId) : 'all policies'}.`);
      this.cancelForm();
    } catch (err) {
      this.createProblem.set(toApiProblem(err));
    } finally {
      this.creating.set(false);
    }
  }

  protected ask(exemption: Exemption): void {
    this.revokeProblem.set(null);
    this.notice.set(null);
    this.pending.set(exemption);
  }

  protected cancelRevoke(): void {
    if (!this.revoking()) this.pending.set(null);
  }

  protected async confirmRevoke(): Promise<void> {
    const exemption = this.pending();
    if (!exemption || this.revoking()) return;
    this.revoking.set(true);
    this.revokeProblem.set(null);
    try {
      await this.api.revokeExemption(exemption.id);
      this.exemptions.update((list) => list.filter((e) => e.id !== exemption.id));
      this.notice.set(`The exemption of ${this.memberName(exemption.memberId)} is revoked.`);
      this.pending.set(null);
    } catch (err) {
      this.revokeProblem.set(toApiProblem(err));
    } finally {
      this.revoking.set(false);
    }
  }
}
