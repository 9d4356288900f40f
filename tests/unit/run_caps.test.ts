import assert from "node:assert/strict";
import {
  claimRowsFor,
  claimSize,
  CPU_MS_PER_BALANCE,
  CPU_MS_PER_PACED_REQUEST,
  estimatedCpuMs,
  MULTICALL_CLAIM_ROWS,
  PACED_CLAIM_SECONDS,
  PACED_RATE_SHARE,
  pacedClaimRows,
  pacedCpuMs,
  plannedRps,
  runBudgetMs,
  TICK_HANDOFF_MS,
} from "../../supabase/functions/balance-sync/run/caps.ts";

const base = {
  batchRows: 800,
  heldCap: 10_000,
  paceRps: null,
  requestsPerBalance: 1,
  remainingMs: 25_000,
  cpuLeftMs: null,
  cpuPerRowMs: null,
};

Deno.test("a multicall chain's claim takes many requests' worth; other modes keep the configured batch", () => {
  assert.equal(claimRowsFor("multicall", 50), MULTICALL_CLAIM_ROWS);
  assert.equal(claimRowsFor("per-call", 50), 50);
  assert.equal(claimRowsFor("json-rpc-batch", 50), 50);
  assert.equal(claimRowsFor(null, 50), 50, "before the first read the mode is unknown");
  assert.equal(claimRowsFor("multicall", 5000), 5000, "never below the configured batch");
});

Deno.test("a claim is no larger than the memory guard", () => {
  assert.equal(claimSize({ ...base, heldCap: 300 }), 300);
  assert.equal(claimSize(base), 800);
});

Deno.test("a paced chain's claim is what its pace reads in the time left", () => {
  // 10 rps, 1.02 requests per balance, 5 s left: 50 balances.
  assert.equal(
    claimSize({ ...base, paceRps: 10, requestsPerBalance: 1.02, remainingMs: 5_000 }),
    50,
  );
  // A multicall chain at 10 rps can read a whole claim in far less than the time left.
  assert.equal(claimSize({ ...base, paceRps: 10, requestsPerBalance: 1 / 200 }), 800);
  assert.equal(claimSize({ ...base, paceRps: 10, remainingMs: 0 }), 1, "never below 1");
});

Deno.test("a claim takes no more rows than the CPU left pays for", () => {
  assert.equal(claimSize({ ...base, cpuLeftMs: 10, cpuPerRowMs: 0.05 }), 200);
  assert.equal(claimSize({ ...base, cpuLeftMs: 10, cpuPerRowMs: null }), 800, "nothing measured");
});

Deno.test("where the runtime cannot tell the CPU, it is estimated from the balances read", () => {
  assert.equal(estimatedCpuMs("multicall", 1000), 1000 * CPU_MS_PER_BALANCE.multicall);
  assert.ok(estimatedCpuMs("per-call", 100) > estimatedCpuMs("multicall", 100));
  assert.equal(estimatedCpuMs(null, 1000), 1000 * CPU_MS_PER_BALANCE["json-rpc-batch"]);
});

Deno.test("a scheduled run reads until just before the next tick, within pg_net's timeout", () => {
  const tick = Date.parse("2026-12-06T12:00:00.000Z");
  const input = {
    budgetMs: 25_000,
    maxBudgetMs: 32_000,
    tickAt: "2026-12-06T12:00:00.000Z",
    intervalMs: 30_000,
    wallNow: tick + 200,
  };
  assert.equal(runBudgetMs(input), 30_000 - TICK_HANDOFF_MS - 200);
  assert.equal(runBudgetMs({ ...input, intervalMs: 60_000 }), 32_000, "pg_net's timeout bounds it");
  assert.equal(runBudgetMs({ ...input, wallNow: tick + 10_000 }), 25_000, "never below the budget");
  assert.equal(runBudgetMs({ ...input, tickAt: null }), 25_000);
  assert.equal(runBudgetMs({ ...input, tickAt: "not a time" }), 25_000);
  assert.equal(runBudgetMs({ ...input, maxBudgetMs: 20_000 }), 25_000, "a budget above it stays");
});

Deno.test("a paced chain's run needs its pace x time left x CPU per request", () => {
  assert.equal(pacedCpuMs(10, 20_000), 10 * 20 * CPU_MS_PER_PACED_REQUEST);
  assert.equal(pacedCpuMs(10, -5), 0, "no time left, nothing needed");
});

Deno.test("a paced per-call chain's claim is PACED_CLAIM_SECONDS of its pace, never below the batch", () => {
  assert.equal(pacedClaimRows(10, 1, 50), 10 * PACED_CLAIM_SECONDS);
  assert.equal(pacedClaimRows(10, 2, 50), 5 * PACED_CLAIM_SECONDS, "two requests per balance");
  assert.equal(pacedClaimRows(1, 1, 50), 50, "never below the batch");
});

Deno.test("a paced chain's claims plan on a share of its pace, or of the rate this run reads it at when that is lower", () => {
  // [requests so far, their read time, the rate planned on (times the share), why]
  const cases: [number, number, number, string][] = [
    [0, 0, 10, "before any read"],
    [5, 500, 10, "under a second of reading says little: the pace"],
    [60, 10_000, 6, "a slow node"],
    [200, 10_000, 10, "never above the pace"],
  ];
  for (const [requests, readMs, rps, why] of cases) {
    assert.equal(plannedRps(10, { requests, readMs }), rps * PACED_RATE_SHARE, why);
  }
  assert.ok(
    PACED_RATE_SHARE < 0.95,
    "below what the pacer reaches at a 50 ms round trip (chains/tron/pacer.ts)",
  );
});
