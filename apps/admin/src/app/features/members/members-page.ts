import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, Injectable, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { FieldControl, FormField } from '@latchkey/ui';
import { AdminApi, MemberQuery } from '../../core/admin-api';
import { DashboardApi } from '../../core/dashboard-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { FACTOR_KINDS, MEMBER_STATUSES, type BulkResult, type DirectoryEntry, type MemberListItem, type MemberSort, type Policy, type Server } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { Confirmation } from '../../shared/confirmation';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { ExemptionForm, type ExemptionInput } from '../../shared/ui/exemption-form';
import { factorLabel, statusClass, statusLabel } from './member-labels';

export const MEMBERS_PAGE_SIZE = 50;

/** Why a reminder was not sent, in the owner's words. */
const SKIP_WORDS: Record<string, string> = {
  not_required: 'nothing to set up',
  no_email: 'no e-mail address',
  not_found: 'not found',
  email_unavailable: 'e-mail is not set up',
};

export type BulkAction = 'exempt' | 'sign_out' | 'reset_mfa' | 'remind';

/** The filters the table shows, kept while the owner opens a member and comes back. */
export interface MemberFilters {
  q: string;
  status: string;
  factor: string;
  groupId: string;
  libraryId: string;
  serverId: string;
  includeRemoved: boolean;
  sort: MemberSort;
}

const NO_FILTERS: MemberFilters = { q: '', status: '', factor: '', groupId: '', libraryId: '', serverId: '', includeRemoved: false, sort: 'username' };

@Injectable({ providedIn: 'root' })
export class MembersTableState {
  readonly filters = signal<MemberFilters>(NO_FILTERS);
  /** Cursors of the pages shown so far: page n starts at `cursors[n]` (null for the first). */
  readonly cursors = signal<(string | null)[]>([null]);
}

/**
 * Everyone the media servers share with: search, filter by standing, sign-in method, group, library and
 * server, sort, page through any number of members, and act on a selection.
 */
