/**
 * Every path that reads or writes public.wallet_balances, run as the function, the jobs and an
 * operator run it: the function's claims (scheduled per chain with its own parameters; forced by
 * ids, wallet, asset, chain), record, release and due_chains through the function's own store
 * (store.ts over a direct connection), dispatch, the status views, why(), /metrics and the status
 * snapshot. `deno task bench:indexes` runs each on a generated table and lists, per index of
 * wallet_balances, the paths whose plans read it (docs/live-database.md, "Indexes on wallet_balances"); tests/db/index_paths.test.ts
 * holds the remaining indexes to it.
 */
import { DEFAULTS, SETTING_DEFAULTS } from "../supabase/functions/balance-sync/config.ts";
import type { Sql } from "../stack/pg.ts";
import { functionStore, scheduledClaim } from "./function_claim.ts";

/** Rows of the generated table every path finds. */
export interface PathContext {
  chainId: string;
  /** A chain whose rows are all fresh but a few that another service asked to resync. */
  freshChainId: string;
  assetOnChainId: string;
  walletId: string;
  /** A few rows, for forced claims and the per-row views. */
  ids: string[];
}

export interface IndexPath {
  name: string;
  /** Runs the path once; runs inside a transaction the caller rolls back. */
  run(sql: Sql, ctx: PathContext): Promise<unknown>;
}

/** The scheduled claim of one chain as run/chain_loop.ts sends it (first batch of a run). */
const scheduled = (sql: Sql, chainId: string, runId: string) =>
  scheduledClaim(sql, chainId, runId, DEFAULTS.batchSize);

const forcedClaim = (sql: Sql, filter: Record<string, unknown>) =>
  functionStore(sql).claim({
    runId: "paths-forced",
    limit: DEFAULTS.maxForcedIds,
    leaseSeconds: DEFAULTS.leaseSeconds,
    minIntervalSeconds: SETTING_DEFAULTS.minIntervalSeconds,
    // deno-lint-ignore no-explicit-any
    filter: filter as any,
  });

/** Leases `ids` to `worker` the way a claim's UPDATE does, outside the explained statement. */
async function lease(sql: Sql, worker: string, ids: string[]) {
  await sql`update public.wallet_balances
            set processing_status = 'processing', locked_by = ${worker},
                locked_until = now() + interval '120 seconds'
            where id = any(${ids}::uuid[])`;
}

export const INDEX_PATHS: IndexPath[] = [
  {
    name: "claim scheduled (one chain)",
    run: (sql, ctx) => scheduled(sql, ctx.chainId, "paths-scheduled"),
  },
  {
    name: "claim scheduled, line drained (resync asked)",
    run: (sql, ctx) => scheduled(sql, ctx.freshChainId, "paths-resync"),
  },
  {
    name: "claim forced by wallet_balance_ids",
    run: (sql, ctx) => forcedClaim(sql, { wallet_balance_ids: ctx.ids }),
  },
  {
    name: "claim forced by wallet_id",
    run: (sql, ctx) => forcedClaim(sql, { wallet_id: ctx.walletId }),
  },
  {
    name: "claim forced by asset_on_chain_id",
    run: (sql, ctx) => forcedClaim(sql, { asset_on_chain_id: ctx.assetOnChainId }),
  },
  {
    name: "claim forced by chain_id",
    run: (sql, ctx) => forcedClaim(sql, { chain_id: ctx.chainId }),
  },
  {
    name: "record",
    run: async (sql, ctx) => {
      await lease(sql, "paths-record", ctx.ids);
      const store = functionStore(sql);
      await store.record(
        "paths-record",
        ctx.ids.map((id, i) => ({
          id,
          raw: String(1_000_000 + i),
          human: "1",
          block: "1000",
        })),
      );
      await lease(sql, "paths-record-error", ctx.ids);
      return store.record(
        "paths-record-error",
        ctx.ids.map((id) => ({ id, error: "node did not answer", error_class: "transient" })),
      );
    },
  },
  {
    name: "release",
    run: async (sql, ctx) => {
      await lease(sql, "paths-release", ctx.ids);
      return functionStore(sql).release("paths-release", ctx.ids);
    },
  },
  {
    name: "due_chains",
    run: (sql) => functionStore(sql).dueChains(SETTING_DEFAULTS.minIntervalSeconds),
  },
  { name: "dispatch", run: (sql) => sql`select balance_sync.dispatch()` },
  { name: "chain_status", run: (sql) => sql`select * from balance_sync.chain_status` },
  {
    name: "row_status (one row)",
    run: (sql, ctx) =>
      sql`select * from balance_sync.row_status where wallet_balance_id = ${ctx.ids[0]}`,
  },
  {
    name: "row_status (one wallet)",
    run: (sql, ctx) => sql`select * from balance_sync.row_status where wallet_id = ${ctx.walletId}`,
  },
  { name: "why", run: (sql, ctx) => sql`select * from balance_sync.why(${ctx.ids[0]}::uuid)` },
  { name: "metrics", run: (sql) => sql`select public.balance_sync_metrics()` },
  {
    name: "status snapshot",
    run: (sql) => sql`select balance_sync.refresh_chain_status_snapshot()`,
  },
  { name: "webhooks dispatch", run: (sql) => sql`select balance_sync.dispatch_webhooks()` },
];

