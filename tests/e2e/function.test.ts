/**
 * The real function over HTTP: Deno serves supabase/functions/balance-sync/index.ts as its own
 * process; its postgrest-js client talks to the PostgREST stand-in in front of PostgreSQL with the
 * real migrations; it reads balances from anvil (EVM, Multicall3) and the TRON node stand-in.
 *
 * This module runs as a hosted project that disabled its legacy JWT keys: only the new
 * `sb_secret_...` / `sb_publishable_...` keys work, and SUPABASE_SERVICE_ROLE_KEY still holds the
 * old JWT, as hosted Supabase keeps injecting it. The other E2E modules run with legacy keys on.
 */
import assert from "node:assert/strict";
import { refusedUrl } from "../../stack/reserved_port.ts";
import { expectedHuman, rowsAsText, seedWorld, SYNC_WRITES, type World } from "../../stack/data.ts";
import {
  assertProtectedUnchanged,
  PROTECTED_COLUMNS,
  protectedSnapshot,
} from "../../stack/protected_columns.ts";
import { callFunction } from "../../stack/stack.ts";
import { e2eTest, FOREIGN_WORKER, postgrestCallsSince, sharedStack } from "./fixture.ts";

const stack = sharedStack({ legacyKeys: "disabled" });

const SPEC_FIELDS = [
  "on_chain_balance_raw",
  "on_chain_balance_human",
  "last_checked",
  "sync_count",
  "updated_at",
];

async function assertSynced(
  sql: import("../../stack/pg.ts").Sql,
  world: World,
  ids: string[],
  syncCount = 1,
) {
  const rows = await sql`
    select id::text as id, on_chain_balance_raw::text as raw, on_chain_balance_human::text as human,
           sync_count, error_count, last_checked, processing_status::text as status, locked_by
    from public.wallet_balances where id = any(${ids}::uuid[])`;
  assert.equal(rows.length, ids.length);
  for (const row of rows) {
    const expected = world.rows.find((r) => r.id === row.id)!;
    assert.equal(row.raw, expected.raw.toString(), `raw of a ${expected.family} row`);
    const [{ equal }] = await sql`select ${row.human}::numeric = ${
      expectedHuman(expected.raw, expected.decimals)
    }::numeric as equal`;
    assert.ok(equal, `human ${row.human} of ${expected.raw} with ${expected.decimals} decimals`);
    assert.equal(row.sync_count, syncCount);
    assert.equal(row.error_count, 0);
    assert.ok(row.last_checked instanceof Date);
    assert.equal(row.status, "idle");
    assert.equal(row.locked_by, null);
  }
}

e2eTest(
  stack,
  "a scheduled run syncs every due row of both families and writes exactly the spec's fields",
  (s) => seedWorld(s, { wallets: 3 }),
  async (s, world) => {
    const ids = world.rows.map((r) => r.id);
    const before = await rowsAsText(s.sql, ids);
    // The seed's per-row messages are written at debug (the default level keeps to the
    // platform's log limits).
    const fn = await s.serveFunction({ env: { BALANCE_SYNC_LOG_LEVEL: "debug" } });

    const response = await fn.call();

    assert.equal(response.status, 200, response.text);
    const summary = response.body;
    assert.equal(summary.kind, "scheduled");
    assert.equal(summary.claimed, 12);
    assert.equal(summary.synced, 12);
    assert.equal(summary.failed, 0);
    assert.equal(summary.released, 0);
    assert.equal(summary.lost, 0);
    assert.equal(summary.stale_rejected, 0);
    assert.equal(summary.chains[world.evmChainId].rows, 6);
    assert.equal(summary.chains[world.tronChainId].rows, 6);
    assert.match(summary.chains[world.evmChainId].block, /^\d+$/);
    assert.match(summary.chains[world.tronChainId].block, /^\d+$/);
    await assertSynced(s.sql, world, ids);

    const after = await rowsAsText(s.sql, ids);
    for (const id of ids) {
      const changed = Object.keys(after.get(id)!).filter((column) =>
        after.get(id)![column] !== before.get(id)![column]
      ).sort();
      for (const column of SPEC_FIELDS) assert.ok(changed.includes(column), `${column} written`);
      const unexpected = changed.filter((c) => !(SYNC_WRITES as readonly string[]).includes(c));
      assert.deepEqual(unexpected, [], "only the spec's fields (and observed_block) change");
    }

    const lines = fn.logs().filter((l) => l.run_id === summary.run_id);
    const messages = lines.map((l) => l.msg);
    assert.ok(
      lines.filter((l) => l.msg === "Fetched native asset balance").every((l) =>
        l.level === "debug"
      ),
    );
    assert.equal(messages.filter((m) => m === "Fetched native asset balance").length, 6);
    assert.equal(messages.filter((m) => m === "Fetched token asset balance").length, 6);
    assert.equal(messages.filter((m) => m === "Wallet balance synced successfully").length, 12);
    assert.equal(messages.filter((m) => m === "Balance sync run finished").length, 1);
    const token = lines.find((l) =>
      l.msg === "Fetched token asset balance" && l.chain_id === world.tronChainId
    )!;
    assert.equal(token.asset_type, "token");
    assert.equal(token.contract_address, world.tronToken);
    assert.equal(token.chain, "tron-standin");
  },
);

