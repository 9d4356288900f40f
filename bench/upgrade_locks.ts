/**
 * `deno task bench:upgrade`: how long another service's writes wait while a live database is
 * upgraded from the first milestone to the current migrations.
 *
 *   deno task bench:upgrade [-- --rows 1000000 --backoff-every 2 --landed
 *                              --interval-ms 10 --drain-timeout 300 --out bench/upgrade_locks.json]
 *
 * A fresh cluster's pg_cron database gets the first milestone's migrations as they landed and
 * --rows wallet_balances rows (every --backoff-every-th one in error backoff). Then another
 * connection runs `update public.wallet_balances set priority = priority + 1 where id = $1` (a
 * column of another worker) every --interval-ms on a random row, while `supabase db push` applies
 * the rest, and until what the push leaves to pg_cron (the balance-sync-backfill job) is done.
 * The figure is the longest time one of those updates took. --landed pushes the files as they
 * landed before the upgrade's locks were shortened (stack/as_landed/), for the figure before.
 * The result goes under "landed" or "current" in --out.
 */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import { type Sql, startCluster } from "../stack/pg.ts";
import {
  migrateFirstMilestone,
  migrateRest,
  seedFirstMilestoneBalances,
} from "../stack/upgrade_path.ts";
import { stopOnInterrupt } from "./interrupt.ts";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    rows: { type: "string", default: "1000000" },
    "backoff-every": { type: "string", default: "2" },
    landed: { type: "boolean", default: false },
    "interval-ms": { type: "string", default: "10" },
    "drain-timeout": { type: "string", default: "300" },
    out: { type: "string", default: `${repoRoot}/bench/upgrade_locks.json` },
  },
});
const positive = (name: "rows" | "backoff-every" | "interval-ms" | "drain-timeout"): number => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a whole number >= 1, got ${flags[name]}`);
  }
  return value;
};
const ROWS = positive("rows");
const BACKOFF_EVERY = positive("backoff-every");
const INTERVAL_MS = positive("interval-ms");
const DRAIN_TIMEOUT_MS = positive("drain-timeout") * 1000;
const MODE = flags.landed ? "landed" : "current";

const log = (message: string) => console.error(`[upgrade-locks] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Wait {
  /** ms since the writer started */
  at: number;
  ms: number;
  phase: string;
}

/** One UPDATE by id every intervalMs until stopped; every statement's duration. */
function startWriter(sql: Sql, ids: string[], intervalMs: number, phase: () => string) {
  const waits: Wait[] = [];
  let running = true;
  const start = performance.now();
  const done = (async () => {
    while (running) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      const t0 = performance.now();
      await sql`update public.wallet_balances set priority = priority + 1 where id = ${id}`;
      const ms = performance.now() - t0;
      waits.push({ at: t0 - start, ms, phase: phase() });
      await sleep(Math.max(0, intervalMs - ms));
    }
  })();
  return {
    waits,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Until the indexes are valid and no backfill is left (what the push leaves to pg_cron). */
async function drained(sql: Sql): Promise<boolean> {
  const [row] = await sql`
    select
      (select count(*) from pg_index as i join pg_class as c on c.oid = i.indexrelid
       -- (wallet_balances_next_sync_idx is built, then dropped again by 20261206001300)
       where c.relname in ('wallet_balances_asset_next_sync_idx', 'wallet_balances_failing_idx')
         and i.indisvalid)::int as indexes,
      to_regclass('balance_sync.backfills') is not null as has_backfills,
      (select count(*) from cron.job where jobname = 'balance-sync-backfill')::int as jobs`;
  // The landed files have no backfills table (they backfilled inside the migration).
  const [left] = row.has_backfills
    ? await sql`select count(*)::int as n from balance_sync.backfills where finished_at is null`
    : [{ n: 0 }];
  return row.indexes === 2 && left.n === 0 && row.jobs === 0;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (ms: number) => Math.round(ms * 10) / 10;

const cluster = await startCluster();
const undoInterrupt = stopOnInterrupt(log, () => cluster.stop());
try {
  const db = cluster.cronDatabase;
  const sql = cluster.connect(db, { max: 2 });
  const writerSql = cluster.connect(db, { max: 1 });

  log(`first milestone's migrations, then ${ROWS} rows (1 in ${BACKOFF_EVERY} in backoff)`);
  await migrateFirstMilestone(cluster, db);
  let t = performance.now();
  const ids = await seedFirstMilestoneBalances(sql, ROWS, BACKOFF_EVERY);
  log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  let phase = "before push";
  const writer = startWriter(writerSql, ids, INTERVAL_MS, () => phase);
  await sleep(1000);

  log(`supabase db push (${MODE} files) while the writer updates a row every ${INTERVAL_MS} ms`);
  phase = "push";
  t = performance.now();
  const applied = await migrateRest(cluster, db, { landed: flags.landed });
  const pushMs = performance.now() - t;
  log(`push applied ${applied.length} files in ${(pushMs / 1000).toFixed(1)} s`);

  phase = "after push (pg_cron jobs)";
  t = performance.now();
  while (!await drained(sql)) {
    if (performance.now() - t > DRAIN_TIMEOUT_MS) {
      throw new Error(`not drained within --drain-timeout ${DRAIN_TIMEOUT_MS / 1000} s`);
    }
    await sleep(500);
  }
  const drainMs = performance.now() - t;
  await sleep(1000);
  await writer.stop();

  const backfill = await sql`select name, rows_scanned, rows_updated, batches, failed_batches
                             from balance_sync.backfills order by name`.catch(() => []);
  const [{ filled }] = await sql`select count(*)::int as filled from public.wallet_balances
                                 where next_sync_at is not null`;
  const sorted = writer.waits.map((w) => w.ms).sort((a, b) => a - b);
  const longest = writer.waits.reduce((a, b) => (b.ms > a.ms ? b : a));
  const result = {
    files: MODE,
    rows: ROWS,
    rows_in_backoff: Math.floor(ROWS / BACKOFF_EVERY),
    interval_ms: INTERVAL_MS,
    updates: writer.waits.length,
    longest_wait_ms: round(longest.ms),
    longest_wait_phase: longest.phase,
    p99_ms: round(quantile(sorted, 0.99)),
    median_ms: round(quantile(sorted, 0.5)),
    updates_over_1s: writer.waits.filter((w) => w.ms > 1000).length,
    push_s: round(pushMs / 1000),
    after_push_s: round(drainMs / 1000),
    backfills: backfill.map((b) => ({ ...b })),
    rows_with_next_sync_at: filled,
    postgres_major: cluster.major,
    measured_at: new Date().toISOString(),
  };
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await Deno.readTextFile(flags.out!));
  } catch { /* a first run */ }
  all[MODE] = result;
  await Deno.writeTextFile(flags.out!, JSON.stringify(all, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `longest wait of one UPDATE ... where id = $1 (${MODE} files, ${ROWS} rows): ` +
      `${result.longest_wait_ms} ms during ${result.longest_wait_phase} ` +
      `(target <= 1000 ms; ${result.updates} updates, p99 ${result.p99_ms} ms)`,
  );
} finally {
  undoInterrupt();
  await cluster.stop();
}
