/**
 * What an operator sees of the real function's runs: the balance_sync.runs row each run leaves
 * (the same figures as its HTTP answer, for one extra round trip per run, counted at the PostgREST
 * stand-in), and GET /metrics, parsed with a real Prometheus text parser and checked against the
 * views.
 */
import assert from "node:assert/strict";
import parsePrometheus from "parse-prometheus-text-format";
import type { Sql } from "../../stack/pg.ts";
import { callFunction, type Stack } from "../../stack/stack.ts";
import { seedWorld } from "../../stack/data.ts";
import { insertChain } from "../../stack/seed.ts";
import { e2eTest, postgrestCallsSince, sharedStack } from "./fixture.ts";

const stack = sharedStack();

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

async function clearHistory(sql: Sql) {
  await sql`truncate balance_sync.runs, balance_sync.run_totals`;
}

const calls = (s: Stack) => new Map(s.postgrest.calls);

async function runRow(sql: Sql, runId: string) {
  const [row] = await sql`select * from balance_sync.run_history where run_id = ${runId}`;
  return row;
}

e2eTest(
  stack,
  "run history: a scheduled run of several batches leaves one row with its HTTP summary's figures, for exactly one more round trip (besides the run's settings)",
  async (s) => {
    await clearHistory(s.sql);
    const world = await seedWorld(s, { wallets: 3 });
    const fn = await s.serveFunction({ env: { BALANCE_SYNC_BATCH_SIZE: "5" } });
    return { world, fn };
  },
  async (s, { world, fn }) => {
    try {
      const before = calls(s);
      const response = await fn.call();
      assert.equal(response.status, 200, response.text);
      const summary = response.body;
      assert.equal(summary.synced, 12);
      assert.ok(summary.batches >= 3, `${summary.batches} batches`);

      // A claim and a record per batch, the run's scheduling calls (its settings, chains with due
      // rows, chain leases), the chains' learned sizes, and the history's one finish: nothing else.
      const {
        balance_sync_due_chains: _due,
        balance_sync_chain_acquire: _acquire,
        balance_sync_chain_release: _release,
        ...made
      } = postgrestCallsSince(s, before);
      // Each chain's learned request sizes: loaded once before its first read; nothing is
      // saved, since no read was cut by a size or refused (balance_sync.read_limits).
      assert.deepEqual(made, {
        balance_sync_claim: summary.batches,
        balance_sync_record: summary.batches,
        balance_sync_read_limits: Object.keys(summary.chains).length,
        balance_sync_run_finish: 1,
        balance_sync_run_settings: 1,
      });

      const row = await runRow(s.sql, summary.run_id);
      assert.deepEqual(row.summary, summary, "the row holds the summary the API answered");
      assert.equal(row.status, "finished");
      assert.equal(row.kind, "scheduled");
      for (
        const key of [
          "claimed",
          "synced",
          "failed",
          "released",
          "stale_rejected",
          "lost",
          "invalid",
          "busy",
          "batches",
          "duration_ms",
          "stopped",
        ]
      ) {
        assert.equal(row[key], summary[key], key);
      }
      assert.ok(summary.cpu_ms === null || Number.isInteger(summary.cpu_ms));
      assert.equal(row.cpu_ms, summary.cpu_ms);
      assert.deepEqual(row.chains, summary.chains);
      assert.deepEqual(
        [...row.chain_ids].sort(),
        [world.evmChainId, world.tronChainId].sort(),
      );
      for (const chainId of [world.evmChainId, world.tronChainId]) {
        const c = row.chains[chainId];
        assert.ok(c.rpc_requests > 0 && c.mode && /^\d+$/.test(c.block), JSON.stringify(c));
      }
      assert.ok(row.finished_at >= row.started_at);
    } finally {
      await fn.stop();
    }
  },
);

