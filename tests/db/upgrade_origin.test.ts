/**
 * The live-safety upgrade (20261201000100) undoes what the first version of the schema migration
 * added only where the catalog proves that version's transaction wrote it. Applied by the real
 * Supabase CLI on databases that really ran the first milestone's push, then:
 *
 * - dumped and restored with pg_dump | psql (every catalog row and history row rewritten);
 * - with the app's own foreign key of PostgreSQL's default name re-created after that push;
 * - with the history row of 20261128000001 deleted and inserted again (a repair);
 * - after more than 2^32 transactions (pg_resetwal moves the 64-bit counter's epoch on), when the
 *   32-bit id of that history row may name another transaction too;
 * - as it was released (the positive case: exactly that version's checks and keys go);
 * - after the live-safety migration as it landed had already run.
 *
 * In every uncertain case nothing is dropped or revoked, and balance_sync.left_in_place lists each
 * object with the statement that removes it. Chains the first version set to evm keep syncing.
 */
import assert from "node:assert/strict";
import { type Cluster, sharedCluster, type Sql, startCluster } from "../../stack/pg.ts";
import { claim, dbName, emptyDb, freshInstallSchema, schemaDump } from "./fixtures.ts";
import { firstVersion, landedLiveSafety } from "./first_version.ts";
import { APP_FK, APP_TABLES, constraints, FIRST_VERSION_CONSTRAINTS } from "./app_tables.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster();

/** The app's tables with two chains of its own. */
const APP_SCHEMA = `${APP_TABLES}
insert into public.chains (name, rpc_url) values ('BSC', 'http://bsc'), ('Bitcoin', 'http://btc');
`;

const DROP_APP_FK =
  "alter table public.wallet_balances drop constraint wallet_balances_wallet_id_fkey;";

/** A database with the app's tables that ran the first milestone's push. */
async function firstVersionDb(name: string, schema = APP_SCHEMA) {
  const c = await cluster();
  const { db, sql } = await emptyDb(c, name);
  if (schema) await sql.unsafe(schema);
  await c.migrate(db, firstVersion);
  return { c, db, sql };
}

interface Listed {
  kind: string;
  object: string;
  ddl: string;
}

async function leftInPlace(sql: Sql): Promise<Listed[]> {
  return [
    ...await sql<Listed[]>`select kind, object, ddl from balance_sync.left_in_place
                           order by kind, object`,
  ];
}

/** The listing's constraint rows, as "table.name" -> the statement that drops it. */
async function listedConstraints(sql: Sql): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await leftInPlace(sql)).filter((r) => r.kind === "constraint").map((r) => [r.object, r.ddl]),
  );
}

/** Why the listed objects were left in place (one reason each, deduplicated). */
async function reasons(sql: Sql): Promise<string[]> {
  return (await sql`select distinct reason from balance_sync.left_in_place order by 1`).map((r) =>
    r.reason
  );
}

function dropStatement(qualified: string): string {
  const [table, name] = qualified.split(".");
  return `alter table public.${table} drop constraint ${name};`;
}

/** The app re-creates its own foreign key (same default name) in a transaction of its own. */
async function recreateAppForeignKey(sql: Sql): Promise<void> {
  await sql`alter table public.wallet_balances
              drop constraint wallet_balances_wallet_id_fkey,
              add constraint wallet_balances_wallet_id_fkey
                foreign key (wallet_id) references public.wallets (id)`;
}

async function assertAppForeignKeyHolds(sql: Sql): Promise<void> {
  const [{ id }] = await sql`insert into public.wallets default values returning id`;
  await sql`insert into public.wallet_balances (wallet_id) values (${id})`;
  await assert.rejects(
    sql`delete from public.wallets where id = ${id}`,
    /wallet_balances_wallet_id_fkey/,
    "the app's own rule still holds",
  );
}

