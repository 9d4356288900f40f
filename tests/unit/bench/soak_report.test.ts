/**
 * The soak benchmark's bookkeeping (bench/soak_report.ts, bench/soak_probe.ts) on made-up runs:
 * which invocation belongs to which tick, how log lines and pacing windows are counted, and when a
 * target is met, missed, or cannot be judged.
 */
import assert from "node:assert/strict";
import type { Invocation } from "../../../bench/soak_probe.ts";
import { LogTracker } from "../../../bench/soak_probe.ts";
import {
  buildSoakReport,
  dueSeconds,
  rpsUtilization,
  windowsAbove,
} from "../../../bench/soak_report.ts";
import { inFlightByChain, maxOverlap } from "../../../bench/soak_scale.ts";
import { maxInWindow } from "../../../bench/soak_probe.ts";
import type { SoakRun } from "../../../bench/soak_run.ts";
import { defaultMinutes, parseSoakArgs } from "../../../bench/soak_options.ts";

const chains = [
  { key: "evm" as const, id: "c-evm", name: "evm", rows: 100, maxRps: null },
  { key: "tron_plain" as const, id: "c-plain", name: "plain", rows: 10, maxRps: 10 },
];

function invocation(seq: number, startedMs: number, runId: string, synced: number): Invocation {
  return {
    seq,
    startedMs,
    endedMs: startedMs + 1000,
    request: {},
    status: 200,
    error: null,
    runId,
    summary: {
      run_id: runId,
      chains: {
        "c-evm": { id: "c-evm", name: "evm", rows: synced, synced, failed: 0, mode: "multicall" },
        "c-plain": {
          id: "c-plain",
          name: "plain",
          rows: 1,
          synced: 1,
          failed: 0,
          mode: "per-call",
        },
      },
    },
    cpuMsReported: null,
    cpuMsProcess: 100 + seq,
    overlapped: false,
  };
}

function staleness(p99: number, neverSynced: number) {
  return chains.map((c) => ({
    chain_id: c.id,
    name: c.name,
    rows: c.rows,
    due: 0,
    never_synced: neverSynced,
    leased: 0,
    p50_s: p99 / 2,
    p99_s: p99,
    max_s: p99,
  }));
}

function run(options: { p99: number; neverSynced: number; plainTimes?: number[] }): SoakRun {
  const logs = new LogTracker();
  // Run a writes 12 lines within 10 s; run b 3 lines spread over 30 s.
  for (let i = 0; i < 12; i++) {
    logs.take(JSON.stringify({ time: new Date(1_000 + i * 500).toISOString(), run_id: "a" }));
  }
  for (let i = 0; i < 3; i++) {
    logs.take(JSON.stringify({ time: new Date(40_000 + i * 15_000).toISOString(), run_id: "b" }));
  }
  logs.take("not json");
  return {
    label: "test",
    tickMs: 30_000,
    durationMs: 240_000,
    samples: [
      { tick: 0, t_s: 0, chains: staleness(0, 0), rss_mb: 1, peak_rss_mb: 1, cpu_ms: 0 },
      { tick: 1, t_s: 30, chains: staleness(30, 0), rss_mb: 1, peak_rss_mb: 1, cpu_ms: 0 },
      {
        tick: null,
        t_s: 240,
        chains: staleness(options.p99, options.neverSynced),
        rss_mb: 1,
        peak_rss_mb: 1,
        cpu_ms: 0,
      },
    ],
    // Tick 1 was sent at 29.96 s: shown as 30.0, its POST starts at 29.99 s.
    fires: [
      { tick: 0, t_s: 0, atMs: 10, ms: 1, error: null },
      { tick: 1, t_s: 30, atMs: 29_960, ms: 1, error: null },
    ],
    invocations: [invocation(0, 50, "a", 60), invocation(1, 29_990, "b", 40)],
    logs,
    requestTimes: { evm: [0, 5], tron_multicall: [], tron_plain: options.plainTimes ?? [0, 500] },
    peakRssMb: 150,
    cpuMs: 500,
    abandoned: 0,
  };
}

const config = parseSoakArgs(["--soak", "--rows", "110", "--minutes", "4"]);

Deno.test("a soak report has the issue's top-level fields, and each POST counts in the tick that sent it", () => {
  const report = buildSoakReport(config, chains, run({ p99: 50, neverSynced: 0 }), null);
  assert.deepEqual(Object.keys(report), [
    "rows",
    "minutes",
    "chains",
    "max_invocation_cpu_ms",
    "max_log_lines_per_10s",
    "peak_rss_mb",
    "slow_node",
    "raw",
  ]);
  assert.deepEqual(Object.keys(report.chains.evm), [
    "mode",
    "max_rps",
    "rows",
    "requests_per_balance",
    "p99_staleness_s",
    "max_requests_in_any_1s",
    "rps_utilization",
    "due_s",
  ]);
  assert.equal(report.chains.evm.rps_utilization, null, "no max_rps, no utilization");
  const ticks = report.raw.run.ticks;
  assert.equal(ticks[0].invocations, 1);
  assert.equal(ticks[1].invocations, 1, "the POST 30 ms after tick 1 was sent is tick 1's");
  assert.equal(report.max_invocation_cpu_ms, 101);
  assert.equal(report.max_log_lines_per_10s, 12);
  assert.equal(report.chains.evm.requests_per_balance, 0.02); // 2 requests for 100 balances
  assert.equal(report.chains.plain.max_requests_in_any_1s, 2);
  assert.equal(report.chains.evm.p99_staleness_s, 50, "the worst p99 from 120 s on");
});

