/**
 * The migrations and the DB contract on a database that looks like a real exchange's: narrower
 * numeric and varchar columns, a `family` column with other values, a guard trigger, no foreign
 * keys, chains of other families. Applied by the real Supabase CLI.
 *
 * - Add, never restrict: every write other apps made before still works after the migration.
 * - One row the database refuses fails alone, and the next run is not stalled by it.
 * - A chain of another family is never read (0 RPC requests).
 * - Re-applying changes nothing; a busy table makes the migration fail fast, saying to retry.
 * - A database that applied the first version of the schema migration loses exactly the checks
 *   and foreign keys that version added, and keeps the ones its own apps created.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import {
  claim,
  dataChecksum,
  dbName,
  emptyDb,
  freshInstallSchema,
  record,
  schemaDump,
} from "./fixtures.ts";
import { firstVersion } from "./first_version.ts";
import { APP_FK, APP_TABLES, constraints, FIRST_VERSION_CONSTRAINTS } from "./app_tables.ts";
import { readers } from "../../supabase/functions/balance-sync/chains/readers.ts";
import { createLogger } from "../../supabase/functions/balance-sync/log.ts";
import {
  parseChainLease,
  parseClaim,
  parseDueChains,
  parseRecordOutcome,
  parseRunSettings,
  type Store,
} from "../../supabase/functions/balance-sync/db/store.ts";
import { DEFAULTS } from "../../supabase/functions/balance-sync/config.ts";
import { runSync } from "../../supabase/functions/balance-sync/run/mod.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

const LIVE_SCHEMA = `
create table public.chains (
  id uuid primary key default gen_random_uuid(),
  name varchar(50) not null,
  rpc_url varchar(255),
  is_active boolean default true,
  family varchar(20),
  created_at timestamp default now()
);
create table public.assets (id uuid primary key default gen_random_uuid(), symbol varchar(10) not null);
create table public.asset_on_chain (
  id uuid primary key default gen_random_uuid(),
  chain_id uuid not null,
  asset_id uuid,
  contract_address varchar(64),
  decimals smallint,
  is_native boolean default false,
  is_active boolean default true
);
create table public.wallets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid,
  frozen boolean not null default false
);
create table public.user_wallet_addresses (
  id uuid primary key default gen_random_uuid(),
  wallet_id uuid,
  chain_id uuid,
  address varchar(100) not null,
  is_active boolean default true
);
create table public.wallet_balances (
  id uuid primary key default gen_random_uuid(),
  wallet_id uuid not null,
  asset_on_chain_id uuid not null,
  on_chain_balance_raw numeric(38, 0) default 0,
  on_chain_balance_human numeric(38, 18) default 0,
  last_checked timestamptz,
  sync_count integer default 0,
  error_count integer default 0,
  last_error varchar(255),
  last_error_at timestamptz,
  processing_status varchar(16) default 'idle',
  locked_until timestamptz,
  locked_by varchar(64),
  updated_at timestamptz default now(),
  needs_gas boolean default false,
  priority smallint default 0,
  constraint wallet_balances_raw_sane check (on_chain_balance_raw < 1e30)
);
comment on column public.chains.family is 'Network family, as the ops team names it';
create function public.refuse_frozen_balance_change() returns trigger language plpgsql as $$
begin
  if new.on_chain_balance_raw is distinct from old.on_chain_balance_raw
     and exists (select 1 from public.wallets as w where w.id = new.wallet_id and w.frozen) then
    raise exception 'wallet % is frozen: its balance may not change', new.wallet_id;
  end if;
  return new;
end
$$;
create trigger wallet_balances_frozen_guard before update on public.wallet_balances
  for each row execute function public.refuse_frozen_balance_change();
`;

const id = (prefix: string, n: number) =>
  `${prefix}0000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
const C = (n: number) => id("c", n);
const W = (n: number) => id("e", n);
const B = (n: number) => id("b", n);
const AOC = (n: number) => `a0c00000-0000-0000-0000-${String(n).padStart(12, "0")}`;

/** The live data; `otherRpc` is where the chains of other families point. */
function liveData(otherRpc: string): string {
  return `
insert into public.chains (id, name, rpc_url, family) values
  ('${C(1)}', 'BSC Mainnet', 'http://127.0.0.1:9/bsc', 'EVM'),
  ('${C(2)}', 'TRON', 'http://127.0.0.1:9/tron', 'TRON'),
  ('${C(3)}', 'Bitcoin', '${otherRpc}', 'bitcoin'),
  ('${C(4)}', 'Solana', '${otherRpc}', null),
  ('${C(5)}', 'Polygon', 'http://127.0.0.1:9/polygon', null),
  ('${C(6)}', 'Tron Nile', 'http://127.0.0.1:9/nile', null),
  ('${C(7)}', 'Internal Ledger', '${otherRpc}', null);
insert into public.assets (id, symbol) values
  ('a0000000-0000-0000-0000-000000000001', 'USDT'), ('a0000000-0000-0000-0000-000000000002', 'BTC');
insert into public.asset_on_chain (id, chain_id, asset_id, contract_address, decimals, is_native) values
  ('${AOC(1)}', '${
    C(1)
  }', 'a0000000-0000-0000-0000-000000000001', '0x55d398326f99059fF775485246999027B3197955', 18, false),
  ('${AOC(2)}', '${C(3)}', 'a0000000-0000-0000-0000-000000000002', null, 8, true),
  ('${AOC(3)}', '${
    C(4)
  }', 'a0000000-0000-0000-0000-000000000001', 'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB', 6, false),
  ('${AOC(4)}', '${C(7)}', 'a0000000-0000-0000-0000-000000000001', null, 2, true);
insert into public.wallets (id, frozen) values
  ('${W(1)}', true), ('${W(2)}', false), ('${W(3)}', false), ('${W(4)}', false), ('${W(5)}', false);
insert into public.user_wallet_addresses (wallet_id, chain_id, address)
select w, '${C(1)}', '0x' || repeat(right(w::text, 1), 40)
from unnest(array['${W(1)}', '${W(2)}', '${W(3)}', '${W(4)}', '${W(5)}']::uuid[]) as w;
insert into public.user_wallet_addresses (wallet_id, chain_id, address) values
  ('${W(2)}', '${C(3)}', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'),
  ('${W(2)}', '${C(4)}', '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV'),
  ('${W(2)}', '${C(7)}', 'ledger-account-2');
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id, needs_gas, priority) values
  ('${B(1)}', '${W(1)}', '${
    AOC(1)
  }', true, 1),   -- frozen wallet: the guard trigger refuses a change
  ('${B(2)}', '${W(2)}', '${AOC(1)}', false, 2),  -- will be given a balance above numeric(38,0)
  ('${B(3)}', '${W(3)}', '${AOC(1)}', false, 3),  -- will be given an error longer than varchar(255)
  ('${B(4)}', '${W(4)}', '${AOC(1)}', true, 4),
  ('${B(5)}', '${W(5)}', '${AOC(1)}', false, 5),  -- will be given a balance the app's check refuses
  ('${B(6)}', '${W(2)}', '${AOC(2)}', false, 6),  -- Bitcoin
  ('${B(7)}', '${W(2)}', '${AOC(3)}', false, 7),  -- Solana
  ('${B(8)}', '${W(2)}', '${AOC(4)}', false, 8);  -- Internal Ledger
`;
}