Deno.test("upgrade origin: on the database the first version ran on, exactly its checks and keys go and nothing is listed", async () => {
  const { c, db, sql } = await firstVersionDb("origin_positive");
  assert.deepEqual(await constraints(sql), [...FIRST_VERSION_CONSTRAINTS, APP_FK].sort());

  await c.migrate(db);

  assert.deepEqual(await constraints(sql), [APP_FK], "only the app's own key is left");
  await assertAppForeignKeyHolds(sql);
  assert.deepEqual(await leftInPlace(sql), [], "nothing was uncertain");
});

Deno.test("upgrade origin: after pg_dump | psql nothing is dropped, and every check and key is listed with its DDL", async () => {
  const { c, db, sql } = await firstVersionDb("origin_dump");
  const restored = dbName("origin_restored");
  await c.sql.unsafe(`create database "${restored}" template template0`);
  await dumpInto(c, db, restored);
  const target = c.connect(restored, { max: 1 });
  const before = await constraints(target);
  assert.deepEqual(before, [...FIRST_VERSION_CONSTRAINTS, APP_FK].sort(), "the dump restored");

  const applied = await c.migrate(restored);
  assert.ok(applied.some((f) => f.endsWith("_balance_sync_live_safety.sql")), applied.join());

  assert.deepEqual(await constraints(target), before, "no constraint dropped");
  await assertAppForeignKeyHolds(target);
  const listed = await listedConstraints(target);
  assert.equal(listed[APP_FK], DROP_APP_FK, "the app's key is listed (its origin is unprovable)");
  for (const name of FIRST_VERSION_CONSTRAINTS) {
    assert.equal(listed[name], dropStatement(name), `${name} is listed with its DDL`);
  }
  assert.deepEqual(await reasons(target), [
    "its migration-history row was written in one transaction with the next one (restored from " +
    "a dump, or repaired)",
  ]);
  await sql.end();
});

Deno.test("upgrade origin: the app's key of the default name re-created after the first version survives and is listed", async () => {
  const { c, db, sql } = await firstVersionDb("origin_later_xmin");
  await recreateAppForeignKey(sql);

  await c.migrate(db);

  assert.deepEqual(await constraints(sql), [APP_FK], "the first version's own are still dropped");
  await assertAppForeignKeyHolds(sql);
  assert.deepEqual(await leftInPlace(sql), [{
    kind: "constraint",
    object: APP_FK,
    ddl: DROP_APP_FK,
  }]);
  assert.deepEqual(await reasons(sql), [
    "its catalog rows were not written by the transaction that applied 20261128000001 " +
    "(another app's, or written again since)",
  ]);
});

Deno.test("upgrade origin: with a repaired history row nothing is dropped, revoked or re-derived, and all of it is listed", async () => {
  const { c, db, sql } = await firstVersionDb("origin_repaired");
  // `supabase migration repair --status applied 20261128000001` after a reverted one: the row is
  // written again, by a new transaction.
  await sql.begin(async (tx) => {
    const [row] = await tx`delete from supabase_migrations.schema_migrations
                           where version = '20261128000001' returning *`;
    await tx`insert into supabase_migrations.schema_migrations ${tx(row)}`;
  });
  await recreateAppForeignKey(sql);
  const before = await constraints(sql);
  const grants = await apiGrants(sql);
  assert.ok(grants.length > 0, "the first version left Supabase's grants on the tables it created");

  await c.migrate(db);

  assert.deepEqual(await constraints(sql), before, "no constraint dropped");
  await assertAppForeignKeyHolds(sql);
  assert.deepEqual(await apiGrants(sql), grants, "no grant revoked");
  assert.deepEqual(
    [...await sql`select name, family from public.chains order by name`],
    [{ name: "BSC", family: "evm" }, { name: "Bitcoin", family: "evm" }],
    "no family changed",
  );
  const listed = await leftInPlace(sql);
  const constraintRows = Object.fromEntries(
    listed.filter((r) => r.kind === "constraint").map((r) => [r.object, r.ddl]),
  );
  assert.equal(constraintRows[APP_FK], DROP_APP_FK);
  for (const name of FIRST_VERSION_CONSTRAINTS) {
    assert.equal(constraintRows[name], dropStatement(name), name);
  }
  const [{ bitcoin }] = await sql`select id as bitcoin from public.chains where name = 'Bitcoin'`;
  assert.deepEqual(
    listed.filter((r) => r.kind !== "constraint").map((r) => r.ddl).sort(),
    [
      `revoke all on table public.assets from anon;`,
      `revoke all on table public.assets from authenticated;`,
      `revoke all on table public.user_wallet_addresses from anon;`,
      `revoke all on table public.user_wallet_addresses from authenticated;`,
      `update public.chains set family = null where id = '${bitcoin}';`,
    ],
  );
  assert.deepEqual(await reasons(sql), [
    "its migration-history row is newer than the next one (written again by a repair)",
  ]);
});