e2eTest(
  stack,
  "a force-sync by wallet returns the balances in the response",
  (s) => seedWorld(s, { wallets: 2 }),
  async (s, world) => {
    const wallet = world.wallets[1];
    const mine = world.rows.filter((r) => r.walletId === wallet.id);
    const others = world.rows.filter((r) => r.walletId !== wallet.id);

    for (const round of [1, 2]) {
      // The second round finds the rows synced seconds ago: a force-sync ignores due-ness.
      const response = await s.fn!.call({ wallet_id: wallet.id }, { apikey: s.keys.secretKey });
      assert.equal(response.status, 200, response.text);
      const summary = response.body;
      assert.equal(summary.kind, "forced");
      assert.equal(summary.claimed, 4);
      assert.deepEqual(summary.busy_ids, []);
      assert.equal(summary.rows.length, 4);
      for (const expected of mine) {
        const row = summary.rows.find((r: { id: string }) => r.id === expected.id);
        assert.equal(row.status, "synced");
        assert.equal(row.wallet_id, wallet.id);
        assert.equal(row.raw, expected.raw.toString());
        assert.equal(row.human, expectedHuman(expected.raw, expected.decimals));
        assert.match(row.block, /^\d+$/);
        assert.equal(row.asset_type, expected.native ? "native" : "token");
      }
      await assertSynced(s.sql, world, mine.map((r) => r.id), round);
    }
    const untouched = await s.sql`
      select count(*)::int as n from public.wallet_balances
      where id = any(${
      others.map((r) => r.id)
    }::uuid[]) and sync_count = 0 and last_checked is null`;
    assert.equal(untouched[0].n, others.length);
  },
);

e2eTest(
  stack,
  "a force-sync does not steal a live lease",
  async (s) => {
    const world = await seedWorld(s, { wallets: 1 });
    const held = world.rows[2];
    await s.sql`update public.wallet_balances
                set processing_status = 'processing', locked_by = ${FOREIGN_WORKER},
                    locked_until = now() + interval '5 minutes'
                where id = ${held.id}`;
    return { world, held };
  },
  async (s, { world, held }) => {
    const response = await s.fn!.call({ wallet_id: world.wallets[0].id }, {
      apikey: s.keys.secretKey,
    });

    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.busy, 1);
    assert.deepEqual(response.body.busy_ids, [held.id]);
    assert.equal(response.body.claimed, 3);
    assert.ok(!response.body.rows.some((r: { id: string }) => r.id === held.id));
    const [row] = await s.sql`
      select locked_by, processing_status::text as status, sync_count, on_chain_balance_raw
      from public.wallet_balances where id = ${held.id}`;
    assert.deepEqual(
      [row.locked_by, row.status, row.sync_count, row.on_chain_balance_raw],
      [FOREIGN_WORKER, "processing", 0, null],
    );
    await assertSynced(s.sql, world, world.rows.filter((r) => r !== held).map((r) => r.id));
    await s.sql`update public.wallet_balances
                set processing_status = 'idle', locked_by = null, locked_until = null
                where id = ${held.id}`;
  },
);