/**
 * The context of the table bench/claim_scale.ts generates, plus what the drained-line path needs:
 * the last chain's rows are fresh (next sync in an hour) and 20 of them were asked to resync
 * (last_checked = null), as another service does; a hundredth of all rows are failing. Dispatch's
 * Vault secrets point nowhere.
 */
export async function preparePaths(sql: Sql): Promise<PathContext> {
  // A hundredth of the rows failing, as chain_status and the backoff rules meet them.
  await sql`
    update public.wallet_balances set error_streak = 2, error_count = 2,
      last_error = 'node did not answer', last_error_at = now(), error_class = 'transient',
      next_sync_at = now() + interval '60 seconds'
    where id in (select id from public.wallet_balances order by id
                 limit (select count(*) / 100 from public.wallet_balances))`;
  const [fresh] = await sql`select id::text as id from public.chains order by name desc limit 1`;
  await sql`
    update public.wallet_balances as wb set next_sync_at = now() + interval '1 hour'
    from public.asset_on_chain as aoc
    where aoc.id = wb.asset_on_chain_id and aoc.chain_id = ${fresh.id}`;
  await sql`
    update public.wallet_balances set last_checked = null
    where id in (select wb.id from public.wallet_balances as wb
                 join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
                 where aoc.chain_id = ${fresh.id} order by wb.id limit 20)`;
  await sql`select vault.create_secret('http://127.0.0.1:9/functions/v1/balance-sync',
                                       'balance_sync_function_url')`;
  await sql`select vault.create_secret('paths-secret-0123456789', 'balance_sync_secret')`;
  const [row] = await sql`
    select aoc.chain_id::text as chain, aoc.id::text as aoc, wb.wallet_id::text as wallet
    from public.wallet_balances as wb join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
    where aoc.chain_id <> ${fresh.id}
    order by wb.id limit 1`;
  const ids = (await sql`
    select wb.id::text as id from public.wallet_balances as wb
    join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
    where aoc.chain_id = ${row.chain} order by wb.id desc limit 5`).map((r) => r.id as string);
  return {
    chainId: row.chain,
    freshChainId: fresh.id,
    assetOnChainId: row.aoc,
    walletId: row.wallet,
    ids,
  };
}

/** Our indexes and the indexes of the table as installed, with the paths whose plans read them. */
export async function walletBalanceIndexes(sql: Sql): Promise<string[]> {
  return (await sql`
    select c.relname as name from pg_index as i join pg_class as c on c.oid = i.indexrelid
    where i.indrelid = 'public.wallet_balances'::regclass order by 1`).map((r) => r.name as string);
}

