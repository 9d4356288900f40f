/**
 * Who may read the change log, the paging RPC public.balance_sync_changes_since, and the switch
 * that adds the table to the supabase_realtime publication.
 */
import assert from "node:assert/strict";
import { toHuman } from "../../supabase/functions/balance-sync/amount.ts";
import { createClient } from "@supabase/supabase-js";
import { TEST_JWT_SECRET, testKeys } from "../../stack/jwt.ts";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { startPostgrest } from "../../stack/standins/postgrest.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

async function asRole<T>(api: Sql, role: string, statement: string): Promise<T[]> {
  return await api.begin(async (tx) => {
    await tx.unsafe(`set local role ${role}`);
    return [...await tx.unsafe(statement)] as T[];
  }) as T[];
}

async function seedChanges(sql: Sql, count: number): Promise<{ chainId: string }> {
  const { ids, chainId } = await seedDueRows(sql, count);
  await claim(sql, "run", { filter: { wallet_balance_ids: ids }, limit: count });
  await record(
    sql,
    "run",
    ids.map((id, i) => ({ id, raw: String(i + 1), human: toHuman(BigInt(i + 1), 18), block: "1" })),
  );
  return { chainId };
}

Deno.test("access: only service_role (and the owner) read the change log; anon and authenticated get a permission error", async () => {
  const { c, db, sql } = await migratedDb(cluster, "changes_access");
  await seedChanges(sql, 3);
  const api = c.connect(db, { user: "authenticator", max: 1 });
  const statements = [
    "select count(*) from balance_sync.balance_changes",
    "select count(*) from public.balance_sync_changes_since(0, 10)",
  ];
  for (const role of ["anon", "authenticated"]) {
    for (const statement of statements) {
      await assert.rejects(
        asRole(api, role, statement),
        (error: { code?: string }) => error.code === "42501",
        `${role}: ${statement}`,
      );
    }
  }
  for (const statement of statements) {
    const [row] = await asRole<{ count: string }>(api, "service_role", statement);
    assert.equal(Number(row.count), 3, `service_role: ${statement}`);
  }
  await assert.rejects(
    asRole(api, "service_role", "delete from balance_sync.balance_changes"),
    (error: { code?: string }) => error.code === "42501",
    "service_role cannot delete from the append-only log",
  );
  const grants = await sql`
    select grantee, privilege_type from information_schema.role_table_grants
    where table_schema = 'balance_sync' and table_name = 'balance_changes'
      and grantee <> 'postgres' order by 1, 2`;
  assert.deepEqual([...grants], [{ grantee: "service_role", privilege_type: "SELECT" }]);
});

Deno.test("access: balance_sync_changes_since pages by id with amounts as strings, optionally per chain", async () => {
  const { sql } = await migratedDb(cluster, "changes_paging");
  const { chainId } = await seedChanges(sql, 7);
  const other = await seedChanges(sql, 2);
  const page = async (after: number, limit: number, chain: string | null = null) =>
    (await sql`select public.balance_sync_changes_since(${after}, ${limit}, ${chain}) as c`)
      .map((r) => r.c as Record<string, unknown>);

  const seen: Record<string, unknown>[] = [];
  let cursor = 0;
  for (;;) {
    const rows = await page(cursor, 3);
    if (rows.length === 0) break;
    seen.push(...rows);
    cursor = rows[rows.length - 1].id as number;
  }
  const [{ all }] = await sql`select array_agg(id order by id) as all
                              from balance_sync.balance_changes`;
  assert.deepEqual(seen.map((r) => r.id), all.map(Number), "every row once, in id order");
  for (const row of seen) {
    for (const key of ["new_raw", "new_human", "delta_raw", "delta_human"]) {
      assert.equal(typeof row[key], "string", key);
    }
  }
  assert.equal((await page(0, 100, chainId)).length, 7);
  assert.equal((await page(0, 100, other.chainId)).length, 2);
  await assert.rejects(page(0, 0), /p_limit must be 1\.\.1000,/);
  await assert.rejects(page(-1, 10), /p_after_id must be >= 0/);
});