Deno.test("upgrade origin: once the transaction counter has gone round (2^32 more ids), nothing is dropped and everything is listed", async () => {
  const c = await startCluster();
  try {
    const db = dbName("origin_wrapped");
    await c.createDatabase(db);
    const sql = c.connect(db, { max: 1 });
    await sql.unsafe(APP_SCHEMA);
    await c.migrate(db, firstVersion);
    const before = await constraints(sql);
    await sql.end();

    await nextEpoch(c);
    const after = c.connect(db, { max: 1 });
    const [{ next }] = await after`select pg_snapshot_xmax(pg_current_snapshot())::text as next`;
    assert.ok(BigInt(next) > 2n ** 32n, `the counter is at ${next}`);

    await c.migrate(db);

    assert.deepEqual(await constraints(after), before, "no constraint dropped");
    const listed = await listedConstraints(after);
    for (const name of FIRST_VERSION_CONSTRAINTS) {
      assert.equal(listed[name], dropStatement(name), name);
    }
    assert.deepEqual(await reasons(after), [
      "the transaction id of its migration-history row is frozen, or was used again since " +
      "(more than 2^32 transactions)",
    ]);
  } finally {
    await c.stop();
  }
});

/**
 * Stops the server, moves the transaction counter's epoch on by one with pg_resetwal (as after
 * 2^32 more transactions: every 32-bit id below the current one has been used twice), and starts
 * it again with the command line it recorded in postmaster.opts.
 */
