/**
 * What isolating refused rows costs: balance_sync_record with 1,000 results, with and without one
 * row that the database refuses (a trigger), side by side in one run. The batch stays one
 * statement; only a failing batch is split in halves, so one bad row costs about 2·log2(n) calls.
 * The call count is asserted (pg_stat_get_xact_function_calls); the times are printed, not asserted.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const ROWS = 1000;
const RUNS = 3;

interface Measured {
  ms: number;
  calls: number;
  result: { applied: number; refused: { id: string; reason: string }[] };
}

async function recordMeasured(sql: Sql, worker: string, results: unknown[]): Promise<Measured> {
  return await sql.begin(async (tx) => {
    await tx`set local track_functions = 'pl'`;
    // The backend's pending counts may still hold calls of an earlier transaction: take a delta.
    const count = async () =>
      (await tx`select coalesce(pg_stat_get_xact_function_calls(
                  'public.balance_sync_record(text, jsonb)'::regprocedure), 0)::int as calls`)[0]
        .calls as number;
    const before = await count();
    const started = performance.now();
    const [row] = await tx`
      select public.balance_sync_record(${worker}, ${JSON.stringify(results)}::text::jsonb) as r`;
    const ms = performance.now() - started;
    return { ms, calls: (await count()) - before, result: row.r };
  }) as Measured;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(
  sql: Sql,
  ids: string[],
  label: string,
  firstBlock: number,
): Promise<Measured[]> {
  const runs: Measured[] = [];
  for (let run = 0; run < RUNS; run++) {
    const worker = `${label}-${run}`;
    const claimed = await claim(sql, worker, {
      limit: ROWS,
      filter: { wallet_balance_ids: ids },
    });
    assert.equal(claimed.rows.length, ROWS);
    // A new balance for every row in every run (decimals 18: human = raw / 10^18).
    const results = ids.map((id, i) => {
      const raw = String(firstBlock * 1000 + run * 10 + (i % 7));
      return { id, raw, human: `0.${raw.padStart(18, "0")}`, block: String(firstBlock + run) };
    });
    runs.push(await recordMeasured(sql, worker, results));
  }
  return runs;
}

Deno.test("record: 1,000 results cost one statement; one refused row among them costs a few halving calls", async () => {
  const { sql } = await migratedDb(cluster, "isolation");
  const { ids } = await seedDueRows(sql, ROWS);
  const bad = ids[ROWS / 2 + 3];

  const clean = await measure(sql, ids, "clean", 100);
  for (const m of clean) {
    assert.equal(m.result.applied, ROWS);
    assert.deepEqual(m.result.refused, []);
    assert.equal(m.calls, 1, "the common path is the one statement");
  }

  await sql.unsafe(`
    create function public.refuse_one_row() returns trigger language plpgsql as $$
    begin
      if new.id = '${bad}' and new.on_chain_balance_raw is distinct from old.on_chain_balance_raw
      then raise exception 'row % is frozen by another service', new.id;
      end if;
      return new;
    end $$;
    create trigger refuse_one_row before update on public.wallet_balances
      for each row execute function public.refuse_one_row();`);

  const oneBad = await measure(sql, ids, "one-bad", 200);
  const bound = 1 + 2 * Math.ceil(Math.log2(ROWS));
  for (const m of oneBad) {
    assert.equal(m.result.applied, ROWS - 1, "every other row applied");
    assert.deepEqual(m.result.refused.map((r) => r.id), [bad]);
    assert.match(m.result.refused[0].reason, /refused by the database: row .* is frozen/);
    assert.ok(m.calls > 1 && m.calls <= bound, `${m.calls} calls (bound ${bound})`);
  }
  const [row] = await sql`select error_count, error_streak, locked_by from public.wallet_balances
                          where id = ${bad}`;
  assert.deepEqual(row, { error_count: RUNS, error_streak: RUNS, locked_by: null });

  console.log(
    `RECORD ISOLATION | ${ROWS} results, median of ${RUNS} | clean: ${
      median(clean.map((m) => m.ms)).toFixed(0)
    } ms, ${clean[0].calls} call | one refused row: ${
      median(oneBad.map((m) => m.ms)).toFixed(0)
    } ms, ${oneBad[0].calls} calls (${ROWS - 1} applied, 1 refused) | ratio ${
      (median(oneBad.map((m) => m.ms)) / median(clean.map((m) => m.ms))).toFixed(1)
    }x`,
  );
});
