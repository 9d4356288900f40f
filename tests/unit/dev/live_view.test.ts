import assert from "node:assert/strict";
import { formatUnits, parseUnits } from "../../../dev/demo.ts";
import {
  type BalanceChange,
  type BalanceRow,
  ChangeTracker,
  describeSchedule,
  fitLine,
  PlainReporter,
  renderView,
  secondsToNextRun,
  type Snapshot,
  type ViewContext,
} from "../../../dev/live_view.ts";
import { FunctionLogFacts, type RunRecord } from "../../../dev/run_log.ts";
import { tenth } from "../../../dev/move_funds.ts";

const ctx: ViewContext = {
  forceCommand: "deno task dev:sync",
  databaseUrl: "postgresql://postgres@127.0.0.1:5432/postgres",
  functionLog: ".tmp/dev-function.log",
  color: false,
};

const line = (msg: string, fields: Record<string, unknown>, time = "2026-01-01T12:00:00Z") =>
  JSON.stringify({ level: msg.includes("failed") ? "warn" : "info", time, msg, ...fields });

/** The function's warning for a row that run `runId` failed to sync. */
const syncFailed = (runId: string, rowId: string, errorClass: string) =>
  line("Wallet balance sync failed", {
    run_id: runId,
    wallet_balance_id: rowId,
    error_class: errorClass,
  });

function logFacts(lines: string[]): FunctionLogFacts {
  const facts = new FunctionLogFacts();
  for (const l of lines) facts.observe(l);
  return facts;
}

/** A row of balance_sync.run_history as loadSnapshot() maps it. */
const run = (over: Partial<RunRecord>): RunRecord => ({
  runId: "9b2f6a8e-0000-4000-8000-000000000000",
  kind: "scheduled",
  status: "finished",
  startedAt: new Date("2026-01-01T12:00:01Z"),
  at: new Date("2026-01-01T12:00:01Z"),
  claimed: 2,
  synced: 1,
  failed: 1,
  busy: 0,
  durationMs: 321,
  stopped: "drained",
  chains: { c1: { synced: 1, failed: 1, block: "42", rpc_requests: 2 } },
  ...over,
});

/** A row of balance_sync.balance_changes as loadSnapshot() maps it. */
const change = (over: Partial<BalanceChange>): BalanceChange => ({
  id: "1",
  wallet: "Alice",
  family: "evm",
  symbol: "ETH",
  decimals: 18,
  deltaRaw: "-1240082557282941675",
  first: false,
  block: "7",
  at: new Date("2026-01-01T12:00:30Z"),
  ...over,
});

const balance = (over: Partial<BalanceRow>): BalanceRow => ({
  id: "b1",
  wallet: "Alice",
  chain: "Local EVM (anvil)",
  family: "evm",
  symbol: "ETH",
  decimals: 18,
  raw: "12500000000000000000",
  lastChecked: new Date("2026-01-01T12:00:30Z"),
  syncCount: 1,
  errorStreak: 0,
  lastError: null,
  ...over,
});

function snapshot(balances: BalanceRow[], over: Partial<Snapshot> = {}): Snapshot {
  return {
    at: new Date("2026-01-01T12:00:45Z"),
    chains: [{
      id: "c1",
      name: "Local EVM (anvil)",
      family: "evm",
      rows: 2,
      fresh: 1,
      failing: 1,
      due: 0,
      processing: 0,
      stalenessP99: 14.6,
      lastRun: {
        runId: "5d1e0c2b-0000-4000-8000-000000000000",
        kind: "forced",
        status: "finished",
        at: new Date("2026-01-01T12:00:40Z"),
        chain: { synced: 1, failed: 0, block: "42", rpc_requests: 2, mode: "multicall" },
      },
    }],
    cron: {
      version: "1.4-1",
      schedule: "* * * * *",
      lastStatus: "succeeded",
      lastMessage: "1 row",
      lastStart: new Date("2026-01-01T12:00:00Z"),
      runs: 3,
      failedRuns: 1,
    },
    lastRun: {
      id: "5",
      at: new Date("2026-01-01T12:00:01Z"),
      statusCode: 200,
      error: null,
      total: 3,
    },
    runs: [],
    runCounts: { scheduled: 0, forced: 0 },
    changes: [],
    balances,
    ...over,
  };
}

