/** The handler's run-history call and /metrics route, with in-memory fakes. */
import assert from "node:assert/strict";

import {
  type Operations,
  type RunEnd,
  StoreUnavailable,
} from "../../supabase/functions/balance-sync/db/store.ts";
import { chain, FAKE_KEYS, FakeReaders, FakeStore, handlerWithFakes, row } from "./fakes.ts";

const { serviceRole: SERVICE_ROLE, anon: ANON, sync: SYNC } = FAKE_KEYS;

class FakeOperations implements Operations {
  finished: { runId: string; status: RunEnd; summary: Record<string, unknown> }[] = [];
  metricsCalls = 0;
  failFinish: Error | null = null;
  failMetrics: Error | null = null;
  finishRun(runId: string, status: RunEnd, summary: Record<string, unknown>) {
    this.finished.push({ runId, status, summary });
    return this.failFinish ? Promise.reject(this.failFinish) : Promise.resolve();
  }
  metrics() {
    this.metricsCalls++;
    if (this.failMetrics) return Promise.reject(this.failMetrics);
    return Promise.resolve('# TYPE balance_sync_rows gauge\nbalance_sync_rows{chain="a"} 1\n');
  }
}

function setup() {
  const rows = [row("bsc", { address: "0xa" })];
  const store = new FakeStore([chain("bsc", "evm")], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 5n]]) });
  const operations = new FakeOperations();
  const { handler, logs } = handlerWithFakes(store, readers, { operations });
  return { handler, store, operations, logs, rows };
}

const post = (body?: unknown) =>
  new Request("http://f.local/functions/v1/balance-sync", {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_ROLE}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

Deno.test("run history: a run sends its answer, less the per-row list, once, after the run", async () => {
  const { handler, operations, rows } = setup();
  const response = await handler(post({ wallet_balance_ids: [rows[0].id] }));
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.rows.length, 1);
  assert.equal(operations.finished.length, 1);
  const [{ runId, status, summary }] = operations.finished;
  const { rows: _rows, ...figures } = body;
  assert.deepEqual([runId, status, summary], [body.run_id, "finished", figures]);
  assert.ok(body.cpu_ms === null || Number.isInteger(body.cpu_ms));
});

Deno.test("run history: a run that fails sends 'failed' and still answers 503; a failed history write changes no answer", async () => {
  const { handler, store, operations, logs } = setup();
  store.failOn.claim = new StoreUnavailable("balance_sync_claim", "fetch failed");
  const failed = await handler(post());
  assert.equal(failed.status, 503);
  assert.equal(operations.finished[0].status, "failed");
  assert.equal(operations.finished[0].summary.error, "database unavailable");

  store.failOn.claim = undefined;
  operations.failFinish = new StoreUnavailable("balance_sync_run_finish", "timeout");
  const answered = await handler(post());
  assert.equal(answered.status, 200);
  assert.ok(logs.some((l) => l.includes('"msg":"Run history not written"')));
});

Deno.test("/metrics: GET with an accepted credential answers the text format; others 401 before any call", async () => {
  const { handler, operations } = setup();
  const get = (headers: Record<string, string>) =>
    handler(new Request("http://f.local/functions/v1/balance-sync/metrics", { headers }));
  const refused: Record<string, string>[] = [
    {},
    { authorization: `Bearer ${ANON}` },
    { apikey: ANON },
  ];
  for (const headers of refused) {
    const r = await get(headers);
    assert.equal(r.status, 401);
  }
  assert.equal(operations.metricsCalls, 0);
  const ok = await get({ authorization: `Bearer ${SERVICE_ROLE}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.match(await ok.text(), /^# TYPE balance_sync_rows gauge/);

  operations.failMetrics = new StoreUnavailable("balance_sync_metrics", "down");
  const down = await get({ "x-balance-sync-secret": SYNC });
  assert.equal(down.status, 503);
});
