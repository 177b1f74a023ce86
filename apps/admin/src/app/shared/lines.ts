/** A list typed one entry a line (commas also separate), blank entries dropped. */
export function lines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
