/**
 * The spec's guarantees towards the rest of the system: the other workers' columns are never
 * touched, and only service_role may call the contract.
 */
import assert from "node:assert/strict";
import { sharedCluster } from "../../stack/pg.ts";
import {
  assertProtectedUnchanged,
  columnsSnapshot,
  PROTECTED_COLUMNS,
  protectedSnapshot,
} from "../../stack/protected_columns.ts";
import { claim, dbName, record, release, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

Deno.test("guarantee: after claim and record the protected columns are byte-identical", async () => {
  const c = await cluster();
  const db = dbName("protected");
  await c.createDatabase(db, { migrate: true });
  const sql = c.connect(db);
  const { ids } = await seedDueRows(sql, 300);
  await sql`update public.wallet_balances set observed_block = 500 where id = any(${
    ids.slice(0, 20)
  }::uuid[])`;
  const before = await protectedSnapshot(sql);
  const syncedBefore = await columnsSnapshot(sql, ["on_chain_balance_raw", "sync_count"]);

  // Three runs at once, each: claim, then a mix of every kind of outcome.
  const totals = await Promise.all(["run-1", "run-2", "run-3"].map(async (worker) => {
    const conn = c.connect(db, { max: 1 });
    let applied = 0;
    for (;;) {
      const { rows } = await claim(conn, worker, { limit: 40 });
      if (rows.length === 0) return applied;
      const results = rows.slice(0, -2).map((row, i) =>
        i % 3 === 0
          ? { id: row.id, error: "HTTP 502", error_class: "transient" }
          : { id: row.id, raw: `${i}000000000000000000`, human: `${i}`, block: String(400 + i) }
      );
      results.push({ id: rows[0].id, raw: "oops", human: "1" } as never);
      const outcome = await record(conn, worker, results);
      applied += outcome.applied;
      await release(conn, worker, rows.slice(-2).map((r) => r.id));
      // Released rows are due again (next_sync_at = now()); stop them from being claimed
      // forever in this test.
      await conn`update public.wallet_balances
                 set last_checked = now(), next_sync_at = now() + interval '1 hour'
                 where id = any(${rows.slice(-2).map((r) => r.id)}::uuid[])`;
    }
  }));

  assert.ok(totals.reduce((a, b) => a + b, 0) > 100, "balances were really written");
  assert.notDeepEqual(
    await columnsSnapshot(sql, ["on_chain_balance_raw", "sync_count"]),
    syncedBefore,
    "the sync changed the balance columns",
  );
  assertProtectedUnchanged(before, await protectedSnapshot(sql));
});

Deno.test("guarantee: no contract function names a protected column", async () => {
  const c = await cluster();
  const db = dbName("sources");
  await c.createDatabase(db, { migrate: true });
  const sql = c.connect(db, { max: 1 });
  const functions = await sql`
    select proname, prosrc from pg_proc
    where pronamespace = 'public'::regnamespace and proname like 'balance\\_sync\\_%'`;
  assert.deepEqual(functions.map((f) => f.proname).sort(), [
    "balance_sync_chain_acquire",
    "balance_sync_chain_release",
    "balance_sync_changes_since",
    "balance_sync_claim",
    "balance_sync_due_chains",
    "balance_sync_metrics",
    "balance_sync_read_limits",
    "balance_sync_record",
    "balance_sync_release",
    "balance_sync_run_finish",
    "balance_sync_run_settings",
    "balance_sync_save_read_limits",
    "balance_sync_webhook_batch",
    "balance_sync_webhook_claim",
    "balance_sync_webhook_release",
    "balance_sync_webhook_result",
  ]);
  for (const f of functions) {
    for (const column of PROTECTED_COLUMNS) {
      assert.ok(!f.prosrc.includes(column), `${f.proname} names ${column}`);
    }
  }
  // Nor do the operator's views and functions in schema balance_sync.
  const internals = await sql`
    select proname as name, prosrc as src from pg_proc
    where pronamespace = 'balance_sync'::regnamespace
    union all
    select c.relname, pg_get_viewdef(c.oid) from pg_class as c
    where c.relnamespace = 'balance_sync'::regnamespace and c.relkind = 'v'`;
  assert.ok(internals.length >= 10, "balance_sync's functions and views found");
  for (const f of internals) {
    for (const column of PROTECTED_COLUMNS) {
      assert.ok(!f.src.includes(column), `balance_sync.${f.name} names ${column}`);
    }
  }
});

Deno.test("guarantee: anon and authenticated cannot execute the functions; service_role can", async () => {
  const c = await cluster();
  const db = dbName("privileges");
  await c.createDatabase(db, { migrate: true });
  const admin = c.connect(db, { max: 1 });
  const { ids } = await seedDueRows(admin, 2);
  // The role PostgREST logs in as; it switches to the role named in the JWT.
  const api = c.connect(db, { user: "authenticator", max: 1 });
  const calls = {
    claim: "select public.balance_sync_claim('w')",
    record: `select public.balance_sync_record('w', '[]'::jsonb)`,
    release: `select public.balance_sync_release('w', array['${ids[0]}']::uuid[])`,
    due_chains: "select public.balance_sync_due_chains()",
    chain_acquire: `select public.balance_sync_chain_acquire('w', '${ids[0]}')`,
    chain_release: `select public.balance_sync_chain_release('w', '${ids[0]}')`,
  };

  for (const role of ["anon", "authenticated"]) {
    for (const [name, statement] of Object.entries(calls)) {
      await assert.rejects(
        api.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe(statement);
        }),
        (error: { code?: string; message?: string }) => {
          assert.equal(error.code, "42501", `${role} ${name}: ${error.message}`);
          assert.match(error.message ?? "", /permission denied for function balance_sync_/);
          return true;
        },
      );
    }
  }

  const claimed = await api.begin(async (tx) => {
    await tx.unsafe("set local role service_role");
    return await tx.unsafe(calls.claim);
  });
  assert.equal(claimed[0].balance_sync_claim.rows.length, 2, "service_role can claim");
  const [{ released }] = await api.begin(async (tx) => {
    await tx.unsafe("set local role service_role");
    return await tx.unsafe(
      `select public.balance_sync_release('w', array['${ids[0]}', '${
        ids[1]
      }']::uuid[]) as released`,
    );
  });
  assert.equal(released, 2, "service_role can release");
});
