/**
 * The chains' learned request sizes (balance_sync.read_limits): the function's two RPCs, the view
 * an operator reads, and who may call or read them, on real PostgreSQL.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { migratedDb, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const LIMITS = {
  multicall: { size: 49, ceiling: 55, good: 49, clean: 0, since_failure: 0, reason: "out of gas" },
  batch: { size: 9, ceiling: 12, good: 9, clean: 1, since_failure: 1, reason: "batch too large" },
  response: { size: 99584, ceiling: null, good: 0, clean: 0, since_failure: 0, reason: null },
};

async function asRole(sql: Sql, role: string, statement: string) {
  return await sql.begin(async (tx) => {
    await tx.unsafe(`set local role ${role}`);
    return [...await tx.unsafe(statement)];
  });
}

Deno.test("read limits: saved once, loaded back as saved, shown per chain in chain_read_limits", async () => {
  const { sql } = await migratedDb(cluster, "read_limits");
  const { chainId } = await seedDueRows(sql, 1);
  const [none] = await sql`select public.balance_sync_read_limits(${chainId}) as l`;
  assert.equal(none.l, null, "nothing learned yet");
  const [view0] =
    await sql`select * from balance_sync.chain_read_limits where chain_id = ${chainId}`;
  assert.equal(view0.multicall_calls, null, "a chain without learned sizes is listed with nulls");

  const [saved] = await sql`
    select public.balance_sync_save_read_limits(${chainId}, ${sql.json(LIMITS)}, true) as ok`;
  assert.equal(saved.ok, true);
  const [loaded] = await sql`select public.balance_sync_read_limits(${chainId}) as l`;
  assert.deepEqual(loaded.l, LIMITS);

  const [view] =
    await sql`select * from balance_sync.chain_read_limits where chain_id = ${chainId}`;
  assert.equal(Number(view.multicall_calls), 49);
  assert.equal(Number(view.multicall_refused_at), 55);
  assert.equal(Number(view.batch_calls), 9);
  assert.equal(view.batch_reason, "batch too large");
  assert.equal(Number(view.response_bytes), 99584);
  assert.equal(view.response_refused_at, null);
  assert.ok(view.lowered_at !== null);

  // A later save without a refusal keeps when a size was last lowered.
  const lowered = view.lowered_at;
  await sql`select public.balance_sync_save_read_limits(${chainId}, ${sql.json(LIMITS)}, false)`;
  const [again] = await sql`select lowered_at from balance_sync.chain_read_limits
                            where chain_id = ${chainId}`;
  assert.deepEqual(again.lowered_at, lowered);

  const [unknown] = await sql`
    select public.balance_sync_save_read_limits(${crypto.randomUUID()}, ${sql.json(LIMITS)}) as ok`;
  assert.equal(unknown.ok, false, "a chain that does not exist stores nothing");
  await assert.rejects(
    sql`select public.balance_sync_save_read_limits(${chainId}, '[1]'::jsonb)`,
    /must be a JSON object/,
  );
});

Deno.test("read limits: only service_role may call the RPCs and read the view", async () => {
  const { sql } = await migratedDb(cluster, "read_limits_access");
  const { chainId } = await seedDueRows(sql, 1);
  for (const role of ["anon", "authenticated"]) {
    await assert.rejects(
      asRole(sql, role, `select public.balance_sync_read_limits('${chainId}')`),
      /permission denied/,
      `${role} load`,
    );
    await assert.rejects(
      asRole(sql, role, `select public.balance_sync_save_read_limits('${chainId}', '{}')`),
      /permission denied/,
      `${role} save`,
    );
    await assert.rejects(
      asRole(sql, role, "select * from balance_sync.chain_read_limits"),
      /permission denied/,
      `${role} view`,
    );
  }
  await asRole(
    sql,
    "service_role",
    `select public.balance_sync_save_read_limits('${chainId}', '{}')`,
  );
  const rows = await asRole(sql, "service_role", "select * from balance_sync.chain_read_limits");
  assert.equal(rows.length, 1);
  await assert.rejects(
    asRole(sql, "service_role", "select * from balance_sync.read_limits"),
    /permission denied/,
    "the table itself only through the RPCs",
  );
});
