import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { SessionStore } from '../../core/session-store';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { DirectoryEntry, Policy } from '../../core/api-types';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { ACCEPTED_LABELS, enforcementSummary, nameMap, scopeSummary } from './policy-labels';

type PolicyAction = 'enable' | 'disable' | 'delete';

function savedNotice(router: Router): string | null {
  const saved: unknown = router.currentNavigation()?.extras.state?.['saved'];
  return typeof saved === 'string' ? `${saved} is saved.` : null;
}

@Component({
  selector: 'app-policies-page',
  imports: [DatePipe, RouterLink, ConfirmDialog],
  templateUrl: './policies-page.html',
  styleUrl: './policies-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PoliciesPage implements OnInit {
  private readonly api = inject(AdminApi);
  /** Viewers see the policies without the buttons that would change them. */
  protected readonly canChange = inject(SessionStore).canChange;

  protected readonly policies = signal<readonly Policy[]>([]);
  protected readonly groups = signal<readonly DirectoryEntry[]>([]);
  protected readonly libraries = signal<readonly DirectoryEntry[]>([]);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);
  /** "Saved" when the policy form sent us here after saving. */
  protected readonly notice = signal<string | null>(savedNotice(inject(Router)));

  protected readonly pending = signal<{ action: PolicyAction; policy: Policy } | null>(null);
  protected readonly acting = signal(false);
  protected readonly actionProblem = signal<ApiProblem | null>(null);

  private readonly groupNames = computed(() => nameMap(this.groups()));
  private readonly libraryNames = computed(() => nameMap(this.libraries()));

  protected readonly enforcementSummary = enforcementSummary;
  protected readonly acceptedLabels = ACCEPTED_LABELS;

  protected readonly dialogTitle = computed(() => {
    const p = this.pending();
    if (!p) return '';
    return { enable: 'Enable this policy?', disable: 'Disable this policy?', delete: 'Delete this policy?' }[p.action];
  });
  protected readonly dialogLabel = computed(() => {
    const p = this.pending();
    return p ? { enable: 'Enable', disable: 'Disable', delete: 'Delete policy' }[p.action] : 'Confirm';
  });

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      // Names for the scope column; a policy list without them still says "Unknown", so they are not fatal.
      const [policies, groups, libraries] = await Promise.all([
        this.api.listPolicies(),
        this.api.listGroups().catch(() => ({ items: [] })),
        this.api.listLibraries().catch(() => ({ items: [] })),
      ]);
      this.groups.set(groups.items);
      this.libraries.set(libraries.items);
      this.policies.set(policies.items);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected scope(policy: Policy): string {
    return scopeSummary(policy, this.groupNames(), this.libraryNames());
  }

  protected ask(action: PolicyAction, policy: Policy): void {
    this.actionProblem.set(null);
    this.notice.set(null);
    this.pending.set({ action, policy });
  }

  protected cancelAction(): void {
    if (!this.acting()) this.pending.set(null);
  }

  protected async confirmAction(): Promise<void> {
    const pending = this.pending();
    if (!pending || this.acting()) return;
    const { action, policy } = pending;
    this.acting.set(true);
    this.actionProblem.set(null);
    try {
      if (action === 'delete') {
        await this.api.deletePolicy(policy.id);
        this.policies.update((list) => list.filter((p) => p.id !== policy.id));
        this.notice.set(`${policy.name} is deleted.`);
      } else {
        const updated = await this.api.setPolicyEnabled(policy.id, action === 'enable');
        this.policies.update((list) => list.map((p) => (p.id === updated.id ? updated : p)));
        this.notice.set(`${updated.name} is ${updated.enabled ? 'enabled' : 'disabled'}.`);
      }
      this.pending.set(null);
    } catch (err) {
      this.actionProblem.set(toApiProblem(err));
    } finally {
      this.acting.set(false);
    }
  }
}