e2eTest(
  stack,
  "run history: a forced run's row has kind forced, its filter as scope, and no per-row list",
  async (s) => {
    await clearHistory(s.sql);
    return await seedWorld(s, { wallets: 2 });
  },
  async (s, world) => {
    const filter = { wallet_id: world.wallets[1].id };
    const response = await s.fn!.call(filter, {
      apikey: s.keys.secretKey,
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.rows.length, 4);
    const row = await runRow(s.sql, response.body.run_id);
    assert.deepEqual([row.kind, row.scope, row.status, row.synced], [
      "forced",
      filter,
      "finished",
      4,
    ]);
    const { rows: _rows, ...figures } = response.body;
    assert.deepEqual(row.summary, figures);
  },
);

e2eTest(
  stack,
  "/metrics: parses as Prometheus text, its numbers are the views', and chain names are escaped label values",
  async (s) => {
    await clearHistory(s.sql);
    const world = await seedWorld(s, { wallets: 2, evmName: 'evm "main"\\net\nline 2' });
    // One row that fails on purpose: a wallet without a TRON address.
    await s.sql`delete from public.user_wallet_addresses
                where wallet_id = ${world.wallets[0].id} and chain_id = ${world.tronChainId}`;
    // A chain with nothing on it yet.
    await insertChain(s.sql, { name: "idle chain", family: "evm", rpcUrl: "http://127.0.0.1:9" });
    return world;
  },
  async (s, world) => {
    const run = await s.fn!.call();
    assert.equal(run.status, 200, run.text);
    assert.equal(run.body.failed, 2);

    const before = calls(s);
    const response = await fetch(`${s.fn!.url}/metrics`, {
      headers: { apikey: s.keys.secretKey },
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.deepEqual(postgrestCallsSince(s, before), { balance_sync_metrics: 1 }, "one round trip");

    const families = parsePrometheus(text) as Family[];
    const family = (name: string) => {
      const f = families.find((x) => x.name === name);
      assert.ok(f, `metric ${name} present`);
      return f;
    };
    const value = (name: string, labels: Record<string, string>) => {
      const found = family(name).metrics.filter((m) =>
        Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
      );
      assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
      return Number(found[0].value);
    };

    const status = await s
      .sql`select *, extract(epoch from last_success_at)::float8 as success_epoch
                              from balance_sync.chain_status`;
    assert.equal(status.length, 3);
    for (const c of status) {
      const labels = { chain: c.chain_name, chain_id: c.chain_id };
      for (const state of ["fresh", "due", "leased", "backoff", "configuration"]) {
        assert.equal(value("balance_sync_rows", { ...labels, state }), Number(c[`${state}_rows`]));
      }
      assert.equal(value("balance_sync_never_synced_rows", labels), Number(c.never_synced_rows));
      for (const cls of ["transient", "permanent", "configuration", "unclassified"]) {
        assert.equal(
          value("balance_sync_failing_rows", { ...labels, class: cls }),
          Number(c[`failing_${cls}`]),
        );
      }
      if (c.last_success_at) {
        assert.equal(
          value("balance_sync_last_success_timestamp_seconds", labels),
          c.success_epoch,
        );
        // Ages grow between the two reads: allow the seconds that passed.
        for (const [q, column] of [["0.5", "p50"], ["0.99", "p99"], ["1", "max"]]) {
          const got = value("balance_sync_staleness_seconds", { ...labels, quantile: q });
          const want = Number(c[`staleness_${column}_seconds`]);
          assert.ok(got <= want && want - got < 5, `staleness ${q}: ${got} vs ${want}`);
        }
      }
    }
    const evm = status.find((c) => c.chain_id === world.evmChainId)!;
    assert.equal(evm.chain_name, 'evm "main"\\net\nline 2', "the parser gave back the exact name");
    assert.equal(value("balance_sync_rows", { chain_id: world.evmChainId, state: "fresh" }), 4);
    const tron = status.find((c) => c.chain_id === world.tronChainId)!;
    assert.equal(Number(tron.failing_configuration), 2);

    for (const chainId of [world.evmChainId, world.tronChainId]) {
      assert.equal(
        value("balance_sync_rpc_requests_total", { chain_id: chainId }),
        run.body.chains[chainId].rpc_requests,
      );
    }
    assert.equal(family("balance_sync_runs_total").type, "COUNTER");
    assert.equal(value("balance_sync_runs_total", { status: "finished" }), 1);
    assert.equal(value("balance_sync_runs_total", { status: "abandoned" }), 0);
    assert.ok(
      !family("balance_sync_runs_total").metrics.some((m) => m.labels?.status === "running"),
      "running runs go down when they finish: not a counter",
    );
    assert.equal(family("balance_sync_runs_running").type, "GAUGE");
    assert.equal(value("balance_sync_runs_running", {}), 0);
    assert.equal(family("balance_sync_notifications_skipped_total").type, "COUNTER");
    assert.equal(value("balance_sync_notifications_skipped_total", {}), 0);
    const [last] = await s.sql`select extract(epoch from finished_at)::float8 as epoch
                              from balance_sync.runs`;
    assert.equal(
      value("balance_sync_last_finished_run_timestamp_seconds", {}),
      last.epoch,
    );
  },
);

e2eTest(
  stack,
  "/metrics: only the credentials that may force a sync; everything else is 401 without a database call",
  () => Promise.resolve(),
  async (s) => {
    const url = `${s.fn!.url}/metrics`;
    // The legacy service-role JWT is a credential only while the project has legacy keys.
    const legacy: Record<string, string>[] = [
      { authorization: `Bearer ${s.keys.serviceRoleKey}` },
      { apikey: s.keys.serviceRoleKey },
    ];
    const legacyOn = s.legacyKeys === "enabled";
    const accepted: Record<string, string>[] = [
      ...(legacyOn ? legacy : []),
      { apikey: s.keys.secretKey },
      { "x-balance-sync-secret": s.keys.syncSecret },
    ];
    for (const headers of accepted) {
      const r = await callFunction(url, undefined, headers, "GET");
      assert.equal(r.status, 200, `${Object.keys(headers)[0]}: ${r.text}`);
      assert.match(r.text, /^# HELP balance_sync_rows /);
    }
    const before = calls(s);
    const refused: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${s.keys.anonKey}` },
      { apikey: s.keys.anonKey },
      { authorization: `Bearer ${s.keys.userToken}` },
      { authorization: `Bearer ${s.keys.secretKey}` },
      { authorization: `Basic ${btoa(`prometheus:${s.keys.serviceRoleKey}`)}` },
      ...(legacyOn ? [] : legacy),
    ];
    for (const headers of refused) {
      const r = await callFunction(url, undefined, headers, "GET");
      assert.equal(r.status, 401, JSON.stringify(Object.keys(headers)));
      assert.deepEqual(r.body, { error: "unauthorized" });
    }
    assert.deepEqual(postgrestCallsSince(s, before), {}, "no database call for a refused caller");
  },
);
