import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { DirectoryEntry, Policy, PolicyDraft, PolicyPreview } from '../../core/api-types';
import type { Accepted, Enforcement } from './policy-labels';

type Scope = 'everyone' | 'groups';

const MESSAGES = {
  name: { required: 'Give the policy a name.', maxlength: 'This is too long (100 characters at most).' },
  gracePeriodDays: {
    required: 'Enter a number of days (0 for no grace period).',
    min: 'Use a number from 0 to 365.',
    max: 'Use a number from 0 to 365.',
    pattern: 'Use whole days, from 0 to 365.',
  },
} satisfies Record<string, FieldMessages>;

/** Splits the LAN textarea into entries: one per line, blank lines ignored. */
export function cidrLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Create or edit one policy, with a preview of whom it would affect today. */
@Component({
  selector: 'app-policy-form-page',
  imports: [ReactiveFormsModule, RouterLink, DatePipe, FormField, FieldControl],
  templateUrl: './policy-form-page.html',
  styleUrl: './policy-form-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PolicyFormPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly router = inject(Router);
  private readonly policyId = inject(ActivatedRoute).snapshot.paramMap.get('policyId');

  protected readonly editing = this.policyId !== null;
  protected readonly policy = signal<Policy | null>(null);
  protected readonly groups = signal<readonly DirectoryEntry[]>([]);
  protected readonly libraries = signal<readonly DirectoryEntry[]>([]);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ApiProblem | null>(null);

  protected readonly selectedGroups = signal<ReadonlySet<string>>(new Set());
  protected readonly selectedLibraries = signal<ReadonlySet<string>>(new Set());

  protected readonly submitted = signal(false);
  protected readonly saving = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);

  protected readonly preview = signal<PolicyPreview | null>(null);
  protected readonly previewing = signal(false);
  protected readonly previewProblem = signal<ApiProblem | null>(null);
  /** The draft the preview shows, to tell when the form has moved on since. */
  private readonly previewedDraft = signal<string | null>(null);

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    scope: ['everyone' as Scope],
    gracePeriodDays: [14 as number | null, [Validators.required, Validators.min(0), Validators.max(365), Validators.pattern(/^\d+$/)]],
    accepted: ['any' as Accepted],
    allowEmail: [true],
    allowAppPasswords: [true],
    enforcement: ['block' as Enforcement],
    bypassCidrs: [''],
    enabled: [false],
  });

  private readonly value = toSignal(this.form.valueChanges, { initialValue: this.form.getRawValue() });
  protected readonly scopeIsGroups = computed(() => this.value().scope === 'groups');
  protected readonly restricting = computed(() => this.value().enforcement === 'restrict');
  protected readonly previewStale = computed(() => {
    this.value();
    const shown = this.previewedDraft();
    return shown !== null && shown !== JSON.stringify(this.draft());
  });
  protected readonly maxWeek = computed(() => Math.max(1, ...(this.preview()?.inGraceByWeek.map((w) => w.count) ?? [])));
  protected readonly groupsMissing = computed(
    () => this.submitted() && this.scopeIsGroups() && this.selectedGroups().size === 0,
  );

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.loadProblem.set(null);
    try {
      const [groups, libraries, policy] = await Promise.all([
        this.api.listGroups(),
        this.api.listLibraries(),
        this.policyId ? this.api.getPolicy(this.policyId) : Promise.resolve(null),
      ]);
      this.groups.set(groups.items);
      this.libraries.set(libraries.items);
      if (policy) this.fill(policy);
    } catch (err) {
      this.loadProblem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  private fill(policy: Policy): void {
    this.policy.set(policy);
    this.form.setValue({
      name: policy.name,
      scope: policy.groups.length ? 'groups' : 'everyone',
      gracePeriodDays: policy.gracePeriodDays,
      accepted: policy.accepted,
      allowEmail: policy.allowEmail,
      allowAppPasswords: policy.allowAppPasswords,
      enforcement: policy.enforcement,
      bypassCidrs: policy.bypassCidrs.join('\n'),
      enabled: policy.enabled,
    });
    this.selectedGroups.set(new Set(policy.groups));
    this.selectedLibraries.set(new Set(policy.libraries));
  }

  protected toggle(which: 'groups' | 'libraries', id: string, checked: boolean): void {
    const target = which === 'groups' ? this.selectedGroups : this.selectedLibraries;
    target.update((set) => {
      const next = new Set(set);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });
    // The selection is not part of the form group: nudge the preview's "out of date" check.
    this.form.updateValueAndValidity();
  }

  /** What the API should hear about the form as it stands. Scope ids keep the order of the lists shown. */
  private draft(): PolicyDraft {
    const v = this.form.getRawValue();
    const groups = v.scope === 'groups' ? this.groups().filter((g) => this.selectedGroups().has(g.id)).map((g) => g.id) : [];
    return {
      name: v.name.trim() || 'Draft',
      groups,
      libraries: this.libraries()
        .filter((l) => this.selectedLibraries().has(l.id))
        .map((l) => l.id),
      gracePeriodDays: Number(v.gracePeriodDays),
      accepted: v.accepted,
      allowEmail: v.allowEmail,
      allowAppPasswords: v.allowAppPasswords,
      enforcement: v.enforcement,
      reverifyAfterHours: this.policy()?.reverifyAfterHours ?? null,
      bypassCidrs: cidrLines(v.bypassCidrs),
    };
  }

  /** The first API message about a field or one of its entries (`bypassCidrs.2` is the third line). */
  private apiField(name: string): string | null {
    const fields = this.problem()?.fields ?? this.previewProblem()?.fields ?? {};
    if (fields[name]) return fields[name];
    for (const [path, message] of Object.entries(fields)) {
      const m = new RegExp(`^${name}\\.(\\d+)`).exec(path);
      if (m) return name === 'bypassCidrs' ? `Line ${Number(m[1]) + 1}: ${message}` : message;
    }
    return null;
  }

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), MESSAGES[name], this.apiField(name));
  }

  protected apiError(name: 'groups' | 'libraries' | 'accepted' | 'allowEmail' | 'allowAppPasswords' | 'enforcement' | 'bypassCidrs'): string | null {
    return this.apiField(name);
  }

  protected async runPreview(): Promise<void> {
    if (this.previewing()) return;
    const draft = this.draft();
    if (!Number.isInteger(draft.gracePeriodDays) || this.form.controls.gracePeriodDays.invalid) {
      this.submitted.set(true);
      return;
    }
    this.previewing.set(true);
    this.previewProblem.set(null);
    try {
      this.preview.set(await this.api.previewPolicy(draft));
      this.previewedDraft.set(JSON.stringify(draft));
    } catch (err) {
      this.previewProblem.set(toApiProblem(err));
    } finally {
      this.previewing.set(false);
    }
  }

  protected async save(): Promise<void> {
    this.submitted.set(true);
    this.problem.set(null);
    if (this.form.invalid || this.groupsMissing() || this.saving()) return;
    const draft = this.draft();
    this.saving.set(true);
    try {
      const current = this.policy();
      let saved: Policy;
      if (current) {
        const { reverifyAfterHours: _unchanged, ...changes } = draft;
        saved = await this.api.updatePolicy(current.id, { ...changes, name: this.form.getRawValue().name.trim() });
      } else {
        saved = await this.api.createPolicy({
          ...draft,
          name: this.form.getRawValue().name.trim(),
          enabled: this.form.getRawValue().enabled,
        });
      }
      await this.router.navigate(['/policies'], { state: { saved: saved.name } });
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.saving.set(false);
    }
  }
}