@Component({
  selector: 'app-members-page',
  imports: [FormsModule, DatePipe, RouterLink, FormField, FieldControl, ConfirmDialog, ExemptionForm],
  templateUrl: './members-page.html',
  styleUrl: './members-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MembersPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly reminders = inject(DashboardApi);
  private readonly state = inject(MembersTableState);
  protected readonly canChange = inject(SessionStore).canChange;

  protected readonly statuses = MEMBER_STATUSES;
  protected readonly factorKinds = FACTOR_KINDS;
  protected readonly statusLabel = statusLabel;
  protected readonly statusClass = statusClass;
  protected readonly factorLabel = factorLabel;

  protected readonly servers = signal<readonly Server[]>([]);
  protected readonly groups = signal<readonly DirectoryEntry[]>([]);
  protected readonly libraries = signal<readonly DirectoryEntry[]>([]);
  protected readonly policies = signal<readonly Policy[]>([]);
  protected readonly members = signal<readonly MemberListItem[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);

  /** The form (applied on submit, or at once for the selects). */
  protected readonly filters = this.state.filters;
  protected readonly page = computed(() => this.state.cursors().length);

  /** Selected members by id (kept across pages). */
  protected readonly selected = signal<ReadonlyMap<string, MemberListItem>>(new Map());
  protected readonly allOnPageSelected = computed(() => this.members().length > 0 && this.members().every((m) => this.selected().has(m.id)));
  protected readonly action = new Confirmation<BulkAction>();
  protected readonly notice = signal<string | null>(null);

  /** The filters that pick one entry of a list the API gives (group, library, server). */
  protected readonly entryFilters = computed(() => [
    { name: 'groupId' as const, id: 'member-group', label: 'Group', all: 'All groups', options: this.groups() },
    { name: 'libraryId' as const, id: 'member-library', label: 'Library', all: 'All libraries', options: this.libraries() },
    { name: 'serverId' as const, id: 'member-server', label: 'Server', all: 'All servers', options: this.servers() },
  ]);
  private readonly serverNames = computed(() => new Map(this.servers().map((s) => [s.id, s.name])));
  protected readonly filtered = computed(() => {
    const f = this.filters();
    return !!(f.q || f.status || f.factor || f.groupId || f.libraryId || f.serverId || f.includeRemoved);
  });
  protected readonly summary = computed(() => {
    if (!this.loaded()) return '';
    const n = this.members().length;
    if (n === 0) return this.page() > 1 ? 'No more members.' : 'No members match.';
    const first = (this.page() - 1) * MEMBERS_PAGE_SIZE + 1;
    return `Members ${first}–${first + n - 1}${this.nextCursor() ? '' : ` of ${first + n - 1}`}.`;
  });

  ngOnInit(): void {
    // Optional lists for the filters and the exemption dialog; the table reports its own errors.
    this.api.listServers().then((l) => this.servers.set(l.items), () => undefined);
    this.api.listGroups().then((l) => this.groups.set(l.items), () => undefined);
    this.api.listLibraries().then((l) => this.libraries.set(l.items), () => undefined);
    this.api.listPolicies().then((l) => this.policies.set(l.items), () => undefined);
    void this.fetch();
  }

  protected serverName(id: string): string {
    return this.serverNames().get(id) ?? '—';
  }

  protected set<K extends keyof MemberFilters>(name: K, value: MemberFilters[K], apply = true): void {
    this.filters.update((f) => ({ ...f, [name]: value }));
    if (apply) void this.search();
  }

  protected async search(): Promise<void> {
    this.state.cursors.set([null]);
    await this.fetch();
  }

  protected async resetFilters(): Promise<void> {
    this.filters.set(NO_FILTERS);
    await this.search();
  }

  /** Sort by a column; a second click on the same column reverses it. */
  protected async sortBy(column: 'username' | 'firstSeenAt'): Promise<void> {
    const current = this.filters().sort;
    this.set('sort', (current === column ? `-${column}` : column) as MemberSort);
  }

  protected ariaSort(column: 'username' | 'firstSeenAt'): 'ascending' | 'descending' | null {
    const sort = this.filters().sort;
    return sort === column ? 'ascending' : sort === `-${column}` ? 'descending' : null;
  }

  protected async nextPage(): Promise<void> {
    const cursor = this.nextCursor();
    if (!cursor) return;
    this.state.cursors.update((c) => [...c, cursor]);
    await this.fetch();
  }

  protected async previousPage(): Promise<void> {
    if (this.page() <= 1) return;
    this.state.cursors.update((c) => c.slice(0, -1));
    await this.fetch();
  }

  private query(): MemberQuery {
    const f = this.filters();
    const cursors = this.state.cursors();
    return {
      q: f.q.trim() || undefined,
      status: (f.status || undefined) as MemberQuery['status'],
      factor: (f.factor || undefined) as MemberQuery['factor'],
      groupId: f.groupId || undefined,
      libraryId: f.libraryId || undefined,
      serverId: f.serverId || undefined,
      includeRemoved: f.includeRemoved || undefined,
      sort: f.sort === 'username' ? undefined : f.sort,
      limit: MEMBERS_PAGE_SIZE,
      cursor: cursors[cursors.length - 1] ?? undefined,
    };
  }

  private async fetch(): Promise<void> {
    this.loading.set(true);
    this.problem.set(null);
    try {
      const page = await this.api.listMembers(this.query());
      this.members.set(page.items);
      this.nextCursor.set(page.nextCursor);
      this.loaded.set(true);
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  // ---- Selection and bulk actions ----

  protected toggle(member: MemberListItem, on: boolean): void {
    this.selected.update((s) => {
      const next = new Map(s);
      if (on) next.set(member.id, member);
      else next.delete(member.id);
      return next;
    });
  }

  protected togglePage(on: boolean): void {
    this.selected.update((s) => {
      const next = new Map(s);
      for (const m of this.members()) {
        if (on) next.set(m.id, m);
        else next.delete(m.id);
      }
      return next;
    });
  }

  protected clearSelection(): void {
    this.selected.set(new Map());
  }

  protected selectionNames(): string {
    const names = [...this.selected().values()].map((m) => m.username);
    return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
  }

  protected ask(action: BulkAction): void {
    this.notice.set(null);
    this.action.ask(action);
  }

  protected async exempt(input: ExemptionInput): Promise<void> {
    await this.run((ids) => this.api.bulkExempt({ memberIds: ids, ...input }), (n) => `${n} excused${input.policyId ? ' from one policy' : ' from every policy'}.`);
  }

  protected async confirmAction(): Promise<void> {
    const action = this.action.pending();
    if (action === 'sign_out') await this.run((ids) => this.api.bulkSignOut(ids), (n) => `${n} signed out everywhere: their devices must verify again.`);
    if (action === 'reset_mfa') await this.run((ids) => this.api.bulkResetMfa(ids), (n) => `MFA reset for ${n}: they must set up a sign-in method again.`);
  }

  /** Reminders now, for the selection (the API skips members who need none or cannot be reached). */
  protected async remind(): Promise<void> {
    const ok = await this.action.run(async () => {
      const { results } = await this.reminders.sendReminders([...this.selected().keys()]);
      const sent = results.filter((r) => r.status === 'sent').length;
      const skipped = results.filter((r) => r.status === 'skipped');
      const failed = results.filter((r) => r.status === 'failed').length;
      const parts = [`${sent} reminder${sent === 1 ? '' : 's'} sent.`];
      if (skipped.length) parts.push(`${skipped.length} skipped (${[...new Set(skipped.map((r) => SKIP_WORDS[r.reason ?? 'not_required']))].join('; ')}).`);
      if (failed) parts.push(`${failed} could not be sent; try again later.`);
      this.notice.set(parts.join(' '));
    });
    if (ok) this.clearSelection();
  }

  private async run(call: (ids: string[]) => Promise<BulkResult>, done: (who: string) => string): Promise<void> {
    const ok = await this.action.run(async () => {
      const result = await call([...this.selected().keys()]);
      const who = `${result.done} member${result.done === 1 ? '' : 's'}`;
      this.notice.set(done(who) + (result.notFound.length ? ` ${result.notFound.length} could not be found.` : ''));
    });
    if (!ok) return;
    this.clearSelection();
    await this.fetch();
  }
}
