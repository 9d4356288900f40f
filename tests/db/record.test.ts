/** balance_sync_record / balance_sync_release on a real PostgreSQL. */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { claim, migratedDb, readOf, record, release, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const freshDb = (name: string) => migratedDb(cluster, name);

async function rowJson(sql: Sql, id: string): Promise<Record<string, unknown>> {
  const [row] = await sql`select to_jsonb(wb) as j from public.wallet_balances wb where id = ${id}`;
  return row.j;
}

function changedColumns(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

const LEASE = ["locked_by", "locked_until", "processing_status"];

Deno.test("record: a success changes exactly the balance columns, a failure exactly the error columns", async () => {
  const { sql } = await freshDb("exact");
  const { ids: [ok, failed] } = await seedDueRows(sql, 2);
  await sql`update public.wallet_balances set sync_count = 4, error_count = 2, error_streak = 3,
            last_error = 'old', last_error_at = now() - interval '1 hour',
            updated_at = now() - interval '1 hour', last_checked = now() - interval '1 hour',
            observed_block = 10`;
  await claim(sql, "w", { filter: { wallet_balance_ids: [ok, failed] } });
  const before = [await rowJson(sql, ok), await rowJson(sql, failed)];

  const result = await record(sql, "w", [
    {
      id: ok,
      raw: "123456789012345678901234567890",
      human: "123456789012.34567890123456789",
      block: "11",
    },
    { id: failed, error: "HTTP 429 Too Many Requests", error_class: "transient" },
  ]);
  assert.deepEqual(result, {
    applied: 1,
    errored: 1,
    stale_rejected: 0,
    lost: 0,
    stale_ids: [],
    lost_ids: [],
    invalid: [],
    refused: [],
  });

  const after = [await rowJson(sql, ok), await rowJson(sql, failed)];
  assert.deepEqual(
    changedColumns(before[0], after[0]),
    [
      "error_streak",
      "last_checked",
      "next_sync_at",
      "observed_block",
      "on_chain_balance_human",
      "on_chain_balance_raw",
      "sync_count",
      "updated_at",
      ...LEASE,
    ].sort(),
  );
  const [stored] =
    await sql`select on_chain_balance_raw::text as raw, on_chain_balance_human::text as human,
                                    observed_block::text as block, sync_count, error_streak
                             from public.wallet_balances where id = ${ok}`;
  assert.deepEqual(stored, {
    raw: "123456789012345678901234567890",
    human: "123456789012.34567890123456789",
    block: "11",
    sync_count: 5,
    error_streak: 0,
  });

  assert.deepEqual(
    changedColumns(before[1], after[1]),
    [
      "error_class",
      "error_count",
      "error_streak",
      "last_error",
      "last_error_at",
      "next_sync_at",
      ...LEASE,
    ].sort(),
  );
  assert.equal(after[1].error_class, "transient");
  assert.equal(after[1].error_count, 3);
  assert.equal(after[1].error_streak, 4);
  assert.equal(after[1].last_error, "HTTP 429 Too Many Requests");
  for (const row of after) {
    assert.equal(row.processing_status, "idle");
    assert.equal(row.locked_by, null);
    assert.equal(row.locked_until, null);
  }
});

Deno.test("record: a stale writer whose lease was taken over changes 0 rows", async () => {
  const { c, db, sql } = await freshDb("stale_writer");
  const { ids } = await seedDueRows(sql, 2);
  const writerA = c.connect(db, { max: 1 });
  const writerB = c.connect(db, { max: 1 });

  await claim(writerA, "run-a");
  await sql`update public.wallet_balances set locked_until = now() - interval '1 second'`;
  assert.equal((await claim(writerB, "run-b")).rows.length, 2, "run-b takes over both rows");
  const before = await sql`select to_jsonb(wb) as j from public.wallet_balances wb order by id`;

  const late = await record(writerA, "run-a", [
    { id: ids[0], raw: "1", human: "0.000000000000000001", block: "5" },
    { id: ids[1], error: "timeout", error_class: "transient" },
  ]);
  assert.deepEqual(late, {
    applied: 0,
    errored: 0,
    stale_rejected: 0,
    lost: 2,
    stale_ids: [],
    lost_ids: [...ids].sort(),
    invalid: [],
    refused: [],
  });
  assert.equal(await release(writerA, "run-a", ids), 0, "nor can it release them");
  const after = await sql`select to_jsonb(wb) as j from public.wallet_balances wb order by id`;
  assert.deepEqual(after, before, "the stale writer changed nothing");

  const current = await record(writerB, "run-b", [
    { id: ids[0], raw: "2", human: "0.000000000000000002", block: "6" },
  ]);
  assert.equal(current.applied, 1, "the lease holder still writes");
});

Deno.test("record: a lower block never overwrites a higher one", async () => {
  const { sql } = await freshDb("blocks");
  const { ids: [id] } = await seedDueRows(sql, 1);
  const force = { filter: { wallet_balance_ids: [id] } };
  const read = async () =>
    (await sql`select on_chain_balance_raw::text as raw, observed_block::text as block,
                      processing_status::text as status
               from public.wallet_balances where id = ${id}`)[0];

  await claim(sql, "r1", force);
  assert.equal(
    (await record(sql, "r1", [{ id, raw: "100", human: "0.0000000000000001", block: "1000" }]))
      .applied,
    1,
  );

  await claim(sql, "r2", force);
  const older = await record(sql, "r2", [readOf(id, "99", "999")]);
  assert.equal(older.stale_rejected, 1);
  assert.deepEqual(older.stale_ids, [id], "the stale-rejected row is named");
  assert.equal(older.applied, 0);
  assert.deepEqual(
    await read(),
    { raw: "100", block: "1000", status: "idle" },
    "kept; lease released",
  );

  await claim(sql, "r3", force);
  await record(sql, "r3", [{ id, raw: "101", human: "0.000000000000000101", block: "1000" }]);
  assert.deepEqual(
    await read(),
    { raw: "101", block: "1000", status: "idle" },
    "same block applies",
  );

  await claim(sql, "r4", force);
  const blockless = await record(sql, "r4", [
    { id, raw: "102", human: "0.000000000000000102", block: null },
    { id, raw: "102", human: "0.000000000000000102" },
  ]);
  assert.equal(blockless.applied, 0);
  assert.deepEqual(blockless.invalid.map((i) => [i.index, i.reason]), [
    [0, "missing block: a balance must name the block it was read at"],
    [1, "missing block: a balance must name the block it was read at"],
  ]);
  assert.equal(await release(sql, "r4", [id]), 1, "refused as invalid: the lease was kept");
  assert.deepEqual(
    await read(),
    { raw: "101", block: "1000", status: "idle" },
    "a success without a block (null or absent) cannot overwrite the balance read at block 1000",
  );

  await claim(sql, "r5", force);
  const huge = "340282366920938463463374607431768211456"; // 2^128: far past 2^53
  await record(sql, "r5", [{ id, raw: "103", human: "0.000000000000000103", block: huge }]);
  assert.deepEqual(await read(), { raw: "103", block: huge, status: "idle" });
});

Deno.test("record: invalid entries are rejected with a reason while the valid ones apply", async () => {
  const { sql } = await freshDb("validation");
  const { ids } = await seedDueRows(sql, 3);
  await claim(sql, "w");
  const entries: unknown[] = [
    { id: ids[0], raw: "1000000000000000000", human: "1", block: "1" },
    { id: ids[1], raw: "1e18", human: "1" },
    { id: ids[1], raw: "-5", human: "0" },
    {
      id: ids[1],
      raw: "115792089237316195423570985008687907853269984665640564039457584007913129639936",
      human: "1",
    },
    { id: ids[1], raw: 1000, human: "0.000000000000001" },
    { id: ids[1], human: "1" },
    { id: ids[1], raw: "5", human: "1.2.3" },
    { id: ids[1], raw: "5", human: "5", block: "1" },
    { id: crypto.randomUUID(), raw: "1", human: "0.000000000000000001", block: "1" },
    { id: ids[2], error: "", error_class: "transient" },
    { raw: "1", human: "1" },
    null,
  ];
  const result = await record(sql, "w", entries);
  assert.equal(result.applied, 1);
  assert.deepEqual(
    result.invalid.map((i) => [i.index, i.reason]),
    [
      [1, "raw is not a non-negative integer"],
      [2, "raw is negative"],
      [3, "raw exceeds 2^256-1"],
      [4, "raw must be a decimal string"],
      [5, "missing raw"],
      [6, "human is not a non-negative decimal string"],
      [7, "human does not equal raw / 10^18"],
      [8, "unknown id"],
      [9, "error must be a non-empty string"],
      [10, "missing id"],
      [11, "entry is not a JSON object"],
    ],
  );
  assert.equal(
    result.invalid[7].id,
    (entries[8] as { id: string }).id,
    "the id comes back as given",
  );
  const rows = await sql`select id, on_chain_balance_raw::text as raw, locked_by
                         from public.wallet_balances order by id`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(byId.get(ids[0])?.raw, "1000000000000000000");
  assert.equal(byId.get(ids[1])?.raw, null, "nothing invalid was written");
  assert.equal(byId.get(ids[1])?.locked_by, "w", "an invalid entry leaves the lease to run out");
});

Deno.test("release: gives back only the caller's rows, without counting an error", async () => {
  const { sql } = await freshDb("release");
  const { ids } = await seedDueRows(sql, 3);
  await claim(sql, "mine", { filter: { wallet_balance_ids: [ids[0], ids[1]] } });
  await claim(sql, "theirs", { filter: { wallet_balance_ids: [ids[2]] } });

  assert.equal(await release(sql, "mine", ids), 2);
  const rows = await sql`select id, processing_status::text as status, locked_by, error_count,
                                error_streak, last_checked
                         from public.wallet_balances order by id`;
  for (const row of rows) {
    assert.equal(row.error_count, 0);
    assert.equal(row.error_streak, 0);
    assert.equal(row.last_checked, null);
    if (row.id === ids[2]) assert.equal(row.locked_by, "theirs");
    else assert.deepEqual([row.status, row.locked_by], ["idle", null]);
  }
  assert.equal((await claim(sql, "next")).rows.length, 2, "released rows are due again at once");
});
