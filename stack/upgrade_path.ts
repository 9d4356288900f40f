/**
 * The upgrade path of a live database, for the DB tests and `deno task bench:upgrade`: the first
 * milestone's migrations as they landed (stack/as_landed/), then the rest, either as they are
 * now or as they landed before the concurrent index builds and the batched backfill (the files
 * 20261206000200 .. 20261206000299 did not exist then). Plus wallet_balances rows in bulk, a share
 * of them in error backoff, on the first milestone's schema.
 */
import type { Cluster, Sql } from "./pg.ts";

/** Copies of migrations as they landed, for those edited after landing (see its README.md). */
export const AS_LANDED = new URL("./as_landed/", import.meta.url);
const CREATES_PG_CRON = /create\s+extension\s+(if\s+not\s+exists\s+)?"?pg_cron"?/i;
/** The first file of the second milestone. */
const SECOND_MILESTONE = "20261201000000";
/** The files that moved the builds and the backfill out of the ADD COLUMN transactions. */
export const UPGRADE_LOCK_FILES = "20261206000200";
const AFTER_UPGRADE_LOCK_FILES = "20261206000300";
/** Later files that redefine what those files added: without them there is nothing to redefine. */
const UPGRADE_LOCK_FOLLOW_UPS = ["20261206001600"];
const isUpgradeLockFile = (name: string) =>
  (name >= UPGRADE_LOCK_FILES && name < AFTER_UPGRADE_LOCK_FILES) ||
  UPGRADE_LOCK_FOLLOW_UPS.some((prefix) => name.startsWith(`${prefix}_`));

/** A file's content as it landed, where stack/as_landed/ holds a copy of it. */
export function asLanded(name: string, content: string): string {
  try {
    return Deno.readTextFileSync(new URL(name, AS_LANDED));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return content;
    throw error;
  }
}

/** pg_cron can be created in the cluster's cron database only (see stack/pg.ts). */
const runsHere = (c: Cluster, db: string, content: string) =>
  db === c.cronDatabase || !CREATES_PG_CRON.test(content);

/** Pushes 20261128000001 .. 03, as the first milestone shipped them. */
export function migrateFirstMilestone(c: Cluster, db: string): Promise<string[]> {
  return c.migrate(db, {
    files: (name, content) => name < SECOND_MILESTONE && runsHere(c, db, content),
    content: asLanded,
  });
}

/** Pushes the files before `version` (pg_cron's only in the cron database), as they are now. */
export function migrateBefore(c: Cluster, db: string, version: string): Promise<string[]> {
  return c.migrate(db, { files: (name, content) => name < version && runsHere(c, db, content) });
}

/**
 * Pushes what follows the first milestone: the files as they are now, or (`landed`) as they
 * landed before the concurrent builds and the batched backfill, without the files that added
 * them (20261206000200 .. 0299) and those that redefine what they added (20261206001600); later
 * files of other changes go along in both cases. The files already applied go along too
 * (the CLI refuses a database whose history names a file it does not have), and are skipped.
 */
export function migrateRest(c: Cluster, db: string, options: { landed?: boolean } = {}) {
  return c.migrate(db, {
    files: (name, content) =>
      (!options.landed || !isUpgradeLockFile(name)) && runsHere(c, db, content),
    content: (name, content) =>
      options.landed || name < SECOND_MILESTONE ? asLanded(name, content) : content,
  });
}

/**
 * `rows` wallet_balances rows on the first milestone's schema (10 assets on one chain, one
 * wallet per 10 rows); every `backoffEvery`-th row is in error backoff (error_streak 1..8,
 * last_error_at within the last hour). Returns the ids of a sample of rows, for other writers.
 */
export async function seedFirstMilestoneBalances(
  sql: Sql,
  rows: number,
  backoffEvery = 2,
): Promise<string[]> {
  const assets = 10;
  await sql.unsafe(`
    insert into public.chains (name, rpc_url, family) values ('upgrade-path', 'http://127.0.0.1:9', 'evm');
    insert into public.assets (symbol, name) values ('TOK', 'TOK');
    insert into public.asset_on_chain (chain_id, asset_id, decimals, is_native, contract_address)
    select c.id, a.id, 18, g = 1, case when g = 1 then null else '0x' || lpad(to_hex(g), 40, '0') end
    from public.chains as c, public.assets as a, generate_series(1, ${assets}) as g
    where c.name = 'upgrade-path';
    insert into public.wallets (label) select 'w' || g from generate_series(1, ${
    Math.ceil(rows / assets)
  }) as g;
    insert into public.wallet_balances (wallet_id, asset_on_chain_id, error_streak, error_count,
                                        last_error, last_error_at, last_checked, priority)
    select x.wallet_id, x.aoc_id,
           case when x.n % ${backoffEvery} = 0 then 1 + x.n % 8 else 0 end,
           case when x.n % ${backoffEvery} = 0 then 1 + x.n % 8 else 0 end,
           case when x.n % ${backoffEvery} = 0 then 'configuration: token has no contract_address' end,
           case when x.n % ${backoffEvery} = 0 then now() - make_interval(secs => x.n % 3600) end,
           now() - make_interval(secs => x.n % 7200),
           x.n % 5
    from (select w.id as wallet_id, a.id as aoc_id, row_number() over () as n
          from public.wallets as w cross join public.asset_on_chain as a
          limit ${rows}) as x;
    analyze public.wallet_balances;
  `);
  return (await sql`select id from public.wallet_balances order by random() limit 1000`)
    .map((r) => r.id as string);
}
