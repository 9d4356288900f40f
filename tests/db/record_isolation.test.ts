/**
 * What isolating refused rows costs: balance_sync_record with 1,000 results, with and without one
 * row that the database refuses (a trigger), side by side in one run. The batch stays one
 * statement; only a failing batch is split in halves, so one bad row costs about 2·log2(n)
 * statements (balance_sync.record_statement calls, each in its own subtransaction). The call count
 * is asserted (pg_stat_get_xact_function_calls); the times are printed, not asserted.
 *
 * The worst case, every row of the batch refused, is bounded by balance_sync.split_budget()
 * statements: the subtransactions started and the transaction ids the call assigned (each
 * subtransaction that wrote takes one; past 64 live ones PostgreSQL's subxid cache overflows)
 * are asserted and printed with the time.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { frozenRowTrigger } from "../support/row_refusals.ts";
import { claim, migratedDb, readOf, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const ROWS = 1000;
const RUNS = 3;

interface Measured {
  ms: number;
  calls: number;
  result: {
    applied: number;
    refused: { id: string; reason: string }[];
    subtransactions?: number;
  };
}

async function recordMeasured(sql: Sql, worker: string, results: unknown[]): Promise<Measured> {
  return await sql.begin(async (tx) => {
    await tx`set local track_functions = 'pl'`;
    // The backend's pending counts may still hold calls of an earlier transaction: take a delta.
    const count = async () =>
      (await tx`select coalesce(pg_stat_get_xact_function_calls(
                  'balance_sync.record_statement(text, jsonb)'::regprocedure), 0)::int as calls`)[0]
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
      return readOf(id, raw, String(firstBlock + run));
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

  await sql.unsafe(
    frozenRowTrigger("refuse_one_row", bad, { by: " by another service", balanceOnly: true }),
  );

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
    } ms, ${oneBad[0].result.subtransactions} statements (${ROWS - 1} applied, 1 refused) | ratio ${
      (median(oneBad.map((m) => m.ms)) / median(clean.map((m) => m.ms))).toFixed(1)
    }x`,
  );
});

/** Transaction ids the call assigned: its own and one per subtransaction that wrote. */
async function xidsOf<T>(sql: Sql, call: () => Promise<T>): Promise<{ xids: number; value: T }> {
  const [before] = await sql`select txid_current()::text as x`;
  const value = await call();
  const [after] = await sql`select txid_current()::text as x`;
  // the second txid_current() takes one id of its own
  return { xids: Number(BigInt(after.x) - BigInt(before.x)) - 1, value };
}

Deno.test("record: a batch whose every row is refused stays within the subtransaction budget and fails every row", async () => {
  const { sql } = await migratedDb(cluster, "isolation_all");
  const { ids, chainId } = await seedDueRows(sql, ROWS);
  const [{ budget }] = await sql`select balance_sync.split_budget() as budget`;
  assert.ok(budget < 64, "below PostgreSQL's 64 cached subtransaction ids");
  // Another service freezes the balances of a whole chain.
  await sql.unsafe(`
    create function public.refuse_chain() returns trigger language plpgsql as $$
    begin
      if new.on_chain_balance_raw is distinct from old.on_chain_balance_raw
         and new.asset_on_chain_id in (select id from public.asset_on_chain
                                       where chain_id = '${chainId}')
      then raise exception 'chain % is frozen by another service', '${chainId}';
      end if;
      return new;
    end $$;
    create trigger refuse_chain before update on public.wallet_balances
      for each row execute function public.refuse_chain();`);

  const claimed = await claim(sql, "all-bad", { limit: ROWS });
  assert.equal(claimed.rows.length, ROWS);
  const results = ids.map((id, i) => readOf(id, String(1000 + i), "5"));
  const started = performance.now();
  const { xids, value } = await xidsOf(
    sql,
    () =>
      sql`select public.balance_sync_record('all-bad', ${JSON.stringify(results)}::text::jsonb)
          as r`,
  );
  const ms = performance.now() - started;
  const outcome = value[0].r;

  assert.equal(outcome.applied, 0);
  assert.equal(outcome.refused.length, ROWS, "every row is reported refused");
  assert.equal(outcome.lost, 0);
  assert.ok(
    outcome.subtransactions <= budget,
    `${outcome.subtransactions} statements (budget ${budget})`,
  );
  assert.ok(xids <= budget + 1, `${xids} transaction ids (budget ${budget} + the call's own)`);
  assert.match(outcome.refused[0].reason, /refused by the database: chain .* is frozen/);
  const [rows] = await sql`
    select count(*) filter (where error_streak = 1 and locked_by is null
                              and last_error like 'refused by the database: chain % is frozen%')::int
             as failed,
           count(*)::int as n
    from public.wallet_balances where id = any(${ids})`;
  assert.deepEqual(rows, { failed: ROWS, n: ROWS }, "every row has its error and no lease");

  console.log(
    `RECORD WORST CASE | ${ROWS} results, every one refused | ${ms.toFixed(0)} ms | ` +
      `${outcome.subtransactions} statements (one subtransaction each, budget ${budget}) | ` +
      `${xids} transaction ids assigned`,
  );
});

Deno.test("record: a duplicate id that falls into the other half is invalid, not lost", async () => {
  const { sql } = await migratedDb(cluster, "isolation_dup");
  const { ids } = await seedDueRows(sql, 8);
  const bad = ids[1];
  await sql.unsafe(frozenRowTrigger("refuse_one", bad, { balanceOnly: true }));
  await claim(sql, "dup", { limit: 8 });
  const ok = (id: string, raw: string) => readOf(id, raw, "3");
  // ids[0] twice: at index 0 (first half) and at index 7 (second half)
  const results = [
    ok(ids[0], "1"),
    ok(bad, "2"),
    ok(ids[2], "3"),
    ok(ids[3], "4"),
    ok(ids[4], "5"),
    ok(ids[5], "6"),
    ok(ids[6], "7"),
    ok(ids[0], "9"),
  ];
  const outcome = await record(sql, "dup", results);
  assert.deepEqual(outcome.lost_ids, [], "nothing is lost");
  assert.deepEqual(outcome.invalid, [{
    index: 7,
    id: ids[0],
    reason: "duplicate id in this batch",
  }]);
  assert.deepEqual(outcome.refused.map((r) => [r.index, r.id]), [[1, bad]]);
  assert.equal(outcome.applied, 6);
  const [row] = await sql`select on_chain_balance_raw::text as raw from public.wallet_balances
                          where id = ${ids[0]}`;
  assert.equal(row.raw, "1", "the first entry of the id applies, the duplicate does not");
});
