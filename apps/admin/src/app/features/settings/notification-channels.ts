import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type {
  CreateNotificationChannelRequest,
  NotificationChannel,
  NotificationChannelKind,
  NotificationEventType,
  NotificationTestResult,
  UpdateNotificationChannelRequest,
} from '@latchkey/contracts';
import { FieldControl, FormField } from '@latchkey/ui';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SettingsApi } from '../../core/settings-api';
import { Confirmation } from '../../shared/confirmation';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { SecretBox } from '../../shared/ui/secret-box';

export const CHANNEL_KINDS: readonly { value: NotificationChannelKind; label: string }[] = [
  { value: 'webhook', label: 'Webhook' },
  { value: 'ntfy', label: 'ntfy' },
  { value: 'gotify', label: 'Gotify' },
  { value: 'email', label: 'E-mail' },
];

export const EVENT_LABELS: readonly { value: NotificationEventType; label: string }[] = [
  { value: 'lockout', label: 'Someone is locked out' },
  { value: 'member.overdue', label: 'A member is past their deadline' },
  { value: 'device.paired', label: 'A TV or app is paired' },
  { value: 'recovery_code.used', label: 'A recovery code is used' },
  { value: 'policy.changed', label: 'A policy changes' },
];

type TestState = { sending: true } | ({ sending: false } & NotificationTestResult);

/** The form's fields, for every kind (only the kind's own are sent). */
interface Draft {
  kind: NotificationChannelKind;
  name: string;
  events: NotificationEventType[];
  enabled: boolean;
  to: string;
  url: string;
  serverUrl: string;
  topic: string;
  token: string;
  removeToken: boolean;
  rotateSecret: boolean;
}

const EMPTY: Draft = { kind: 'webhook', name: '', events: ['lockout', 'member.overdue'], enabled: true, to: '', url: '', serverUrl: '', topic: '', token: '', removeToken: false, rotateSecret: false };