async function nextEpoch(c: Cluster): Promise<void> {
  const data = c.socketDir;
  const asServer = (cmd: string, args: string[]) =>
    Deno.uid() === 0
      ? new Deno.Command("runuser", { args: ["-u", "postgres", "--", cmd, ...args] })
      : new Deno.Command(cmd, { args });
  const run = async (cmd: string, args: string[]) => {
    const out = await asServer(cmd, args).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  };
  const control = await run(`${c.bindir}/pg_controldata`, ["-D", data]);
  const epoch = Number(control.match(/Latest checkpoint's NextXID:\s+(\d+):/)![1]);
  const opts = [...Deno.readTextFileSync(`${data}/postmaster.opts`).matchAll(/"([^"]*)"|(\S+)/g)]
    .map((m) => m[1] ?? m[2]);
  await run(`${c.bindir}/pg_ctl`, ["stop", "-D", data, "-m", "fast", "-w"]);
  await run(`${c.bindir}/pg_resetwal`, ["-e", String(epoch + 1), "-D", data]);
  const [bin, ...args] = opts;
  const command = Deno.uid() === 0
    ? new Deno.Command("runuser", {
      args: ["-u", "postgres", "--", bin, ...args],
      stdout: "null",
      stderr: "null",
    })
    : new Deno.Command(bin, { args, stdout: "null", stderr: "null" });
  command.spawn();
  for (let i = 0; i < 600; i++) {
    try {
      if (Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n")[7]?.trim() === "ready") {
        return;
      }
    } catch { /* not written yet */ }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the server did not start again");
}

async function apiGrants(sql: Sql): Promise<string[]> {
  return (await sql`
    select c.relname || ' ' || r.rolname || ' ' || a.privilege_type as g
    from pg_class as c, aclexplode(c.relacl) as a, pg_roles as r
    where c.relnamespace = 'public'::regnamespace and r.oid = a.grantee
      and r.rolname in ('anon', 'authenticated')
    order by 1`).map((r) => r.g);
}

async function dumpInto(c: Cluster, from: string, to: string): Promise<void> {
  const dump = new Deno.Command(`${c.bindir}/pg_dump`, {
    args: ["--dbname", c.url(from)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const restore = new Deno.Command(`${c.bindir}/psql`, {
    args: ["--quiet", "--dbname", c.url(to)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await dump.stdout.pipeTo(restore.stdin);
  const [dumped, restored] = await Promise.all([dump.output(), restore.output()]);
  assert.ok(dumped.success, new TextDecoder().decode(dumped.stderr));
  assert.ok(restored.success, new TextDecoder().decode(restored.stderr));
}

Deno.test("upgrade origin: a database that already ran the landed live-safety migration gets the listing table and the schema of a fresh install", async () => {
  const c = await cluster();
  const { db: upgraded, sql } = await emptyDb(c, "origin_landed");
  await c.migrate(upgraded, firstVersion);
  await c.migrate(upgraded, landedLiveSafety);

  await c.migrate(upgraded);
  assert.deepEqual(await leftInPlace(sql), []);
  assert.equal(await schemaDump(c, upgraded), await freshInstallSchema(c));
});

/** Chains whose names carry none of the listed words: the first version set evm on them. */
const EVM_NAMES = [
  "Base",
  "Avalanche C-Chain",
  "BNB Chain",
  "OP Mainnet",
  "Linea",
  "zkSync Era",
  "Polygon zkEVM",
];

Deno.test("upgrade origin: every chain the first version set to evm keeps syncing unless its name says otherwise", async () => {
  const names = [...EVM_NAMES, "Bitcoin", "Nile Testnet"];
  const { c, db, sql } = await firstVersionDb(
    "origin_family",
    `
    create table public.chains (id uuid primary key default gen_random_uuid(), name text not null,
                                rpc_url text);
    insert into public.chains (name, rpc_url)
    select n, 'http://127.0.0.1:9/' || n from unnest(${sqlArray(names)}::text[]) as n;`,
  );
  assert.deepEqual(
    (await sql`select family from public.chains`).map((r) => r.family),
    names.map(() => "evm"),
    "the first version wrote evm on every name without tron",
  );
  // One wallet with an address and a native balance row on every chain, as that version's schema.
  await sql`
    with w as (insert into public.wallets default values returning id),
    a as (insert into public.assets (symbol) values ('NATIVE') returning id),
    aoc as (insert into public.asset_on_chain (chain_id, asset_id, decimals, is_native)
            select ch.id, a.id, 18, true from public.chains as ch, a returning id, chain_id),
    addr as (insert into public.user_wallet_addresses (wallet_id, chain_id, address)
             select w.id, ch.id, '0x' || repeat('1', 40) from w, public.chains as ch)
    insert into public.wallet_balances (wallet_id, asset_on_chain_id)
    select w.id, aoc.id from w, aoc`;

  await c.migrate(db);

  const { rows } = await claim(sql, "after-upgrade", { limit: 100 });
  const chainName = new Map(
    (await sql`select id, name from public.chains`).map((r) => [r.id, r.name]),
  );
  const outcome = Object.fromEntries(
    rows.map((r) => [chainName.get(r.chain_id), r.config_error]),
  );
  assert.deepEqual(outcome, {
    ...Object.fromEntries(EVM_NAMES.map((n) => [n, null])),
    "Bitcoin": "chain Bitcoin has no family: set chains.family to evm or tron",
    "Nile Testnet": null,
  });
  assert.deepEqual(
    Object.fromEntries(
      (await sql`select name, family from public.chains`).map((r) => [r.name, r.family]),
    ),
    {
      ...Object.fromEntries(EVM_NAMES.map((n) => [n, "evm"])),
      "Bitcoin": null,
      "Nile Testnet": "tron",
    },
  );
});

function sqlArray(values: string[]): string {
  return `array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")}]`;
}