async function liveDb(name: string, otherRpc = "http://127.0.0.1:9/other") {
  const c = await cluster();
  const db = dbName(name);
  await c.createDatabase(db);
  const sql = c.connect(db, { max: 2 });
  await sql.unsafe(LIVE_SCHEMA);
  await sql.unsafe(liveData(otherRpc));
  return { c, db, sql };
}

/** The app's own constraints and triggers, as the catalog describes them. */
async function ownRules(sql: Sql) {
  return [
    ...await sql`
      select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace
      union all
      select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
      from pg_trigger where not tgisinternal
        and tgrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace)
      order by 1, 2`,
  ];
}

Deno.test("live database: after the migration every write other apps made before still works", async () => {
  const { c, db, sql } = await liveDb("live_writes");
  const rulesBefore = await ownRules(sql);

  await c.migrate(db);

  assert.deepEqual(await ownRules(sql), rulesBefore, "no constraint or trigger added or changed");
  const [{ comment }] = await sql`select col_description('public.chains'::regclass,
    (select attnum from pg_attribute where attrelid = 'public.chains'::regclass
                                        and attname = 'family')) as comment`;
  assert.equal(comment, "Network family, as the ops team names it", "the app's comment is kept");
  assert.deepEqual(
    [...await sql`select name, family from public.chains order by name`],
    [
      { name: "BSC Mainnet", family: "EVM" },
      { name: "Bitcoin", family: "bitcoin" },
      { name: "Internal Ledger", family: null },
      { name: "Polygon", family: "evm" },
      { name: "Solana", family: null },
      { name: "TRON", family: "TRON" },
      { name: "Tron Nile", family: "tron" },
    ],
    "existing family values are kept; null is filled only where the name leaves no doubt",
  );

  const writes: [string, string, number][] = [
    [
      "update a chain of another family",
      `update public.chains set is_active = false where name = 'Bitcoin'`,
      1,
    ],
    [
      "change its rpc_url",
      `update public.chains set rpc_url = 'http://btc-2' where name = 'Bitcoin'`,
      1,
    ],
    ["update every chain", `update public.chains set name = name`, 7],
    [
      "insert a chain of another family",
      `insert into public.chains (name, rpc_url, family) values ('Litecoin', 'http://ltc', 'litecoin')`,
      1,
    ],
    ["insert a chain without family", `insert into public.chains (name) values ('Cardano')`, 1],
    [
      "insert a balance row before its wallet",
      `insert into public.wallet_balances (wallet_id, asset_on_chain_id)
       values ('${W(99)}', '${AOC(99)}')`,
      1,
    ],
    ["then the wallet", `insert into public.wallets (id) values ('${W(99)}')`, 1],
    ["delete a wallet that has balance rows", `delete from public.wallets where id = '${W(4)}'`, 1],
    [
      "delete an asset_on_chain row that has balance rows",
      `delete from public.asset_on_chain where id = '${AOC(2)}'`,
      1,
    ],
    [
      "set error_streak like any other column",
      `update public.wallet_balances set error_streak = -1 where id = '${B(5)}'`,
      1,
    ],
  ];
  for (const [what, statement, rows] of writes) {
    const result = await sql.unsafe(statement).catch((error) => {
      throw new Error(`${what} failed after the migration: ${error.message}`);
    });
    assert.equal(result.count, rows, what);
  }
});

