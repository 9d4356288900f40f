/**
 * The DB tests' helpers: callers of claim/record/release, due rows, fresh databases, and the
 * schema and data fingerprints that show a migration changed nothing.
 */
import assert from "node:assert/strict";
import type { Cluster, Sql } from "../../stack/pg.ts";
import { type ChainSeed, insertAsset, insertBalances, insertChain } from "../../stack/seed.ts";
import type { ChainConfig } from "../../supabase/functions/balance-sync/chains/types.ts";
import type {
  Claim,
  ClaimedRow,
  RecordOutcome,
} from "../../supabase/functions/balance-sync/db/store.ts";

/**
 * A chain (of `chain`'s fields, else stack/seed.ts's defaults), a native asset on it, and `count`
 * due rows with one active address each.
 */
export async function seedDueRows(
  sql: Sql,
  count: number,
  chain: ChainSeed = {},
): Promise<{ chainId: string; assetOnChainId: string; ids: string[] }> {
  const chainId = await insertChain(sql, chain);
  const assetOnChainId = await insertAsset(sql, { chainId });
  const ids = await insertBalances(sql, { chainId, assetOnChainId, count });
  return { chainId, assetOnChainId, ids };
}

/** `fooBar` -> `foo_bar`. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;
/** One of the function's parsed shapes with the keys the database's JSON has. */
type AsStored<T> = { [K in keyof T as SnakeCase<K & string>]: T[K] };

/** balance_sync_claim's answer, as the function's store.ts reads it. */
export type ClaimResult =
  & AsStored<
    Pick<Claim, "busy" | "unknownIds" | "chainLease" | "chainLeaseHolder" | "chainLeaseLockedUntil">
  >
  & {
    rows: AsStored<ClaimedRow>[];
    chains: Record<string, AsStored<ChainConfig>>;
  };
/** balance_sync_record's answer, as the function's store.ts reads it. */
export type RecordResult = AsStored<RecordOutcome>;

/**
 * A read of row `id` for balance_sync_record: `raw` base units (below 10^18) of an 18-decimal
 * asset, as seedDueRows makes, seen at `block`.
 */
export function readOf(id: string, raw: string, block: string) {
  return { id, raw, human: `0.${raw.padStart(18, "0")}`, block };
}

export async function claim(
  sql: Sql,
  worker: string,
  /** minInterval null: the setting min_interval_seconds decides (as the function's claims). */
  options: { limit?: number; lease?: number; filter?: unknown; minInterval?: number | null } = {},
): Promise<ClaimResult> {
  const [row] = await sql`
    select public.balance_sync_claim(
      ${worker}, ${options.limit ?? 50}, ${options.lease ?? 120},
      ${options.filter === undefined ? null : JSON.stringify(options.filter)}::text::jsonb,
      ${options.minInterval === undefined ? 30 : options.minInterval}::integer) as r`;
  return row.r as ClaimResult;
}

export async function record(sql: Sql, worker: string, results: unknown[]): Promise<RecordResult> {
  const [row] = await sql`
    select public.balance_sync_record(${worker}, ${JSON.stringify(results)}::text::jsonb) as r`;
  return row.r as RecordResult;
}

export async function release(sql: Sql, worker: string, ids: string[]): Promise<number> {
  const [row] = await sql`select public.balance_sync_release(${worker}, ${ids}::uuid[]) as n`;
  return row.n as number;
}

let dbSeq = 0;
/** A database name unique within this test process. */
export function dbName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)}_${++dbSeq}`;
}

/** A new database with no migration applied, with a client of one connection. */
export async function emptyDb(c: Cluster, name: string): Promise<{ db: string; sql: Sql }> {
  const db = dbName(name);
  await c.createDatabase(db);
  return { db, sql: c.connect(db, { max: 1 }) };
}

/** A new migrated database on the module's cluster, with a client of two connections. */
export async function migratedDb(cluster: () => Promise<Cluster>, name: string) {
  const c = await cluster();
  const db = dbName(name);
  await c.createDatabase(db, { migrate: true });
  return { c, db, sql: c.connect(db, { max: 2 }) };
}

/** The schema as pg_dump prints it, without the per-dump \restrict key (not schema). */
export async function schemaDump(c: Cluster, db: string): Promise<string> {
  const out = await new Deno.Command(`${c.bindir}/pg_dump`, {
    args: ["--schema-only", "--dbname", c.url(db)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).replace(/^\\(un)?restrict .*$/gm, "");
}

/** The schema of a fresh install (every migration on a new database): where upgrades must end. */
export async function freshInstallSchema(c: Cluster): Promise<string> {
  const db = dbName("fresh_install");
  await c.createDatabase(db, { migrate: true });
  return await schemaDump(c, db);
}

/** The tables of the sync's domain (the migration adds to them, never restricts them). */
export const DOMAIN_TABLES = [
  "chains",
  "assets",
  "asset_on_chain",
  "wallets",
  "user_wallet_addresses",
  "wallet_balances",
];

/** Row count and md5 of every row, per table the sync reads or writes. */
export async function dataChecksum(sql: Sql): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of DOMAIN_TABLES) {
    const [row] = await sql.unsafe(
      `select count(*) as n, md5(coalesce(string_agg(to_jsonb(t)::text, '|' order by t.id::text), ''))
         as sum from public.${table} t`,
    );
    sums[table] = `${row.n}:${row.sum}`;
  }
  return sums;
}
