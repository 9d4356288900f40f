/**
 * balance_sync.settings: one parser (balance_sync.parse_setting) reads numbers stored as a JSON
 * number or as a string holding one; a value its rule refuses is refused when written, with the
 * key and the reason; and the daily cleanup (balance_sync.cleanup_cron_history, pg_cron's
 * database) runs on with a string value, and runs its other steps when one fails.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { changesAged, remainingAges } from "../support/balance_changes.ts";
import { migrateBefore } from "../../stack/upgrade_path.ts";
import { emptyDb } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster({ migrate: true });

const setValue = (sql: Sql, key: string, json: string) =>
  sql`update balance_sync.settings set value = ${json}::text::jsonb where key = ${key}`;

Deno.test('settings: the daily cleanup reads a retention stored as a JSON string ("2") like the number 2', async () => {
  const { sql } = await cluster();
  try {
    await changesAged(sql, [40, 10, 3, 1, 0], "days");
    await setValue(sql, "balance_changes_retention_days", '"2"');
    await setValue(sql, "balance_changes_prune_batch", '"2"');
    await sql`select balance_sync.cleanup_cron_history()`;
    assert.deepEqual(await remainingAges(sql), [1, 0]);

    await changesAged(sql, [40, 10, 3, 1, 0], "days");
    await setValue(sql, "balance_changes_retention_days", "2");
    await sql`select balance_sync.cleanup_cron_history()`;
    assert.deepEqual(await remainingAges(sql), [1, 0]);
  } finally {
    await setValue(sql, "balance_changes_retention_days", "30");
    await setValue(sql, "balance_changes_prune_batch", "5000");
  }
});

Deno.test("settings: both forms are accepted, parsed by one function", async () => {
  const { sql } = await cluster();
  const parse = async (key: string, json: string) =>
    (await sql`select balance_sync.parse_setting(${key}, ${json}::text::jsonb) as v`)[0].v;
  assert.equal(await parse("balance_changes_retention_days", "30"), "30");
  assert.equal(await parse("balance_changes_retention_days", '"30"'), "30");
  assert.equal(await parse("balance_changes_retention_days", '" 0.5 "'), "0.5");
  assert.equal(await parse("rows_per_run", '"2000"'), "2000");
  assert.equal(await parse("run_history_retention", '"7 days"'), "7 days");
  assert.equal(await parse("run_history_retention", "3600"), "01:00:00");
  assert.equal(await parse("notify_queue_threshold", '"0.25"'), "0.25");
  const [row] = await sql`
    select balance_sync.setting_number('balance_changes_retention_days', 1) as days,
           balance_sync.setting_number('no_such_key', 12.5) as fallback,
           balance_sync.setting_interval('run_history_retention', '1 day') as keep`;
  assert.deepEqual({ ...row }, { days: "30", fallback: "12.5", keep: "7 days" });
});

Deno.test("settings: a value its rule refuses is refused when written, naming the key and what it accepts", async () => {
  const { sql } = await cluster();
  const refused: [string, string, RegExp][] = [
    ["balance_changes_retention_days", '"thirty"', /must be a number .* > 0, got "thirty"/],
    ["balance_changes_retention_days", "0", /must be a number .* > 0, got 0/],
    ["balance_changes_retention_days", "null", /must be a number/],
    ["balance_changes_retention_days", "true", /must be a number/],
    ["balance_changes_prune_batch", "2.5", /must be an integer .* >= 1, got 2\.5/],
    ["rows_per_run", '"1e3"', /must be an integer/],
    ["rows_per_run", "100001", /<= 100000/],
    ["max_runs_per_tick", "-1", /must be an integer .* >= 0/],
    ["pg_net_timeout_ms", "99999999999", /must be an integer/],
    ["run_history_retention", '"7 dayz"', /must be an interval .*, got "7 dayz"/],
    ["run_history_retention", '"-1 day"', /> 0 seconds/],
    ["notify_queue_threshold", "2", /must be a number .* >= 0 and <= 1, got 2/],
  ];
  for (const [key, json, message] of refused) {
    const [{ before }] = await sql`select value::text as before from balance_sync.settings
                                   where key = ${key}`;
    await assert.rejects(setValue(sql, key, json), (error: Error & { code?: string }) => {
      assert.equal(error.code, "22023", `${key} = ${json}`);
      assert.match(error.message, new RegExp(`^balance_sync setting ${key} `));
      assert.match(error.message, message, `${key} = ${json}`);
      return true;
    });
    const [{ after }] = await sql`select value::text as after from balance_sync.settings
                                  where key = ${key}`;
    assert.equal(after, before, `${key} kept its value`);
  }
  await assert.rejects(
    sql`insert into balance_sync.settings (key, value) values ('no_such_key', '1')
        on conflict (key) do nothing`.then(() =>
      sql`insert into balance_sync.settings (key, value) values ('rows_per_run', '"x"')
          on conflict (key) do update set value = excluded.value`
    ),
    /balance_sync setting rows_per_run must be an integer/,
    "an insert is checked too",
  );
  await sql`delete from balance_sync.settings where key = 'no_such_key'`;
});

Deno.test("settings: a bad value stored before the check fails only its cleanup step, which is counted; the others run", async () => {
  const { sql } = await cluster();
  await changesAged(sql, [40, 1], "days");
  await sql`insert into balance_sync.runs (run_id, kind, started_at, lease_seconds, status)
            values ('ancient-run', 'scheduled', now() - interval '30 days', 120, 'finished')`;
  // as a value written before this check existed
  await sql`alter table balance_sync.settings disable trigger settings_check`;
  await setValue(sql, "balance_changes_retention_days", '"thirty"');
  await sql`alter table balance_sync.settings enable trigger settings_check`;
  try {
    await sql`select balance_sync.cleanup_cron_history()`;
    assert.deepEqual(await remainingAges(sql), [40, 1], "its step did nothing");
    assert.deepEqual(
      [...await sql`select run_id from balance_sync.runs where run_id = 'ancient-run'`],
      [],
      "the run history step ran",
    );
    const [{ m }] = await sql`select public.balance_sync_metrics() as m`;
    assert.match(m, /\nbalance_sync_cleanup_failures_total\{step="balance_changes"\} 1\n/);
    assert.match(m, /\nbalance_sync_cleanup_failures_total\{step="run_history"\} 0\n/);
  } finally {
    await setValue(sql, "balance_changes_retention_days", "30");
    await sql`delete from balance_sync.run_totals where metric = 'cleanup_failures'`;
  }
});

Deno.test("upgrade: a bad value stored before the check does not stop the migration, and stays as the operator left it", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "settings_upgrade");
  await migrateBefore(c, db, "20261206000400");
  await setValue(sql, "balance_changes_retention_days", '"thirty"');
  await setValue(sql, "rows_per_run", '"500"');
  const applied = await c.migrate(db);
  assert.ok(applied.some((f) => f.endsWith("_balance_sync_settings_parse.sql")), applied.join());
  const values = Object.fromEntries(
    (await sql`select key, value::text from balance_sync.settings
               where key in ('balance_changes_retention_days', 'rows_per_run')`)
      .map((r) => [r.key, r.value]),
  );
  assert.deepEqual(values, { balance_changes_retention_days: '"thirty"', rows_per_run: '"500"' });
  await assert.rejects(
    sql`select balance_sync.setting_number('balance_changes_retention_days', 30)`,
    /balance_sync setting balance_changes_retention_days must be a number/,
  );
  const [{ n }] = await sql`select balance_sync.setting_number('rows_per_run', 2000) as n`;
  assert.equal(n, "500");
});