async function indexScans(sql: Sql): Promise<Map<string, number>> {
  await sql`select pg_stat_force_next_flush()`;
  await sql`select pg_stat_clear_snapshot()`;
  const rows = await sql`
    select indexrelname as name, idx_scan::bigint as scans from pg_stat_user_indexes
    where relid = 'public.wallet_balances'::regclass`;
  return new Map(rows.map((r) => [r.name as string, Number(r.scans)]));
}

async function main(args: string[]) {
  const { parseArgs } = await import("node:util");
  const { startCluster } = await import("../stack/pg.ts");
  const { planSession, indexesIn } = await import("../stack/nested_plans.ts");
  const { generate } = await import("./claim_scale.ts");
  const { values } = parseArgs({
    args,
    options: {
      rows: { type: "string", default: "200000" },
      // indexes to drop first (comma separated): how the paths plan without them
      without: { type: "string", default: "" },
      out: { type: "string", default: new URL("./index_paths.json", import.meta.url).pathname },
    },
  });
  const rows = Number(values.rows);
  // The `postgres` database: the one with pg_cron and pg_net, which dispatch needs. Its jobs are
  // unscheduled so that only the paths run read the table.
  const cluster = await startCluster({ migrate: true });
  try {
    const sql = cluster.connect("postgres", { max: 1 });
    await sql`select cron.unschedule(jobid) from cron.job`;
    await generate(sql, { rows, chains: 10, share: 0.1 });
    const ctx = await preparePaths(sql);
    for (const name of values.without!.split(",").filter((n) => n !== "")) {
      await sql`drop index public.${sql(name)}`;
    }
    await sql`vacuum analyze`;
    const session = await planSession(cluster, "postgres");
    const indexes = await walletBalanceIndexes(sql);
    const result: { path: string; planned: string[]; scanned: string[]; ms: number }[] = [];
    for (const path of INDEX_PATHS) {
      const before = await indexScans(sql);
      const started = performance.now();
      const plans = await session.explain((s) => path.run(s, ctx), {
        format: "json",
        analyze: false,
      });
      const ms = Math.round(performance.now() - started);
      // The session's counters reach pg_stat_user_indexes when it next goes idle.
      await session.sql`select pg_stat_force_next_flush()`;
      await session.sql`select 1`;
      const after = await indexScans(sql);
      const planned = indexesIn(plans.join("\n")).filter((n) => indexes.includes(n));
      const scanned = indexes.filter((n) => (after.get(n) ?? 0) > (before.get(n) ?? 0));
      result.push({ path: path.name, planned, scanned, ms });
      console.log(
        `${path.name}: planned ${planned.join(", ") || "-"}; scanned ${
          scanned.join(", ") || "-"
        } (${ms} ms)`,
      );
    }
    const byIndex = Object.fromEntries(indexes.map((n) => [
      n,
      // By the plans only: idx_scan also counts the planner's range probes of an index (it
      // rises for indexes no plan reads), so `scanned` is listed per path for reference only.
      result.filter((r) => r.planned.includes(n)).map((r) => r.path),
    ]));
    console.log("\nindex -> paths");
    for (const [n, paths] of Object.entries(byIndex)) {
      console.log(`  ${n}: ${paths.join("; ") || "(no path)"}`);
    }
    await session.end();
    await sql.end();
    await Deno.writeTextFile(
      values.out!,
      JSON.stringify(
        {
          rows,
          note: "planned: indexes in the plans (auto_explain, nested statements included) of " +
            "the path; scanned: indexes whose pg_stat_user_indexes.idx_scan rose while it ran " +
            "(planning included); indexes: index -> paths whose plans read it",
          paths: result,
          indexes: byIndex,
        },
        null,
        2,
      ) + "\n",
    );
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) await main(Deno.args);