Deno.test("live view shows cron, chain_status per chain, recent runs from run_history, balances and why rows fail", () => {
  const runs = logFacts([
    syncFailed("3f2a1b2c-0000-4000-8000-000000000000", "b2", "transient"),
  ]);
  const text = renderView(
    snapshot([
      balance({}),
      balance({
        id: "b2",
        wallet: "Dave",
        family: "tron",
        symbol: "USDT",
        raw: null,
        errorStreak: 2,
        lastError: "wallet has no active address on this chain",
        state: "configuration",
        // the class comes from stale_rows, the run from the log
        errorClass: "configuration",
        retryAt: new Date("2026-01-01T12:01:31Z"),
      }),
    ], {
      runs: [
        run({
          runId: "7c00ffee-0000-4000-8000-000000000000",
          status: "running",
          startedAt: new Date("2026-01-01T12:00:44Z"),
        }),
        run({
          runId: "5d1e0c2b-0000-4000-8000-000000000000",
          kind: "forced",
          startedAt: new Date("2026-01-01T12:00:40Z"),
          claimed: 1,
          synced: 1,
          failed: 0,
        }),
        run({ status: "abandoned", stopped: null }),
      ],
      runCounts: { scheduled: 12, forced: 3 },
    }),
    new ChangeTracker(),
    { ...ctx, runs },
    { columns: 160, rows: 24 },
  );
  assert.match(text, /this chain · run 3f2a1b2c$/m);
  assert.match(text, /pg_cron 1\.4-1 every minute, next in 15 s/);
  assert.match(text, /recent runs \(run_history: 12 scheduled, 3 forced\)/);
  assert.match(text, /^12:00:44 sched {2}running {3}7c00ffee$/m);
  assert.match(
    text,
    /^12:00:40 forced finished {2}5d1e0c2b {2}claimed 1, synced 1, failed 0 in 321 ms · drained$/m,
  );
  assert.match(
    text,
    /^12:00:01 sched {2}abandoned 9b2f6a8e {2}claimed 2, synced 1, failed 1 in 321 ms$/m,
  );
  assert.match(
    text,
    /Local EVM \(anvil\)\s+2\s+1\s+1\s+0\s+15s\s+12:00:40 forced · blk 42 · 2 rpc · multicall/,
  );
  assert.match(text, /Alice\s+EVM\s+ETH\s+12\.5\s+15s/);
  assert.match(
    text,
    /Dave\s+TRON\s+USDT\s+✗ configuration ×2 · retry 12:01:31 · wallet has no active/,
  );
  assert.match(text, /3 runs, 1 failed/);
  assert.match(text, /deno task dev:sync/);
  assert.ok(!text.includes("\x1b["), "no colour codes when colour is off");
});

Deno.test("live view lists the last balance changes: wallet, asset, signed exact delta, block, when", () => {
  const text = renderView(
    snapshot([balance({})], {
      changes: [
        change({
          id: "9",
          wallet: "Bob",
          family: "tron",
          symbol: "TRX",
          decimals: 6,
          deltaRaw: "150000000",
          block: "12",
          at: new Date("2026-01-01T12:00:41Z"),
        }),
        change({}),
        change({ id: "1", wallet: "Carol", deltaRaw: "750000000000000000", first: true }),
      ],
    }),
    new ChangeTracker(),
    ctx,
    { columns: 80, rows: 24 },
  );
  assert.match(text, /^when\s+wallet\s+chain\s+asset\s+delta\s+block$/m);
  assert.match(text, /^12:00:41 Bob {4}TRON {2}TRX\s+\+150 {2}12$/m);
  assert.match(text, /^12:00:30 Alice {2}EVM {3}ETH\s+-1\.240082557282941675 {2}7$/m);
  assert.match(text, /^12:00:30 Carol {2}EVM {3}ETH\s+\+0\.75 {2}7 {2}first sync$/m);
  // exact at uint256 scale (too wide for 80 columns: the full text in a wider terminal)
  const wide = renderView(
    snapshot([], {
      changes: [change({ decimals: 0, deltaRaw: String(-(2n ** 256n - 1n)) })],
    }),
    new ChangeTracker(),
    ctx,
    { columns: 200, rows: 24 },
  );
  assert.ok(wide.includes(`-${2n ** 256n - 1n}  7`), wide);
  assert.ok(fitLine(`x${"\x1b[31m"}abcdef${"\x1b[0m"}`, 4) === `x${"\x1b[31m"}ab…${"\x1b[0m"}`);
  assert.equal(fitLine("abcd", 4), "abcd", "a line that fits is not cut");
  const none = renderView(snapshot([]), new ChangeTracker(), ctx);
  assert.match(none, /last balance changes\s+none yet: deno task dev:transfer, then dev:sync/);
});

