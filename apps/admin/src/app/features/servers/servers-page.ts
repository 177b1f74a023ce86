import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SERVER_KINDS, type Server, type ServerKind } from '../../core/api-types';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { SecretBox } from '../../shared/ui/secret-box';
import { lines } from '../../shared/lines';

type KeyAction = 'rotate' | 'revoke';

interface RevealedKey {
  title: string;
  apiKey: string;
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

const TOO_LONG = 'This is too long.';

/** What each field says when one of our own checks fails (the first listed wins). */
const MESSAGES = {
  name: { required: 'Give the server a name.', maxlength: TOO_LONG },
  kind: { required: 'Choose the kind of server.' },
  baseUrl: {
    required: 'Enter the address of the server.',
    pattern: 'Use a full address starting with http:// or https://, like http://jellyfin.lan:8096.',
    maxlength: TOO_LONG,
  },
} satisfies Record<string, FieldMessages>;

@Component({
  selector: 'app-servers-page',
  imports: [ReactiveFormsModule, FormsModule, DatePipe, ConfirmDialog, SecretBox, FormField, FieldControl],
  templateUrl: './servers-page.html',
  styleUrl: './servers-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServersPage implements OnInit {
  private readonly api = inject(AdminApi);

  protected readonly kinds = SERVER_KINDS;
  protected readonly servers = signal<readonly Server[]>([]);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);

  protected readonly formOpen = signal(false);
  protected readonly creating = signal(false);
  protected readonly submitted = signal(false);
  protected readonly createProblem = signal<ApiProblem | null>(null);

  /** A key that was just issued: shown once, then forgotten. */
  protected readonly revealed = signal<RevealedKey | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly pending = signal<{ action: KeyAction; server: Server } | null>(null);
  protected readonly acting = signal(false);
  protected readonly actionProblem = signal<ApiProblem | null>(null);

  /** The server whose addresses (web addresses, trusted proxies, forward-auth hosts) are being edited. */
  protected readonly editing = signal<Server | null>(null);
  protected readonly origins = signal('');
  protected readonly proxies = signal('');
  protected readonly hosts = signal('');
  protected readonly saving = signal(false);
  protected readonly editProblem = signal<ApiProblem | null>(null);

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    kind: ['jellyfin' as ServerKind, [Validators.required]],
    baseUrl: ['', [Validators.required, Validators.maxLength(2048), Validators.pattern(HTTP_URL)]],
  });

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      this.servers.set((await this.api.listServers()).items);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected kindLabel(kind: ServerKind): string {
    return this.kinds.find((k) => k.value === kind)?.label ?? kind;
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
  }

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), MESSAGES[name], this.createProblem()?.fields[name]);
  }

  protected async create(): Promise<void> {
    this.submitted.set(true);
    this.createProblem.set(null);
    if (this.form.invalid || this.creating()) return;
    const { name, kind, baseUrl } = this.form.getRawValue();
    this.creating.set(true);
    try {
      const created = await this.api.createServer({ name: name.trim(), kind, baseUrl: baseUrl.trim() });
      this.servers.update((list) => [...list, created.server]);
      this.revealed.set({ title: `API key for ${created.server.name}`, apiKey: created.apiKey });
      this.cancelForm();
    } catch (err) {
      this.createProblem.set(toApiProblem(err));
    } finally {
      this.creating.set(false);
    }
  }

  protected ask(action: KeyAction, server: Server): void {
    this.actionProblem.set(null);
    this.pending.set({ action, server });
  }

  protected cancelAction(): void {
    if (!this.acting()) this.pending.set(null);
  }

  protected async confirmAction(): Promise<void> {
    const pending = this.pending();
    if (!pending || this.acting()) return;
    const { action, server } = pending;
    this.acting.set(true);
    this.actionProblem.set(null);
    try {
      if (action === 'rotate') {
        const rotated = await this.api.rotateServerKey(server.id);
        this.replace(rotated.server);
        this.revealed.set({ title: `New API key for ${rotated.server.name}`, apiKey: rotated.apiKey });
        this.notice.set(null);
      } else {
        await this.api.revokeServerKey(server.id);
        this.replace({ ...server, apiKey: { ...server.apiKey, active: false } });
        this.notice.set(
          `The API key of ${server.name} is revoked. The server can no longer reach Latchkey until you issue a new key.`,
        );
        void this.load();
      }
      this.pending.set(null);
    } catch (err) {
      this.actionProblem.set(toApiProblem(err));
    } finally {
      this.acting.set(false);
    }
  }

  protected edit(server: Server): void {
    this.editProblem.set(null);
    this.origins.set(server.webOrigins.join('\n'));
    this.proxies.set(server.trustedProxies.join('\n'));
    this.hosts.set(server.forwardAuthHosts.join('\n'));
    this.editing.set(server);
  }

  protected cancelEdit(): void {
    if (!this.saving()) this.editing.set(null);
  }

  /** The API's messages for one list field (`trustedProxies`, `trustedProxies.1`, …), joined. */
  protected editError(name: 'webOrigins' | 'trustedProxies' | 'forwardAuthHosts'): string | null {
    const found = Object.entries(this.editProblem()?.fields ?? {}).filter(([k]) => k === name || k.startsWith(`${name}.`));
    return found.length ? found.map(([, v]) => v).join(' ') : null;
  }

  protected async saveEdit(): Promise<void> {
    const server = this.editing();
    if (!server || this.saving()) return;
    this.saving.set(true);
    this.editProblem.set(null);
    try {
      const saved = await this.api.updateServer(server.id, { webOrigins: lines(this.origins()), trustedProxies: lines(this.proxies()), forwardAuthHosts: lines(this.hosts()) });
      this.replace(saved);
      this.notice.set(`${saved.name} saved.`);
      this.editing.set(null);
    } catch (err) {
      this.editProblem.set(toApiProblem(err));
    } finally {
      this.saving.set(false);
    }
  }

  private replace(server: Server): void {
    this.servers.update((list) => list.map((s) => (s.id === server.id ? server : s)));
  }
}
