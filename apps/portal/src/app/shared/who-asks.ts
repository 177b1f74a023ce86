import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { MemberSelf } from '@latchkey/contracts';

/**
 * Who asks for two-step verification, to start a sentence: "Olive, who runs Family Jellyfin," — or, when
 * Latchkey does not know the owner's name, "The owner of Family Jellyfin".
 */
@Component({
  selector: 'app-who-asks',
  template: `@let s = server();
    @if (s?.ownerName) {
      <strong>{{ s!.ownerName }}</strong>, who runs <strong>{{ s!.name }}</strong>,
    } @else {
      The owner of <strong>{{ s?.name ?? 'your media server' }}</strong>
    }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WhoAsks {
  readonly server = input<MemberSelf['server'] | undefined>(undefined);
}
