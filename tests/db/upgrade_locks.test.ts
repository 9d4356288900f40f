/**
 * The upgrade never holds a long lock on the exchange's tables (docs/live-database.md, "Upgrading a live
 * database"):
 *
 * - read from the files: an ADD COLUMN is its file's last statement, no migration updates the
 *   rows of the big tables, every index on them is built CONCURRENTLY as its file's first
 *   statement (and the files as they landed break these rules, so the check can fail);
 * - through the real CLI, from the first milestone: the indexes end up valid, the next_sync_at
 *   backfill waits for the balance-sync-backfill job, which fills it in bounded batches and then
 *   unschedules itself; a failed concurrent build stops the push with the command that clears it;
 * - the schema at the end is the one the files as they landed gave, on a fresh install and on an
 *   upgrade.
 */
import assert from "node:assert/strict";
import { type Cluster, sharedCluster, type Sql, withCluster } from "../../stack/pg.ts";
import {
  AS_LANDED,
  migrateBefore,
  migrateFirstMilestone,
  migrateRest,
  seedFirstMilestoneBalances,
  UPGRADE_LOCK_FILES,
} from "../../stack/upgrade_path.ts";
import { frozenRowTrigger } from "../support/row_refusals.ts";
import { lockRuleViolations } from "../support/migration_lock_rules.ts";
import { dbName, emptyDb, schemaDump } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const MIGRATIONS = new URL("../../supabase/migrations/", import.meta.url);
// The concurrent builds whose indexes stay; wallet_balances_next_sync_idx (20261206000210) is
// dropped again by 20261206001300 (no path reads it: tests/db/index_paths.test.ts).
const INDEXES = [
  "wallet_balances_asset_next_sync_idx",
  "wallet_balances_failing_idx",
];
const DROPPED = "wallet_balances_next_sync_idx";

function sqlFiles(dir: URL): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".sql")).sort();
}

Deno.test("upgrade locks: no file holds an ADD COLUMN's lock over other work, backfills rows, or builds an index without CONCURRENTLY", () => {
  const files = sqlFiles(MIGRATIONS).filter((n) => n >= "20261201000000");
  assert.ok(files.length >= 10, files.join());
  const violations = files.flatMap((n) =>
    lockRuleViolations(n, Deno.readTextFileSync(new URL(n, MIGRATIONS)))
  );
  assert.deepEqual(violations, []);

  // The same check on the files as they landed finds what this change removed.
  const landed = sqlFiles(AS_LANDED).filter((n) => n >= "20261201000000").flatMap((n) =>
    lockRuleViolations(n, Deno.readTextFileSync(new URL(n, AS_LANDED)))
  );
  assert.ok(landed.some((v) => /scale_out.*adds a column .* 17 statement/.test(v)), landed.join());
  assert.ok(landed.some((v) => /scale_out.*updates rows of public.wallet_balances/.test(v)));
  assert.ok(landed.some((v) => /run_history.*without CONCURRENTLY/.test(v)), landed.join());
});

async function indexStates(sql: Sql) {
  return [
    ...await sql`select c.relname as name, i.indisvalid as valid
                 from pg_index as i join pg_class as c on c.oid = i.indexrelid
                 where c.relname = any(${INDEXES}) order by 1`,
  ];
}

async function backoffRows(sql: Sql) {
  return [
    ...await sql`
      select id, next_sync_at,
             last_error_at + make_interval(secs => least(30 * power(2, least(error_streak - 1, 7)),
                                                         3600)) as expected
      from public.wallet_balances where error_streak > 0 and last_error_at is not null
      order by id`,
  ];
}

Deno.test("upgrade locks: from the first milestone, the push builds valid indexes, and the backfill job fills next_sync_at in bounded batches, then unschedules itself", async () => {
  await withCluster(async (c) => {
    const db = c.cronDatabase;
    const sql = c.connect(db, { max: 1 });
    await migrateFirstMilestone(c, db);
    await seedFirstMilestoneBalances(sql, 40, 2);
    const applied = await migrateRest(c, db);
    assert.ok(applied.includes(`${UPGRADE_LOCK_FILES}_balance_sync_backfill.sql`), applied.join());

    assert.deepEqual(await indexStates(sql), INDEXES.map((name) => ({ name, valid: true })));
    const [job] = await sql`select schedule, command from cron.job
                            where jobname = 'balance-sync-backfill'`;
    assert.equal(job?.command, "call balance_sync.drain_backfills()");
    const before = await backoffRows(sql);
    assert.equal(before.length, 20);
    assert.ok(before.every((r) => r.next_sync_at === null), "the migration itself updated no row");

    // Bounded: one call looks at 7 rows by id, and fills only the rows in backoff among them.
    assert.equal((await sql`select balance_sync.backfill_next_sync_at(7) as n`)[0].n, 7);
    const [first] = await sql`select last_id, rows_scanned, batches, finished_at
                              from balance_sync.backfills where name = 'next_sync_at'`;
    assert.deepEqual([first.rows_scanned, first.batches, first.finished_at], ["7", 1, null]);
    const filled = (await backoffRows(sql)).filter((r) => r.next_sync_at !== null);
    assert.ok(filled.length > 0 && filled.length <= 7, `${filled.length} rows filled`);
    assert.ok(filled.every((r) => r.id <= first.last_id), "only rows up to the cursor");

    // The job's command drains the rest, batch by batch, and removes the job.
    await sql`call balance_sync.drain_backfills(20, 7)`;
    const after = await backoffRows(sql);
    assert.ok(after.every((r) => r.next_sync_at?.getTime() === r.expected.getTime()));
    const [{ others }] = await sql`select count(*)::int as others from public.wallet_balances
                                   where error_streak = 0 and next_sync_at is not null`;
    assert.equal(others, 0, "rows not in backoff keep next_sync_at null (due now)");
    const [done] = await sql`select rows_scanned, rows_updated, batches, finished_at
                             from balance_sync.backfills where name = 'next_sync_at'`;
    assert.deepEqual([done.rows_scanned, done.rows_updated, done.batches], ["40", "20", 6]);
    assert.ok(done.finished_at);
    assert.equal(
      (await sql`select count(*)::int as n from cron.job
                 where jobname = 'balance-sync-backfill'`)[0].n,
      0,
    );
  });
});