e2eTest(
  stack,
  "one chain's RPC down: its rows get error_count + 1 and last_error, the other chain syncs",
  (s) => seedWorld(s, { wallets: 2, evmRpcUrl: refusedUrl() }),
  async (s, world) => {
    const response = await s.fn!.call();

    assert.equal(response.status, 200, response.text);
    const summary = response.body;
    assert.equal(summary.claimed, 8);
    assert.equal(summary.synced, 4);
    assert.equal(summary.failed, 4);
    const evm = summary.chains[world.evmChainId];
    assert.equal(
      Object.values(evm.errors_by_class as Record<string, number>).reduce((a, b) => a + b, 0),
      4,
    );
    assert.deepEqual(summary.chains[world.tronChainId].errors_by_class, {});

    const down = world.rows.filter((r) => r.family === "evm").map((r) => r.id);
    const rows = await s.sql`
      select error_count, last_error, last_error_at, sync_count, on_chain_balance_raw,
             processing_status::text as status
      from public.wallet_balances where id = any(${down}::uuid[])`;
    for (const row of rows) {
      assert.equal(row.error_count, 1);
      assert.equal(typeof row.last_error, "string");
      assert.ok(row.last_error.length > 0);
      assert.ok(row.last_error_at instanceof Date);
      assert.equal(row.sync_count, 0);
      assert.equal(row.on_chain_balance_raw, null);
      assert.equal(row.status, "idle");
    }
    await assertSynced(
      s.sql,
      world,
      world.rows.filter((r) => r.family === "tron").map((r) => r.id),
    );
  },
);

e2eTest(
  stack,
  "the budget expires mid-run: unread rows are released, not stuck, and the next run syncs them",
  (s) => seedWorld(s, { wallets: 2 }),
  async (s, world) => {
    const short = await s.serveFunction({ env: { BALANCE_SYNC_BUDGET_MS: "2500" } });
    try {
      // The TRON node stops answering: its reads can only end at the run's deadline.
      s.tron.inject({ kind: "timeout" });
      const response = await short.call();
      assert.equal(response.status, 200, response.text);
      const summary = response.body;
      assert.equal(summary.stopped, "budget");
      assert.equal(summary.claimed, 8);
      assert.equal(summary.failed, 0, "the deadline is not the chain's error");
      assert.equal(summary.synced + summary.released, 8);
      assert.ok(summary.released >= 4);
      assert.equal(summary.chains[world.tronChainId].released, 4);

      const tronIds = world.rows.filter((r) => r.family === "tron").map((r) => r.id);
      const rows = await s.sql`
        select processing_status::text as status, locked_by, locked_until, error_count, sync_count
        from public.wallet_balances where id = any(${tronIds}::uuid[])`;
      for (const row of rows) {
        assert.deepEqual(
          [row.status, row.locked_by, row.locked_until, row.error_count, row.sync_count],
          ["idle", null, null, 0, 0],
        );
      }
    } finally {
      s.tron.clearFaults();
      await short.stop();
    }

    const next = await s.fn!.call();
    assert.equal(next.status, 200, next.text);
    await assertSynced(s.sql, world, world.rows.map((r) => r.id));
  },
);

e2eTest(
  stack,
  "a run over 0 due rows answers with zeros after its settings, one due-chains call and its history row, and no RPC",
  async (s) => {
    const world = await seedWorld(s, { wallets: 1 });
    await s.sql`update public.wallet_balances set last_checked = now()`;
    return world;
  },
  async (s) => {
    const dbCalls = new Map(s.postgrest.calls);
    const tronCalls = s.tron.requests.count;

    const response = await s.fn!.call();

    assert.equal(response.status, 200, response.text);
    const summary = response.body;
    assert.deepEqual(
      [summary.claimed, summary.synced, summary.failed, summary.released, summary.batches],
      [0, 0, 0, 0, 0],
    );
    assert.equal(summary.stopped, "drained");
    assert.deepEqual(summary.chains, {});
    assert.deepEqual(
      postgrestCallsSince(s, dbCalls),
      { balance_sync_run_settings: 1, balance_sync_due_chains: 1, balance_sync_run_finish: 1 },
      "the run's settings, one look for chains with due rows and the run history's one call",
    );
    assert.equal(s.tron.requests.count, tronCalls);
  },
);

