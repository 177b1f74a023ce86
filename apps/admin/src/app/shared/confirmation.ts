import { signal } from '@angular/core';
import { ApiProblem, toApiProblem } from '../core/api-error';

/**
 * An action waiting for the admin's "yes" (shown in a ConfirmDialog): what it is, whether it is running,
 * and what went wrong. The dialog stays open on an error, showing it; it closes when the action is done.
 */
export class Confirmation<T> {
  readonly pending = signal<T | null>(null);
  readonly working = signal(false);
  readonly problem = signal<ApiProblem | null>(null);

  ask(what: T): void {
    this.problem.set(null);
    this.pending.set(what);
  }

  /** Never while the action runs: its result must be seen. */
  cancel(): void {
    if (!this.working()) this.pending.set(null);
  }

  /** Runs the confirmed action once; true when it succeeded (and the dialog closed). */
  async run(work: (what: T) => Promise<void>): Promise<boolean> {
    const what = this.pending();
    if (what === null || this.working()) return false;
    this.working.set(true);
    this.problem.set(null);
    try {
      await work(what);
      this.pending.set(null);
      return true;
    } catch (err) {
      this.problem.set(toApiProblem(err));
      return false;
    } finally {
      this.working.set(false);
    }
  }
}
