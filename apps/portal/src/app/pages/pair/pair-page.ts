import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { USER_CODE_LENGTH, foreignCharacters, normalizeUserCode, userCodeProblem } from './user-code';

function quoteList(chars: string[]): string {
  const quoted = chars.map((c) => `“${c}”`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
}

@Component({
  selector: 'app-pair-page',
  imports: [RouterLink],
  templateUrl: './pair-page.html',
  styleUrl: './pair-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PairPage {
  protected readonly value = signal('');
  protected readonly attempted = signal(false);
  /** The code that was accepted, shown back in its canonical form. */
  protected readonly submittedCode = signal<string | null>(null);

  protected readonly error = computed(() => {
    if (!this.attempted()) return null;
    const value = this.value();
    switch (userCodeProblem(value)) {
      case null:
        return null;
      case 'empty':
        return 'Enter the code shown on your TV.';
      case 'wrong_length':
        return `The code has ${USER_CODE_LENGTH} letters, like WDJB-MJHT.`;
      case 'bad_characters': {
        const chars = foreignCharacters(value);
        return `Codes never contain ${quoteList(chars)}: they use letters only, and no vowels. Check the code on your TV.`;
      }
    }
  });

  protected onInput(event: Event): void {
    this.value.set((event.target as HTMLInputElement).value);
    this.submittedCode.set(null);
  }

  /** Tidy the field to `ABCD-EFGH` when the person leaves it with a valid code. */
  protected onBlur(input: HTMLInputElement): void {
    const code = normalizeUserCode(input.value);
    if (code) {
      input.value = code;
      this.value.set(code);
    }
  }

  protected submit(event: Event, input: HTMLInputElement): void {
    event.preventDefault();
    this.attempted.set(true);
    const code = normalizeUserCode(this.value());
    if (!code) {
      this.submittedCode.set(null);
      input.focus();
      return;
    }
    input.value = code;
    this.value.set(code);
    this.submittedCode.set(code);
  }
}
