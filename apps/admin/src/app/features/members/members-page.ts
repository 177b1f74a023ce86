import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { FieldControl, FormField } from '@latchkey/ui';
import { AdminApi, MemberQuery } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { Member, Server } from '../../core/api-types';

export const MEMBERS_PAGE_SIZE = 50;

@Component({
  selector: 'app-members-page',
  imports: [FormsModule, DatePipe, FormField, FieldControl],
  templateUrl: './members-page.html',
  styleUrl: './members-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MembersPage implements OnInit {
  private readonly api = inject(AdminApi);

  protected readonly servers = signal<readonly Server[]>([]);
  protected readonly members = signal<readonly Member[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);

  /** The search form; applied on submit (or when the server filter changes). */
  protected readonly q = signal('');
  protected readonly serverId = signal('');
  protected readonly includeRemoved = signal(false);
  /** The query the table currently shows, so "Load more" continues the same search. */
  private applied: MemberQuery = {};

  private readonly serverNames = computed(() => new Map(this.servers().map((s) => [s.id, s.name])));
  protected readonly summary = computed(() => {
    const n = this.members().length;
    if (!this.loaded()) return '';
    if (n === 0) return 'No members match.';
    return `Showing ${n} member${n === 1 ? '' : 's'}${this.nextCursor() ? ' (more available)' : ''}.`;
  });

  ngOnInit(): void {
    this.api.listServers().then(
      (list) => this.servers.set(list.items),
      () => undefined, // the filter is optional; the member list reports its own errors
    );
    void this.search();
  }

  protected serverName(id: string): string {
    return this.serverNames().get(id) ?? '—';
  }

  protected async search(): Promise<void> {
    this.applied = {
      q: this.q().trim() || undefined,
      serverId: this.serverId() || undefined,
      includeRemoved: this.includeRemoved() || undefined,
      limit: MEMBERS_PAGE_SIZE,
    };
    await this.fetch(false);
  }

  protected async loadMore(): Promise<void> {
    await this.fetch(true);
  }

  private async fetch(append: boolean): Promise<void> {
    const cursor = append ? this.nextCursor() : null;
    if (append && !cursor) return;
    this.loading.set(true);
    this.problem.set(null);
    try {
      const page = await this.api.listMembers({ ...this.applied, cursor: cursor ?? undefined });
      this.members.update((list) => (append ? [...list, ...page.items] : page.items));
      this.nextCursor.set(page.nextCursor);
      this.loaded.set(true);
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }
}