class Rollback extends Error {}

e2eTest(
  stack,
  "the protected-columns check of this fixture notices a change",
  (s) => seedWorld(s, { wallets: 1 }),
  async (s) => {
    const before = await protectedSnapshot(s.sql);
    for (const column of PROTECTED_COLUMNS) {
      const change = column === "priority"
        ? "priority + 1"
        : column.startsWith("needs")
        ? `not ${column}`
        : column.endsWith("until")
        ? `coalesce(${column}, now()) + interval '1 microsecond'`
        : `coalesce(${column}, '') || 'x'`;
      let noticed = false;
      await s.sql.begin(async (tx) => {
        await tx.unsafe(`update public.wallet_balances set ${column} = ${change}`);
        const after = await protectedSnapshot(tx as unknown as typeof s.sql);
        assert.throws(() => assertProtectedUnchanged(before, after), /protected columns/, column);
        noticed = true;
        throw new Rollback();
      }).catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      });
      assert.ok(noticed, column);
    }
    assertProtectedUnchanged(before, await protectedSnapshot(s.sql));
  },
);

e2eTest(
  stack,
  "legacy keys disabled: the API refuses the old JWT as hosted does, the function refuses it as a caller, and reaches the database with the secret key",
  (s) => seedWorld(s, { wallets: 1 }),
  async (s, world) => {
    assert.equal(s.legacyKeys, "disabled");
    const api = await fetch(`${s.postgrest.url}/rest/v1/rpc/balance_sync_metrics`, {
      method: "POST",
      headers: {
        apikey: s.keys.serviceRoleKey,
        authorization: `Bearer ${s.keys.serviceRoleKey}`,
        "content-type": "application/json",
      },
      body: "{}",
    });
    assert.equal(api.status, 401);
    const refusal = await api.json();
    assert.equal(refusal.message, "Legacy API keys are disabled");
    assert.match(refusal.hint, /use the new publishable and secret API keys/);

    for (
      const headers of [
        { authorization: `Bearer ${s.keys.serviceRoleKey}` },
        { apikey: s.keys.serviceRoleKey },
      ] as Record<string, string>[]
    ) {
      const refused = await s.fn!.call({}, headers);
      assert.equal(refused.status, 401, `${Object.keys(headers)[0]}: ${refused.text}`);
    }
    const metrics = await callFunction(
      `${s.fn!.url}/metrics`,
      undefined,
      { apikey: s.keys.secretKey },
      "GET",
    );
    assert.equal(metrics.status, 200, metrics.text);
    assert.match(metrics.text, /^# (HELP|TYPE) /m);

    const ran = await s.fn!.call({});
    assert.equal(ran.status, 200, ran.text);
    await assertSynced(s.sql, world, world.rows.map((r) => r.id));
  },
);

e2eTest(
  stack,
  "legacy keys disabled: a function that has only SUPABASE_SERVICE_ROLE_KEY (the old way) answers 503",
  (s) => seedWorld(s, { wallets: 1 }),
  async (s) => {
    // What every deployment did before the secret key: the database client sends the JWT.
    const old = await s.serveFunction({
      env: { SUPABASE_SECRET_KEYS: "", BALANCE_SYNC_REFUSE_LEGACY_KEYS: "false" },
    });
    try {
      const response = await old.call({});
      assert.equal(response.status, 503, response.text);
      const line = old.logs().find((l) => l.msg === "Database unavailable");
      assert.ok(line, "the refusal is logged");
      assert.match(String(line.error), /Legacy API keys are disabled/);
    } finally {
      await old.stop();
    }
    const [{ n }] = await s.sql`
      select count(*)::int as n from public.wallet_balances where locked_by is not null`;
    assert.equal(n, 0, "nothing was claimed");
  },
);