Deno.test("soak targets: a multicall p99 above 40 s is missed, a paced chain over max_rps is missed", () => {
  const times = Array.from({ length: 12 }, (_, i) => i * 80); // 12 requests within 1 s
  const report = buildSoakReport(
    config,
    chains,
    run({ p99: 75, neverSynced: 0, plainTimes: times }),
    null,
  );
  const verdict = (prefix: string) => report.raw.targets.find((t) => t.target.startsWith(prefix));
  assert.equal(verdict("evm (multicall)")?.pass, false);
  assert.equal(verdict("plain: no sliding 1 s window")?.pass, false);
  assert.match(verdict("plain: no sliding 1 s window")!.value, /busiest sliding 1 s 12/);
  assert.equal(verdict("every invocation <= 1,000 CPU ms")?.pass, true);
  assert.equal(verdict("every invocation <= 100 log lines")?.pass, true);
});

Deno.test("soak targets: rows never read make the slow-node comparison N/A, and the paced bound when the soak is shorter", () => {
  const report = buildSoakReport(
    config,
    chains,
    run({ p99: 240, neverSynced: 5 }),
    run({ p99: 240, neverSynced: 5 }),
  );
  const paced = report.raw.targets.find((t) =>
    t.target.startsWith("plain (paced") && t.target.includes("p99")
  );
  // bound: 1.1 x 10 rows x 1 request per balance / 10 rps + 30 s = 31.1 s < the 240 s soak,
  // so the soak is long enough to judge it even with rows never read.
  assert.equal(paced?.pass, false);
  const slow = report.raw.targets.find((t) => t.target.startsWith("evm: p99 within"));
  assert.equal(slow?.pass, null);
  assert.match(slow!.why!, /never read/);

  // At 0.05 rps the bound is 1.1 x 10 x 1 / 0.05 + 30 = 250 s, longer than the 240 s soak.
  const slowPaced = [chains[0], { ...chains[1], maxRps: 0.05 }];
  const short = buildSoakReport(config, slowPaced, run({ p99: 240, neverSynced: 5 }), null);
  const unjudged = short.raw.targets.find((t) =>
    t.target.startsWith("plain (paced") && t.target.includes("p99")
  );
  assert.equal(unjudged?.pass, null);
  assert.match(unjudged!.why!, /shorter than the bound/);
});

Deno.test("windowsAbove counts the requests that open a 1 s window holding more than the limit", () => {
  assert.equal(windowsAbove([0, 100, 200], 1000, 2), 1);
  assert.equal(windowsAbove([0, 100, 1100, 1200], 1000, 2), 0);
  assert.equal(windowsAbove([], 1000, 0), 0);
});

Deno.test("the busiest 1 s is a sliding window: starts 1 s apart in different fixed seconds count together", () => {
  // 0.6 s..1.5 s holds 10 starts; no fixed second [n, n + 1) holds more than 5.
  const times = [600, 700, 800, 900, 950, 1000, 1100, 1200, 1300, 1400];
  assert.equal(maxInWindow(times, 1000), 10);
  assert.equal(
    maxInWindow([0, 1000, 2000], 1000),
    1,
    "a start 1,000 ms later is in the next window",
  );
});

Deno.test("seconds with due rows count each sample interval that opened with due rows", () => {
  const samples = [{ t_s: 0, due: 5 }, { t_s: 5, due: 0 }, { t_s: 10, due: 3 }, {
    t_s: 15,
    due: 1,
  }];
  assert.equal(dueSeconds(samples, 20), 5 + 5 + 5);
  assert.equal(dueSeconds([], 20), 0);
});

Deno.test("rps utilization: requests over max_rps x seconds with due rows; null without max_rps", () => {
  assert.equal(rpsUtilization(950, 10, 100), 0.95);
  assert.equal(rpsUtilization(950, null, 100), null);
  assert.equal(rpsUtilization(0, 10, 0), null, "a chain never due has no utilization");
});

Deno.test("a soak lasts two paced floors by default; a scale run writes bench/scale.json without the slow node", () => {
  // 3,000 paced rows x 1.02 / 10 rps = 306 s; two floors = 10.2 min.
  assert.equal(defaultMinutes(30_000, { evm: 45, tron_multicall: 45, tron_plain: 10 }, 10), 11);
  assert.equal(parseSoakArgs(["--soak"]).minutes, 11);
  assert.equal(defaultMinutes(300, { evm: 45, tron_multicall: 45, tron_plain: 10 }, 10), 6);
  const scale = parseSoakArgs(["--soak", "--rows", "100000", "--minutes", "10"]);
  assert.equal(scale.scale, true);
  assert.match(scale.out, /bench\/scale\.json$/);
  assert.equal(scale.slowFactor, 1);
  assert.equal(parseSoakArgs(["--soak"]).scale, false);
  assert.equal(parseSoakArgs(["--soak"]).slowFactor, 10);
});

Deno.test("POSTs in flight per chain: the most overlapping deliveries of that chain", () => {
  assert.equal(
    maxOverlap([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 10, end: 20 }]),
    2,
  );
  assert.equal(maxOverlap([]), 0);
  const post = (chain: string, start: number, end: number) => ({
    ...invocation(0, start, "x", 1),
    request: { chain_id: chain, scheduled: true },
    endedMs: end,
  });
  const inFlight = inFlightByChain([
    post("a", 0, 100),
    post("a", 50, 150),
    post("b", 0, 100),
    post("b", 100, 200),
    post("a", 60, 0), // never answered: in flight until the end
  ], 1000);
  assert.equal(inFlight.get("a"), 3);
  assert.equal(inFlight.get("b"), 1);
});