Deno.test("live view marks a balance with its change at the last sync that changed it, and when", () => {
  const tracker = new ChangeTracker();
  tracker.observe(snapshot([balance({ raw: "12500000000000000000" })]));
  const changedAt = new Date("2026-01-01T12:00:30Z");
  const later = snapshot([balance({ raw: "11259917442717058325", lastChecked: changedAt })]);
  tracker.observe(later);
  const expected =
    /Alice\s+EVM\s+ETH\s+11\.259917442717058325\s+15s\s+▼-1\.240082557282941675 12:00:30/;
  assert.match(renderView(later, tracker, ctx), expected);
  assert.equal(tracker.delta("b1"), -1240082557282941675n);
  // Later syncs that change nothing keep the mark and its time.
  const unchanged = snapshot([
    balance({ raw: "11259917442717058325", lastChecked: new Date("2026-01-01T12:05:00Z") }),
  ], { at: new Date("2026-01-01T12:05:15Z") });
  tracker.observe(unchanged);
  assert.match(renderView(unchanged, tracker, ctx), /▼-1\.240082557282941675 12:00:30/);
  assert.equal(tracker.change("b1")?.at.getTime(), changedAt.getTime());
});

Deno.test("live view takes a balance's last change from the change log, exactly, even across restarts", () => {
  const tracker = new ChangeTracker();
  const fromLog = snapshot([
    balance({
      raw: "1",
      lastChange: { deltaRaw: String(-(2n ** 256n - 2n)), at: new Date("2026-01-01T11:59:00Z") },
    }),
    balance({ id: "b2", wallet: "Bob", lastChange: null }),
  ]);
  tracker.observe(fromLog);
  assert.equal(tracker.delta("b1"), -(2n ** 256n - 2n));
  assert.equal(tracker.change("b1")?.at.toISOString(), "2026-01-01T11:59:00.000Z");
  assert.equal(tracker.change("b2"), null, "a first observation is no change");
  assert.match(
    renderView(fromLog, tracker, ctx, { columns: 200, rows: 24 }),
    /▼-\d+\.\d+ 11:59:00/,
  );
});