function sqlStore(sql: Sql): Store {
  return {
    runSettings: async () => {
      const [row] = await sql`select public.balance_sync_run_settings() as s`;
      return parseRunSettings(row.s);
    },
    claim: async (o) =>
      parseClaim(
        await claim(sql, o.runId, {
          limit: o.limit,
          lease: o.leaseSeconds,
          filter: o.filter ?? undefined,
          minInterval: o.minIntervalSeconds ?? null,
        }),
      ),
    record: async (worker, results) => parseRecordOutcome(await record(sql, worker, results)),
    release: async (worker, ids) => {
      const [row] = await sql`select public.balance_sync_release(${worker}, ${ids}::uuid[]) as n`;
      return row.n;
    },
    dueChains: async (minInterval) => {
      const [row] = await sql`select public.balance_sync_due_chains(${minInterval}) as d`;
      return parseDueChains(row.d);
    },
    acquireChain: async (worker, chainId, leaseSeconds) => {
      const [row] = await sql`select public.balance_sync_chain_acquire(${worker}, ${chainId},
                                                                      ${leaseSeconds}) as l`;
      return parseChainLease(row.l);
    },
    releaseChain: async (worker, chainId) => {
      const [row] = await sql`select public.balance_sync_chain_release(${worker}, ${chainId}) as r`;
      return row.r;
    },
  };
}