Deno.test("upgrade locks: a batch the database refuses is skipped and counted; the other batches are filled", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "backfill_refused");
  await migrateFirstMilestone(c, db);
  await seedFirstMilestoneBalances(sql, 20, 1);
  await migrateRest(c, db);
  const ids = (await backoffRows(sql)).map((r) => r.id as string);
  await sql.unsafe(frozenRowTrigger("refuse_one", ids[7]));

  for (let i = 0; i < 10; i++) await sql`select balance_sync.backfill_next_sync_at(5)`;
  const [done] = await sql`select rows_updated, batches, failed_batches, last_error, finished_at
                           from balance_sync.backfills where name = 'next_sync_at'`;
  assert.deepEqual(
    [done.rows_updated, done.batches, done.failed_batches, done.last_error],
    ["15", 4, 1, `row ${ids[7]} is frozen`],
  );
  assert.ok(done.finished_at);
  const left = (await backoffRows(sql)).filter((r) => r.next_sync_at === null).map((r) => r.id);
  assert.deepEqual(left, ids.slice(5, 10), "only the refused row's batch is left");
});

Deno.test("upgrade locks: a failed concurrent build stops the push with the command that clears it; then the push builds the index", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "invalid_index");
  await migrateFirstMilestone(c, db);
  await seedFirstMilestoneBalances(sql, 20, 2);
  await migrateBefore(c, db, "20261206000210");
  // What a concurrent build that failed half way leaves behind: an INVALID index of that name.
  await assert.rejects(
    sql`create unique index concurrently wallet_balances_next_sync_idx
        on public.wallet_balances (asset_on_chain_id)`,
  );

  const error = await migrateRest(c, db).then(() => null, (e) => e as Error);
  assert.match(
    String(error?.message),
    /index public\.wallet_balances_next_sync_idx is INVALID.*drop index concurrently if exists public\.wallet_balances_next_sync_idx;/,
  );
  const versions = async () =>
    (await sql`select version from supabase_migrations.schema_migrations order by 1`)
      .map((r) => r.version);
  assert.ok(!(await versions()).includes("20261206000210"), "the file stays unapplied");

  await sql`drop index concurrently if exists public.wallet_balances_next_sync_idx`;
  // Up to the file that drops it again: the push builds it, valid.
  await migrateBefore(c, db, "20261206001300");
  const [{ def }] =
    await sql`select pg_get_indexdef('public.wallet_balances_next_sync_idx'::regclass)
                                 as def`;
  assert.match(def, /COALESCE\(next_sync_at/);
  assert.ok((await versions()).includes("20261206000230"));
  await migrateRest(c, db);
  assert.deepEqual(await indexStates(sql), INDEXES.map((name) => ({ name, valid: true })));
  const [{ gone }] = await sql`select to_regclass(${`public.${DROPPED}`}) is null as gone`;
  assert.ok(gone, "20261206001300 drops it again");
});

/**
 * pg_dump's schema without the objects this change added (they did not exist before), and
 * without the dump's SET lines (session settings, printed before whichever object comes first).
 */
async function schemaWithoutNewObjects(c: Cluster, db: string): Promise<string> {
  const added = /backfills|backfill_next_sync_at|drain_backfills|require_valid_index/;
  return (await schemaDump(c, db)).replace(/^SET .*\n/gm, "").replace(/\n{3,}/g, "\n\n")
    .split("\n--\n-- Name: ")
    .filter((block) => !added.test(block.split("\n")[0])).join("\n--\n-- Name: ");
}

Deno.test("upgrade locks: the final schema is the one the files as they landed gave, fresh and upgraded", async () => {
  const c = await cluster();
  for (const upgrade of [false, true]) {
    const dumps: string[] = [];
    for (const landed of [true, false]) {
      const db = dbName(`schema_${upgrade ? "upgrade" : "fresh"}_${landed ? "landed" : "now"}`);
      await c.createDatabase(db);
      const sql = c.connect(db, { max: 1 });
      if (upgrade) {
        await migrateFirstMilestone(c, db);
        await seedFirstMilestoneBalances(sql, 20, 2);
      } else {
        await migrateBefore(c, db, "20261201000000");
      }
      await migrateRest(c, db, { landed });
      dumps.push(await schemaWithoutNewObjects(c, db));
    }
    assert.match(dumps[0], /CREATE INDEX wallet_balances_asset_next_sync_idx /);
    assert.doesNotMatch(dumps[0], new RegExp(`CREATE INDEX ${DROPPED} `), "dropped either way");
    assert.equal(dumps[1], dumps[0], upgrade ? "upgrade" : "fresh install");
  }
});