Deno.test("live view says why pg_net's last request failed when the function did not answer 200", () => {
  const text = renderView(
    snapshot([], {
      lastRun: {
        id: "9",
        at: new Date("2026-01-01T12:00:01Z"),
        statusCode: null,
        error: "Couldn't connect to server",
        total: 1,
      },
    }),
    new ChangeTracker(),
    ctx,
    { columns: 120, rows: 24 },
  );
  assert.match(text, /last no answer Couldn't connect to server/);
});

Deno.test("live view fits 80x24 with the header first, even with many rows and long errors", () => {
  const rows = Array.from({ length: 30 }, (_, i) =>
    balance({
      id: `r${i}`,
      wallet: `W${i}`,
      raw: String(2n ** 255n + BigInt(i)),
      errorStreak: i % 3 === 0 ? 4 : 0,
      lastError: i % 3 === 0 ? "x".repeat(300) : null,
      retryAt: new Date("2026-01-01T12:02:00Z"),
    }));
  const full = snapshot(rows, {
    runs: Array.from({ length: 5 }, (_, i) => run({ runId: `${i}`.repeat(8) })),
    runCounts: { scheduled: 5, forced: 0 },
    changes: Array.from({ length: 8 }, (_, i) => change({ id: String(i) })),
  });
  const text = renderView(full, new ChangeTracker(), {
    ...ctx,
    notice: "12:00:44 moved 1.24 ETH Alice→Bob",
    keys: "keys: f force sync, t transfer, Ctrl-C stop",
  }, { columns: 80, rows: 24 });
  const lines = text.split("\n");
  assert.ok(lines.length <= 24, `${lines.length} lines`);
  for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${line}`);
  assert.match(lines[0], /^balance-sync local stack/);
  assert.equal(lines.filter((l) => /finished {2}\d{8} {2}claimed/.test(l)).length, 3, "three runs");
  assert.equal(
    lines.filter((l) => /-1\.240082557282941675 {2}7$/.test(l)).length,
    4,
    "four changes",
  );
  assert.match(text, /… \d+ more rows/);
  assert.match(lines.at(-1)!, /f force sync.*deno task dev:sync/);
  assert.ok(lines.some((l) => l.endsWith("…")), "a cut line ends with …");
});

Deno.test("--plain prints the view once, then only what changed and a status line", () => {
  const reporter = new PlainReporter(60_000);
  const tracker = new ChangeTracker();
  const first = snapshot([balance({}), balance({ id: "b2", wallet: "Bob" })], {
    runs: [run({ runId: "0a0a0a0a-old" })],
    changes: [change({ id: "1" })],
  });
  tracker.observe(first);
  const opening = reporter.report(first, tracker, ctx, 0);
  assert.match(opening, /^balance-sync local stack/);
  assert.match(opening, /\[status\]/);

  assert.equal(reporter.report(first, tracker, ctx, 10_000), "", "nothing changed");

  const running = run({ runId: "9b2f6a8e-run", status: "running", at: new Date(0) });
  const withRunning = { ...first, runs: [running, ...first.runs] };
  assert.equal(reporter.report(withRunning, tracker, ctx, 11_000), "", "a running run waits");

  const second = snapshot([
    balance({ raw: "13500000000000000000" }),
    balance({ id: "b2", wallet: "Bob" }),
  ], {
    at: new Date("2026-01-01T12:01:05Z"),
    runs: [
      run({
        runId: "9b2f6a8e-run",
        at: new Date("2026-01-01T12:01:01Z"),
        claimed: 2,
        synced: 2,
        failed: 0,
      }),
      run({ runId: "0a0a0a0a-old" }),
    ],
    runCounts: { scheduled: 2, forced: 0 },
    changes: [
      change({ id: "2", deltaRaw: "1000000000000000000", block: "8" }),
      change({ id: "1" }),
    ],
  });
  tracker.observe(second);
  const update = reporter.report(second, tracker, ctx, 20_000).trimEnd().split("\n");
  assert.deepEqual(update.length, 4, update.join("\n"));
  assert.match(
    update[0],
    /^scheduled run 9b2f6a8e 12:01:01 finished: claimed 2, synced 2, failed 0/,
  );
  assert.match(update[1], /^change 12:00:30 Alice\s+EVM\s+ETH\s+\+1 {2}8$/);
  assert.match(update[2], /^Alice\s+EVM\s+ETH\s+13\.5\s+\S+\s+▲\+1 12:00:30/);
  assert.match(
    update[3],
    /^\[status\] 12:01:05 .* runs: 2 scheduled, 0 forced · 1 failing, 0 due$/,
  );

  assert.match(reporter.report(second, tracker, ctx, 90_000), /^\[status\]/, "a heartbeat");
});

Deno.test("function log facts: the run and class that failed a row, until the row syncs; the last warning", () => {
  const runs = logFacts([
    syncFailed("r1", "b9", "transient"),
  ]);
  assert.equal(runs.rowFailure("b9")?.errorClass, "transient");
  assert.equal(runs.rowFailure("b9")?.runId, "r1");
  runs.observe(
    line("Wallet balance synced successfully", { run_id: "r2", wallet_balance_id: "b9" }),
  );
  assert.equal(runs.rowFailure("b9"), null);
  runs.observe("not json at all");
  assert.equal(runs.lastProblem(), "warn: Wallet balance sync failed");
});

Deno.test("next pg_cron run: on the minute for '* * * * *', from the last start for second intervals", () => {
  const now = new Date("2026-01-01T12:00:45Z");
  assert.equal(secondsToNextRun("* * * * *", now, null), 15);
  assert.equal(secondsToNextRun("30 seconds", now, new Date("2026-01-01T12:00:30Z")), 15);
  assert.equal(secondsToNextRun(null, now, null), null);
  assert.match(describeSchedule("30 seconds", "1.6.4"), /every 30 s \(pg_cron 1\.6\.4\)/);
});

Deno.test("demo amounts convert exactly, and a transfer moves a tenth rounded to two decimals", () => {
  assert.equal(parseUnits("12.5", 18), 12_500_000_000_000_000_000n);
  assert.equal(parseUnits("42.123456", 6), 42_123_456n);
  assert.throws(() => parseUnits("1.1234567", 6), /at most 6 decimals/);
  assert.equal(formatUnits(2n ** 64n + 1n, 6), "18446744073709.551617");
  assert.equal(formatUnits(-1_500_000n, 6), "-1.5");
  assert.equal(tenth(12_500_000_000_000_000_000n, 18), 1_250_000_000_000_000_000n);
  assert.equal(tenth(42_123_456n, 6), 4_210_000n);
  assert.equal(tenth(9n, 0), 0n);
});