Deno.test("live database: chains of other families get 0 RPC requests and a configuration error", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    requests++;
    return Response.json({ jsonrpc: "2.0", id: 1, result: "0x1" });
  });
  try {
    const { c, db, sql } = await liveDb(
      "live_other_families",
      `http://127.0.0.1:${server.addr.port}`,
    );
    await c.migrate(db);
    // Only the other-family chains are left active; all of them point at the counting server.
    await sql`update public.chains set is_active = false where family in ('EVM', 'TRON')`;
    await sql`update balance_sync.settings set value = '0' where key = 'min_interval_seconds'`;

    const summary = await runSync(
      {
        store: sqlStore(sql),
        readers,
        log: createLogger({ level: "error", sink: () => {} }),
      },
      {
        ...DEFAULTS,
        batchSize: 50,
        leaseSeconds: 60,
        budgetMs: 10_000,
        maxBatches: 5,
        maxForcedIds: 100,
      },
      { runId: crypto.randomUUID() },
    );

    assert.equal(requests, 0, "no request reached the other families' RPC");
    assert.equal(summary.claimed, 3);
    assert.equal(summary.failed, 3);
    const errors = await sql`select id, last_error, error_streak from public.wallet_balances
                             where id = any(${[B(6), B(7), B(8)]}) order by id`;
    assert.deepEqual(errors.map((r) => [r.last_error, r.error_streak]), [
      ["chain Bitcoin has no family: set chains.family to evm or tron", 1],
      ["chain Solana has no family: set chains.family to evm or tron", 1],
      ["chain Internal Ledger has no family: set chains.family to evm or tron", 1],
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("live database: rows the database refuses fail alone, and the next run is not stalled by them", async () => {
  const { c, db, sql } = await liveDb("live_refused");
  await c.migrate(db);

  // Stalest first: the three rows the database will refuse come first (ids 1..3).
  const first = await claim(sql, "run-1", { limit: 5 });
  assert.deepEqual(first.rows.map((r) => r.id), [B(1), B(2), B(3), B(4), B(5)]);
  const tooLong = `node answered: ${"x".repeat(600)}`;
  const outcome = await record(sql, "run-1", [
    { id: B(1), raw: "5", human: "0.000000000000000005", block: "10" },
    { id: B(2), raw: "1" + "0".repeat(38), human: "100000000000000000000", block: "10" },
    { id: B(3), error: tooLong, error_class: "transient" },
    { id: B(4), raw: "7", human: "0.000000000000000007", block: "10" },
    { id: B(5), raw: "1" + "0".repeat(31), human: "10000000000000", block: "10" },
  ]);

  assert.equal(outcome.applied, 1, "the good row of the batch applied");
  assert.deepEqual(outcome.refused.map((r) => r.index), [0, 1, 2, 4]);
  const rows = await sql`
    select id, on_chain_balance_raw::text as raw, error_count, error_streak, last_error,
           last_error_at is not null as dated, processing_status, locked_by
    from public.wallet_balances where id = any(${[B(1), B(2), B(3), B(4), B(5)]}) order by id`;
  assert.deepEqual(
    rows.map((
      r,
    ) => [r.raw, r.error_count, r.error_streak, r.processing_status, r.locked_by, r.dated]),
    [
      ["0", 1, 1, "idle", null, true],
      ["0", 1, 1, "idle", null, true],
      ["0", 1, 1, "idle", null, true],
      ["7", 0, 0, "idle", null, false],
      ["0", 1, 1, "idle", null, true],
    ],
  );
  assert.match(
    rows[0].last_error,
    /^refused by the database: wallet e0000000-0000-0000-0000-000000000001 is frozen/,
  );
  assert.match(rows[1].last_error, /^refused by the database: numeric field overflow/);
  assert.match(
    rows[2].last_error,
    /^refused by the database: value too long for type character varying\(255\)/,
  );
  assert.ok(rows[2].last_error.length <= 255, "the reason itself fits the legacy column");
  assert.equal(
    rows[4].last_error,
    `refused by the database: new row for relation "wallet_balances" violates check constraint ` +
      `"wallet_balances_raw_sane"`,
  );

  const second = await claim(sql, "run-2", { limit: 2 });
  assert.deepEqual(
    second.rows.map((r) => r.id),
    [B(6), B(7)],
    "the next run goes on with other rows; the refused ones wait for their backoff",
  );
});

Deno.test("live database: re-applying every migration changes neither schema nor data", async () => {
  const { c, db, sql } = await liveDb("live_reapply");
  const applied = await c.migrate(db);
  const schema = await schemaDump(c, db);
  const data = await dataChecksum(sql);
  await sql`delete from supabase_migrations.schema_migrations`;
  assert.deepEqual(await c.migrate(db), applied, "the CLI ran every file again");
  assert.equal(await schemaDump(c, db), schema);
  assert.deepEqual(await dataChecksum(sql), data);
});

Deno.test("live database: a busy wallet_balances makes the migration fail within lock_timeout, saying to retry; nothing is applied", async () => {
  const { c, db, sql } = await liveDb("live_busy");
  const other = c.connect(db, { max: 1 });
  const held = await other.reserve();
  try {
    // Another service's transaction that writes balance rows and is still open (the lock any
    // UPDATE takes; an UPDATE here would also lock wallets, through the guard trigger).
    await held`begin`;
    await held`lock table public.wallet_balances in row exclusive mode`;

    const started = performance.now();
    const error = await c.migrate(db).then(() => null, (e: Error) => e);
    const elapsed = performance.now() - started;
    assert.ok(error, "the migration failed");
    assert.match(error.message, /table public\.wallet_balances is busy/);
    assert.match(error.message, /Nothing was changed: retry the migration/);
    console.log(
      `MIGRATION LOCK | wallet_balances held by an open transaction | failed after ${
        Math.round(elapsed)
      } ms (lock_timeout 5 s, CLI start included)`,
    );
    assert.ok(elapsed < 15_000, `failed after ${Math.round(elapsed)} ms`);
    const [{ n }] = await sql`select count(*)::int as n from information_schema.columns
                              where table_name = 'wallet_balances' and column_name = 'error_streak'`;
    assert.equal(n, 0, "the file's transaction was rolled back");

    await held`rollback`;
    await c.migrate(db);

    // Re-applied (history lost) while the same kind of transaction is open. Every file has nothing
    // to change but one index: 20261206000210 builds wallet_balances_next_sync_idx again and
    // 20261206001300 drops it again, both CONCURRENTLY. Such a build waits for the open transaction
    // to end without blocking it: the other service keeps writing meanwhile.
    await held`begin`;
    await held`update public.wallet_balances set priority = priority where id = ${B(5)}`;
    await sql`delete from supabase_migrations.schema_migrations`;
    const reapplied = c.migrate(db).then(() => null, (e: Error) => e);
    let building = false;
    for (const deadline = Date.now() + 60_000; !building && Date.now() < deadline;) {
      const [{ n }] = await sql`select count(*)::int as n from pg_stat_progress_create_index
                                where relid = 'public.wallet_balances'::regclass`;
      building = n > 0;
      if (!building) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(building, "the re-apply builds wallet_balances_next_sync_idx again, concurrently");
    const write = performance.now();
    await held`update public.wallet_balances set priority = priority
               where id = (select id from public.wallet_balances where id <> ${B(5)} limit 1)`;
    assert.ok(performance.now() - write < 1000, "the open transaction still writes");
    await held`rollback`;
    assert.equal(await reapplied, null, "the re-apply completes once that transaction ends");
    const [{ gone }] =
      await sql`select to_regclass('public.wallet_balances_next_sync_idx') is null as gone`;
    assert.ok(gone, "and drops the index again");
  } finally {
    await held`rollback`.catch(() => {});
    held.release();
  }
});

const FIRST_VERSION_SCHEMA = `${APP_TABLES}
insert into public.chains (id, name, rpc_url) values
  ('${C(1)}', 'BSC', 'http://bsc'), ('${C(2)}', 'Tron', 'http://tron'),
  ('${C(3)}', 'Bitcoin', 'http://btc'), ('${C(4)}', 'My Chain', 'http://mine');
insert into public.wallets (id) values ('${W(1)}');
insert into public.asset_on_chain (id, chain_id, decimals) values ('${AOC(1)}', '${C(3)}', 8);
insert into public.wallet_balances (id, wallet_id, asset_on_chain_id) values
  ('${B(1)}', '${W(1)}', '${AOC(1)}');
`;

Deno.test("upgrade: what the first schema version added is dropped, the app's own foreign key stays", async () => {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, "upgrade_legacy");
  await sql.unsafe(FIRST_VERSION_SCHEMA);
  await c.migrate(db, firstVersion);
  // After the first version: its checks and keys, and every chain without "tron" became evm.
  assert.deepEqual(await constraints(sql), [...FIRST_VERSION_CONSTRAINTS, APP_FK].sort());
  await assert.rejects(
    sql`insert into public.chains (name, family) values ('Litecoin', 'litecoin')`,
    /chains_family_check/,
  );
  await assert.rejects(
    sql`delete from public.asset_on_chain where id = ${AOC(1)}`,
    /wallet_balances_asset_on_chain_id_fkey/,
  );
  // The app sets a family itself after that version: its data, whatever the name says.
  await sql`update public.chains set family = 'evm' where name = 'My Chain'`;

  const applied = await c.migrate(db);
  assert.ok(applied.some((f) => f.endsWith("_balance_sync_live_safety.sql")), applied.join());

  assert.deepEqual(
    await constraints(sql),
    [APP_FK],
    "only the app's own foreign key is left (same name as the one the first version would add)",
  );
  assert.deepEqual(
    [...await sql`select name, family from public.chains order by name`],
    [
      { name: "BSC", family: "evm" },
      { name: "Bitcoin", family: null },
      { name: "My Chain", family: "evm" },
      { name: "Tron", family: "tron" },
    ],
    "the first version's doubtful backfill is undone; values the app wrote are kept",
  );
  await sql`insert into public.chains (name, family) values ('Litecoin', 'litecoin')`;
  await sql`update public.chains set rpc_url = 'http://btc-2' where name = 'Bitcoin'`;
  assert.equal((await sql`delete from public.asset_on_chain where id = ${AOC(1)}`).count, 1);
  await assert.rejects(
    sql`delete from public.wallets where id = ${W(1)}`,
    /wallet_balances_wallet_id_fkey/,
    "the app's own rule still holds",
  );
});

Deno.test("upgrade: a fresh install of the first version ends with the schema of a fresh install of this one", async () => {
  const c = await cluster();
  const { db: upgraded, sql } = await emptyDb(c, "upgrade_fresh");
  await c.migrate(upgraded, firstVersion);
  const [{ granted }] = await sql`
    select count(*)::int as granted from pg_class as c, aclexplode(c.relacl) as a
    where c.relnamespace = 'public'::regnamespace and c.relname = 'wallet_balances'
      and a.grantee = 'anon'::regrole`;
  assert.ok(granted > 0, "the first version left Supabase's default grants to anon");

  await c.migrate(upgraded);
  assert.equal(await schemaDump(c, upgraded), await freshInstallSchema(c));
});
