/** SQL written with `?` placeholders, numbered (`$1`, `$2`, …) as PostgreSQL takes them. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
