/**
 * The database's settings (balance_sync_run_settings) decide the minimum interval, the rows per
 * run and pg_net's timeout; the function secrets that used to repeat them decide nothing and are
 * named in one warning each. The same against the served function: tests/e2e/run_settings.test.ts.
 */
import assert from "node:assert/strict";
import { finishByMs } from "../../supabase/functions/balance-sync/config.ts";
import {
  captureLog,
  chain,
  FAKE_KEYS,
  FakeReaders,
  FakeStore,
  handlerWithFakes,
  row,
  syncWithFakes,
} from "./fakes.ts";

const post = (body: unknown) =>
  new Request("http://function.local/functions/v1/balance-sync", {
    method: "POST",
    headers: { authorization: `Bearer ${FAKE_KEYS.serviceRole}` },
    body: JSON.stringify(body),
  });

function world(count: number) {
  const rows = Array.from({ length: count }, (_, i) => row("bsc", { address: `0x${i}` }));
  const store = new FakeStore([chain("bsc", "evm")], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", {
    kind: "balances",
    balances: new Map(rows.map((r) => [r.address!, 1n])),
  });
  return { rows, store, readers };
}

Deno.test("the database's settings decide where the retired secrets differ; each secret is named once in a warning", async () => {
  const { store, readers } = world(30);
  store.settings = { minIntervalSeconds: 77, rowsPerRun: 10, pgNetTimeoutMs: 20_000 };
  const { handler, logs } = handlerWithFakes(store, readers, {
    env: {
      BALANCE_SYNC_BATCH_SIZE: "4",
      BALANCE_SYNC_MAX_ROWS_PER_RUN: "5",
      BALANCE_SYNC_MIN_INTERVAL_SECONDS: "0",
      BALANCE_SYNC_PG_NET_TIMEOUT_MS: "300000",
    },
  });

  const response = await handler(post({}));
  assert.equal(response.status, 200);
  const summary = await response.json();
  assert.equal(summary.rows_cap, 10, "rows_per_run, not BALANCE_SYNC_MAX_ROWS_PER_RUN");
  // rows_per_run bounds the rows a run holds at once, not the run: it drains the chain.
  assert.equal(summary.claimed, 30);
  assert.equal(summary.stopped, "drained");
  const due = store.calls.find((c) => c.op === "due_chains")!;
  assert.deepEqual(due.args, { minIntervalSeconds: 77 });
  for (const claim of store.calls.filter((c) => c.op === "claim")) {
    const args = claim.args as { minIntervalSeconds: number; limit: number };
    assert.equal(args.minIntervalSeconds, 77);
    assert.ok(args.limit <= 10, `a claim of ${args.limit}: above rows_per_run`);
  }
  assert.ok(
    store.calls.some((c) => c.op === "claim" && (c.args as { limit: number }).limit > 5),
    "claims are not bounded by BALANCE_SYNC_MAX_ROWS_PER_RUN",
  );
  const lines = logs.map((l) => JSON.parse(l));
  const started = lines.find((l) => l.msg === "Balance sync run started");
  // 20 s pg_net timeout less the 8 s store timeout: the 25 s budget does not fit
  assert.equal(started.budget_ms, 12_000);
  assert.equal(started.pg_net_timeout_ms, 20_000);
  assert.equal(started.rows_per_run, 10);
  assert.equal(started.min_interval_seconds, 77);

  await handler(post({ wallet_id: "40000000-0000-4000-8000-000000000001" }));
  assert.equal(store.calls.filter((c) => c.op === "run_settings").length, 2, "forced runs too");

  const warnings = lines.filter((l) => l.level === "warn" && l.variable);
  assert.deepEqual(warnings.map((l) => [l.variable, l.setting]), [
    ["BALANCE_SYNC_MIN_INTERVAL_SECONDS", "min_interval_seconds"],
    ["BALANCE_SYNC_MAX_ROWS_PER_RUN", "rows_per_run"],
    ["BALANCE_SYNC_PG_NET_TIMEOUT_MS", "pg_net_timeout_ms"],
  ]);
  assert.match(warnings[1].msg, /BALANCE_SYNC_MAX_ROWS_PER_RUN is set but no longer read/);
  assert.match(warnings[1].msg, /setting rows_per_run in balance_sync\.settings decides/);
  const later = logs.slice(lines.length).map((l) => JSON.parse(l));
  assert.equal(later.filter((l) => l.variable).length, 0, "once per worker, not per run");
});

Deno.test("without the retired secrets nothing is warned about", () => {
  const { store, readers } = world(1);
  const { logs } = handlerWithFakes(store, readers);
  assert.equal(logs.length, 0);
});

Deno.test("the run's deadline comes from the database's pg_net_timeout_ms: a hung read ends within it", async () => {
  const { store, readers } = world(5);
  readers.behaviour.set("bsc", { kind: "hang-until-abort" });
  // Scaled 1:100: pg_net 400 ms; the function's budget (5 s) does not fit and is cut to 300 ms.
  store.settings = { ...store.settings, pgNetTimeoutMs: 400 };
  const { log, lines } = captureLog();
  const started = performance.now();

  const summary = await syncWithFakes({ store, readers, log }, { storeTimeoutMs: 100 }, {
    chainId: "bsc",
  });

  const took = performance.now() - started;
  assert.equal(summary.stopped, "budget");
  assert.equal(summary.released, 5);
  assert.ok(took < finishByMs(400), `the run took ${Math.round(took)} ms`);
  assert.equal(lines.find((l) => l.msg === "Balance sync run started")?.budget_ms, 300);
});

Deno.test("a database that predates balance_sync_run_settings: runs follow the settings' defaults and say to apply the migrations", async () => {
  const { store, readers } = world(3);
  store.runSettings = () => Promise.resolve(null);
  const { log, lines } = captureLog();

  const summary = await syncWithFakes({ store, readers, log }, {}, { chainId: "bsc" });

  assert.equal(summary.synced, 3);
  assert.equal(summary.rows_cap, 2000);
  const claim = store.calls.find((c) => c.op === "claim")!;
  assert.equal((claim.args as { minIntervalSeconds: number }).minIntervalSeconds, 30);
  assert.ok(lines.some((l) => /apply the migrations/.test(String(l.msg))));
});
