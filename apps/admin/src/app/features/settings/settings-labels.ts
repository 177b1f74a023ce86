import type { SettingSource } from '@latchkey/contracts';

/** Where a setting's value comes from, as the Settings page says it. */
export const SOURCE_LABELS: Record<SettingSource, { label: string; badge: string }> = {
  environment: { label: 'From the environment', badge: 'badge' },
  console: { label: 'Set in the console', badge: 'badge badge-ok' },
  none: { label: 'Not configured', badge: 'badge badge-off' },
};
