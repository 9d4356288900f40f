/**
 * Migrations as earlier releases pushed them, for the upgrade tests: the first milestone
 * (20261128000001 in its first version, then 20261128000002, in one `supabase db push`, as it was
 * released; the scheduling file 20261128000003 needs pg_cron's database) and the live-safety
 * migration 20261201000100 as it landed, before it was made to drop only what it can prove.
 */
import type { MigrateOptions } from "../../stack/pg.ts";
import { AS_LANDED } from "../../stack/upgrade_path.ts";

const asLanded = (name: string) => Deno.readTextFileSync(new URL(name, AS_LANDED));

export const FIRST_SCHEMA_VERSION = asLanded("20261128000001_balance_sync_schema.sql");
export const LANDED_LIVE_SAFETY = asLanded("20261201000100_balance_sync_live_safety.sql");

/** The first milestone's push. */
export const firstVersion: MigrateOptions = {
  files: (name) => name < "20261128000003",
  content: (name, content) => name.startsWith("20261128000001_") ? FIRST_SCHEMA_VERSION : content,
};

/** The second milestone's push, with the live-safety migration as it landed. */
export const landedLiveSafety: MigrateOptions = {
  files: (name, content) =>
    name < "20261206" && !/create\s+extension\s+(if\s+not\s+exists\s+)?"?pg_cron"?/i.test(content),
  content: (name, content) => name.startsWith("20261201000100_") ? LANDED_LIVE_SAFETY : content,
};