async function published(sql: Sql): Promise<boolean> {
  const [row] = await sql`
    select exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime'
                   and schemaname = 'balance_sync' and tablename = 'balance_changes') as p`;
  return row.p;
}

Deno.test("realtime: off by default; the setting adds and removes the table, creating the publication when missing", async () => {
  const { sql } = await migratedDb(cluster, "changes_realtime");
  const [{ n }] = await sql`select count(*)::int as n from pg_publication
                            where pubname = 'supabase_realtime'`;
  assert.equal(n, 0, "this database has no supabase_realtime publication yet");
  assert.equal(await published(sql), false);
  const [{ value }] = await sql`select value from balance_sync.settings
                                where key = 'balance_changes_realtime'`;
  assert.equal(value, false, "default off");

  await sql`select balance_sync.set_realtime(true)`;
  assert.equal(await published(sql), true, "the publication is created with the table");
  await sql`select balance_sync.set_realtime(false)`;
  assert.equal(await published(sql), false);
  await sql`update balance_sync.settings set value = 'true' where key = 'balance_changes_realtime'`;
  assert.equal(await published(sql), true, "changing the setting row applies it too");
  await assert.rejects(
    sql`update balance_sync.settings set value = '"yes"' where key = 'balance_changes_realtime'`,
    /balance_changes_realtime must be true or false/,
  );
  assert.equal(await published(sql), true, "a bad value changes nothing");
});

Deno.test("realtime: an existing supabase_realtime publication keeps its other tables", async () => {
  const { c, db, sql } = await migratedDb(cluster, "changes_realtime_existing");
  await sql`create table public.other_feed (id int primary key)`;
  await sql`create publication supabase_realtime for table public.other_feed`;
  await sql`select balance_sync.set_realtime(true)`;
  await sql`select balance_sync.set_realtime(false)`;
  await sql`select balance_sync.set_realtime(true)`;
  const tables = await sql`select schemaname || '.' || tablename as t from pg_publication_tables
                           where pubname = 'supabase_realtime' order by 1`;
  assert.deepEqual(tables.map((r) => r.t), ["balance_sync.balance_changes", "public.other_feed"]);

  const api = c.connect(db, { user: "authenticator", max: 1 });
  await assert.rejects(
    asRole(api, "service_role", "select balance_sync.set_realtime(false)"),
    (error: { code?: string }) => error.code === "42501",
    "only the owner switches it",
  );
});

Deno.test("access: a service-role supabase-js client pages the change log through PostgREST; anon is refused", async () => {
  const { c, db, sql } = await migratedDb(cluster, "changes_rpc_api");
  await seedChanges(sql, 5);
  const api = await startPostgrest({ databaseUrl: c.url(db), jwtSecret: TEST_JWT_SECRET });
  try {
    const keys = await testKeys();
    const service = createClient(api.url, keys.serviceRoleKey);
    const first = await service.rpc("balance_sync_changes_since", { p_after_id: 0, p_limit: 3 });
    assert.equal(first.error, null);
    assert.equal(first.data.length, 3);
    const cursor = first.data[2].id;
    const rest = await service.rpc("balance_sync_changes_since", {
      p_after_id: cursor,
      p_limit: 3,
    });
    assert.deepEqual(
      [...first.data, ...rest.data].map((r: { new_raw: string }) => r.new_raw).sort(),
      ["1", "2", "3", "4", "5"],
      "amounts arrive as exact strings, every row once",
    );
    const anon = await createClient(api.url, keys.anonKey).rpc("balance_sync_changes_since", {
      p_after_id: 0,
    });
    assert.equal(anon.error?.code, "42501");
    assert.equal(anon.data, null);
  } finally {
    await api.stop();
  }
});
