import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SessionStore } from '../../core/session-store';

/** The list endpoints have no totals; one page this large is enough to say "500+". */
const MEMBER_COUNT_PAGE = 500;

interface Counts {
  servers: number;
  members: number;
  moreMembers: boolean;
}

@Component({
  selector: 'app-overview-page',
  imports: [RouterLink],
  templateUrl: './overview-page.html',
  styleUrl: './overview-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class OverviewPage implements OnInit {
  private readonly api = inject(AdminApi);
  protected readonly admin = inject(SessionStore).admin;
  protected readonly counts = signal<Counts | null>(null);
  protected readonly problem = signal<ApiProblem | null>(null);

  protected readonly memberCount = computed(() => {
    const c = this.counts();
    return c ? `${c.members}${c.moreMembers ? '+' : ''}` : '…';
  });
  protected readonly hasServer = computed(() => (this.counts()?.servers ?? 0) > 0);
  protected readonly hasMembers = computed(() => (this.counts()?.members ?? 0) > 0);

  async ngOnInit(): Promise<void> {
    try {
      const [servers, members] = await Promise.all([
        this.api.listServers(),
        this.api.listMembers({ limit: MEMBER_COUNT_PAGE }),
      ]);
      this.counts.set({
        servers: servers.items.length,
        members: members.items.length,
        moreMembers: members.nextCursor !== null,
      });
    } catch (err) {
      this.problem.set(toApiProblem(err));
    }
  }
}