/** Webhooks, ntfy, Gotify and e-mail channels that tell the owner what happened, with a test button each. */
@Component({
  selector: 'app-notification-channels',
  imports: [FormsModule, FormField, FieldControl, ConfirmDialog, SecretBox],
  templateUrl: './notification-channels.html',
  styleUrl: './settings-section.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotificationChannels implements OnInit {
  private readonly api = inject(SettingsApi);

  readonly canChange = input(false);

  protected readonly kinds = CHANNEL_KINDS;
  protected readonly eventLabels = EVENT_LABELS;
  protected readonly channels = signal<readonly NotificationChannel[] | null>(null);
  protected readonly loadProblem = signal<ApiProblem | null>(null);

  /** The channel being edited (null: a new one), while the form is open. */
  protected readonly editing = signal<NotificationChannel | null | undefined>(undefined);
  protected readonly draft = signal<Draft>({ ...EMPTY });
  protected readonly saving = signal(false);
  protected readonly saveProblem = signal<ApiProblem | null>(null);
  protected readonly secret = signal<{ title: string; value: string } | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly tests = signal<Readonly<Record<string, TestState>>>({});
  protected readonly removal = new Confirmation<NotificationChannel>();

  async ngOnInit(): Promise<void> {
    await this.load();
  }

  protected async load(): Promise<void> {
    this.loadProblem.set(null);
    try {
      this.channels.set((await this.api.channels()).items);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    }
  }

  protected kindLabel(kind: NotificationChannelKind): string {
    return CHANNEL_KINDS.find((k) => k.value === kind)?.label ?? kind;
  }

  protected target(c: NotificationChannel): string {
    if (c.kind === 'email') return c.to ?? '';
    if (c.kind === 'webhook') return c.url ?? '';
    return c.kind === 'ntfy' ? `${c.serverUrl ?? ''}/${c.topic ?? ''}` : (c.serverUrl ?? '');
  }

  protected eventsText(c: NotificationChannel): string {
    return c.events.map((e) => EVENT_LABELS.find((l) => l.value === e)?.label ?? e).join(', ');
  }

  protected add(): void {
    this.open(null, { ...EMPTY });
  }

  protected edit(c: NotificationChannel): void {
    this.open(c, { ...EMPTY, kind: c.kind, name: c.name, events: [...c.events], enabled: c.enabled, to: c.to ?? '', url: c.url ?? '', serverUrl: c.serverUrl ?? '', topic: c.topic ?? '' });
  }

  private open(c: NotificationChannel | null, draft: Draft): void {
    this.notice.set(null);
    this.saveProblem.set(null);
    this.draft.set(draft);
    this.editing.set(c);
  }

  protected set<K extends keyof Draft>(key: K, value: Draft[K]): void {
    this.draft.update((d) => ({ ...d, [key]: value }));
  }

  protected toggleEvent(event: NotificationEventType, on: boolean): void {
    this.draft.update((d) => ({ ...d, events: on ? [...d.events, event] : d.events.filter((e) => e !== event) }));
  }

  protected field(name: string): string | null {
    return this.saveProblem()?.fields[name] ?? null;
  }

  protected async save(): Promise<void> {
    const editing = this.editing();
    if (editing === undefined || this.saving()) return;
    this.saving.set(true);
    this.saveProblem.set(null);
    try {
      const saved = editing ? await this.api.updateChannel(editing.id, updateBody(editing, this.draft())) : await this.api.createChannel(createBody(this.draft()));
      this.channels.update((list) => (editing ? (list ?? []).map((c) => (c.id === editing.id ? saved.channel : c)) : [...(list ?? []), saved.channel]));
      if (saved.secret) this.secret.set({ title: `Signing secret of ${saved.channel.name}`, value: saved.secret });
      this.notice.set(editing ? `${saved.channel.name} saved.` : `${saved.channel.name} added. Send a test to check it.`);
      this.editing.set(undefined);
    } catch (err) {
      this.saveProblem.set(toApiProblem(err));
    } finally {
      this.saving.set(false);
    }
  }

  protected async test(c: NotificationChannel): Promise<void> {
    this.tests.update((t) => ({ ...t, [c.id]: { sending: true } }));
    let state: TestState;
    try {
      state = { sending: false, ...(await this.api.testChannel(c.id)) };
    } catch (err) {
      state = { sending: false, ok: false, status: null, error: toApiProblem(err).message };
    }
    this.tests.update((t) => ({ ...t, [c.id]: state }));
  }

  protected async confirmRemoval(): Promise<void> {
    await this.removal.run(async (c) => {
      await this.api.deleteChannel(c.id);
      this.channels.update((list) => (list ?? []).filter((x) => x.id !== c.id));
      this.notice.set(`${c.name} removed.`);
    });
  }
}

function createBody(d: Draft): CreateNotificationChannelRequest {
  const common = { name: d.name.trim(), events: d.events, enabled: d.enabled };
  switch (d.kind) {
    case 'email':
      return { kind: 'email', ...common, to: d.to.trim() };
    case 'webhook':
      return { kind: 'webhook', ...common, url: d.url.trim() };
    case 'ntfy':
      return { kind: 'ntfy', ...common, serverUrl: d.serverUrl.trim() || 'https://ntfy.sh', topic: d.topic.trim(), ...(d.token.trim() ? { token: d.token.trim() } : {}) };
    case 'gotify':
      return { kind: 'gotify', ...common, serverUrl: d.serverUrl.trim(), token: d.token.trim() };
  }
}

function updateBody(c: NotificationChannel, d: Draft): UpdateNotificationChannelRequest {
  const body: UpdateNotificationChannelRequest = { name: d.name.trim(), events: d.events, enabled: d.enabled };
  if (c.kind === 'email') body.to = d.to.trim();
  if (c.kind === 'webhook') {
    body.url = d.url.trim();
    if (d.rotateSecret) body.rotateSecret = true;
  }
  if (c.kind === 'ntfy' || c.kind === 'gotify') body.serverUrl = d.serverUrl.trim();
  if (c.kind === 'ntfy') body.topic = d.topic.trim();
  if ((c.kind === 'ntfy' || c.kind === 'gotify') && d.token.trim()) body.token = d.token.trim();
  else if (c.kind === 'ntfy' && d.removeToken) body.token = null;
  return body;
}
