import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { ADMIN_ROLES, type AdminInvite, type AdminRole, type TeamAdmin } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { Confirmation } from '../../shared/confirmation';
import { SecretBox } from '../../shared/ui/secret-box';

const MESSAGES = {
  email: { required: 'Enter their e-mail address.', email: 'Enter a valid e-mail address, like you@example.com.' },
  role: {},
} satisfies Record<string, FieldMessages>;

type Pending = { kind: 'role'; admin: TeamAdmin; role: AdminRole } | { kind: 'remove'; admin: TeamAdmin } | { kind: 'revoke'; invite: AdminInvite };

/** Who may use this console: invite admins with a role, change roles, remove them (owners only). */
@Component({
  selector: 'app-admins-page',
  imports: [ReactiveFormsModule, DatePipe, FormField, FieldControl, ConfirmDialog, SecretBox],
  templateUrl: './admins-page.html',
  styleUrl: './admins-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminsPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly store = inject(SessionStore);
  protected readonly canManage = this.store.canManageAdmins;
  protected readonly me = computed(() => this.store.admin()?.id ?? null);
  protected readonly roles = ADMIN_ROLES;

  protected readonly admins = signal<readonly TeamAdmin[]>([]);
  protected readonly invites = signal<readonly AdminInvite[]>([]);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly inviting = signal(false);
  protected readonly submitted = signal(false);
  protected readonly inviteProblem = signal<ApiProblem | null>(null);
  /** The link of the invitation just created: shown once. */
  protected readonly link = signal<{ email: string; url: string } | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email, Validators.maxLength(320)]],
    role: ['viewer' as AdminRole, [Validators.required]],
  });

  protected readonly action = new Confirmation<Pending>();
  protected readonly confirmTitle = computed(() => {
    const p = this.action.pending();
    if (!p) return '';
    if (p.kind === 'role') return `Make ${p.admin.displayName} ${this.roleLabel(p.role).toLowerCase()}?`;
    if (p.kind === 'remove') return `Remove ${p.admin.displayName}?`;
    return `Revoke the invitation of ${p.invite.email}?`;
  });

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      const team = await this.api.listAdmins();
      this.admins.set(team.admins);
      this.invites.set(team.invites);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected roleLabel(role: AdminRole): string {
    return this.roles.find((r) => r.value === role)?.label ?? role;
  }

  protected roleHint(): string {
    return this.roles.find((r) => r.value === this.form.controls.role.value)?.hint ?? '';
  }

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), MESSAGES[name], this.inviteProblem()?.fields[name]);
  }

  protected async invite(): Promise<void> {
    this.submitted.set(true);
    this.inviteProblem.set(null);
    if (this.form.invalid || this.inviting()) return;
    const { email, role } = this.form.getRawValue();
    this.inviting.set(true);
    try {
      const created = await this.api.inviteAdmin(email.trim(), role);
      this.link.set({ email: created.invite.email, url: created.url });
      this.invites.update((list) => [...list.filter((i) => i.email !== created.invite.email), created.invite]);
      this.form.reset({ email: '', role: 'viewer' });
      this.submitted.set(false);
      this.notice.set(null);
    } catch (err) {
      this.inviteProblem.set(toApiProblem(err));
    } finally {
      this.inviting.set(false);
    }
  }

  protected ask(pending: Pending): void {
    this.notice.set(null);
    this.action.ask(pending);
  }

  protected async confirm(): Promise<void> {
    const done = await this.action.run(async (p) => {
      if (p.kind === 'role') {
        await this.api.changeAdminRole(p.admin.id, p.role);
        this.notice.set(`${p.admin.displayName} is now ${this.roleLabel(p.role).toLowerCase()}.`);
      } else if (p.kind === 'remove') {
        await this.api.removeAdmin(p.admin.id);
        this.notice.set(`${p.admin.displayName} can no longer sign in.`);
      } else {
        await this.api.revokeInvite(p.invite.id);
        this.notice.set(`The invitation of ${p.invite.email} no longer works.`);
      }
    });
    if (done) await this.load();
  }
}
