import assert from "node:assert/strict";
import { formatUnits, parseUnits } from "../../dev/demo.ts";
import {
  type BalanceRow,
  ChangeTracker,
  describeSchedule,
  PlainReporter,
  renderView,
  secondsToNextRun,
  type Snapshot,
  type ViewContext,
} from "../../dev/live_view.ts";
import { FunctionLogRuns } from "../../dev/run_log.ts";
import { tenth } from "../../dev/move_funds.ts";

const ctx: ViewContext = {
  forceCommand: "deno task dev:sync",
  databaseUrl: "postgresql://postgres@127.0.0.1:5432/postgres",
  functionLog: ".tmp/dev-function.log",
  color: false,
};

const line = (msg: string, fields: Record<string, unknown>, time = "2026-01-01T12:00:00Z") =>
  JSON.stringify({ level: msg.includes("failed") ? "warn" : "info", time, msg, ...fields });

const finished = (
  kind: "scheduled" | "forced",
  time: string,
  counts: { claimed: number; synced: number; failed: number },
) =>
  line("Balance sync run finished", {
    run_id: "9b2f6a8e-0000-4000-8000-000000000000",
    kind,
    ...counts,
    busy: 0,
    duration_ms: 321,
    stopped: "drained",
    chains: { c1: { synced: counts.synced, failed: counts.failed, block: "42", rpc_requests: 2 } },
  }, time);

function runsFrom(lines: string[]): FunctionLogRuns {
  const runs = new FunctionLogRuns();
  for (const l of lines) runs.observe(l);
  return runs;
}

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
      synced: 1,
      failing: 1,
      due: 0,
      processing: 0,
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
      summary: {
        claimed: 2,
        synced: 1,
        failed: 1,
        duration_ms: 321,
      },
      total: 3,
    },
    balances,
    ...over,
  };
}

Deno.test("live view shows cron, every run from the function log, per-chain counts, balances and row errors", () => {
  const runs = runsFrom([
    line("Wallet balance sync failed", {
      run_id: "3f2a1b2c-0000-4000-8000-000000000000",
      wallet_balance_id: "b2",
      error_class: "configuration",
    }),
    finished("scheduled", "2026-01-01T12:00:01Z", { claimed: 2, synced: 1, failed: 1 }),
    finished("forced", "2026-01-01T12:00:40Z", { claimed: 1, synced: 1, failed: 0 }),
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
        retryAt: new Date("2026-01-01T12:01:31Z"),
      }),
    ]),
    new ChangeTracker(),
    { ...ctx, runs },
    { columns: 160, rows: 24 },
  );
  assert.match(text, /this chain · run 3f2a1b2c$/m);
  assert.match(text, /pg_cron 1\.4-1 every minute, next in 15 s/);
  assert.match(text, /scheduled 12:00:01: claimed 2, synced 1, failed 1 in 321 ms · 1 runs/);
  assert.match(text, /forced +12:00:40: claimed 1, synced 1, failed 0/);
  assert.match(text, /Local EVM \(anvil\)\s+2\s+1\s+1\s+0\s+12:00:40 forced · blk 42/);
  assert.match(text, /Alice\s+EVM\s+ETH\s+12\.5\s+15s/);
  assert.match(
    text,
    /Dave\s+TRON\s+USDT\s+✗ configuration ×2 · retry 12:01:31 · wallet has no active/,
  );
  assert.match(text, /3 runs, 1 failed/);
  assert.match(text, /deno task dev:sync/);
  assert.ok(!text.includes("\x1b["), "no colour codes when colour is off");
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

Deno.test("live view says why pg_net's last request failed when the function did not answer 200", () => {
  const text = renderView(
    snapshot([], {
      lastRun: {
        id: "9",
        at: new Date("2026-01-01T12:00:01Z"),
        statusCode: null,
        error: "Couldn't connect to server",
        summary: null,
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
  const text = renderView(snapshot(rows), new ChangeTracker(), {
    ...ctx,
    notice: "12:00:44 moved 1.24 ETH Alice→Bob",
    keys: "keys: f force sync, t transfer, Ctrl-C stop",
  }, { columns: 80, rows: 24 });
  const lines = text.split("\n");
  assert.ok(lines.length <= 24, `${lines.length} lines`);
  for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${line}`);
  assert.match(lines[0], /^balance-sync local stack/);
  assert.match(text, /… \d+ more rows/);
  assert.match(lines.at(-1)!, /f force sync.*deno task dev:sync/);
});

Deno.test("--plain prints the view once, then only what changed and a status line", () => {
  const reporter = new PlainReporter(60_000);
  const tracker = new ChangeTracker();
  const first = snapshot([balance({}), balance({ id: "b2", wallet: "Bob" })]);
  tracker.observe(first);
  const runs = runsFrom([]);
  const opening = reporter.report(first, tracker, { ...ctx, runs }, 0);
  assert.match(opening, /^balance-sync local stack/);
  assert.match(opening, /\[status\]/);

  assert.equal(reporter.report(first, tracker, { ...ctx, runs }, 10_000), "", "nothing changed");

  const second = snapshot([
    balance({ raw: "13500000000000000000" }),
    balance({ id: "b2", wallet: "Bob" }),
  ], {
    at: new Date("2026-01-01T12:01:05Z"),
  });
  tracker.observe(second);
  runs.observe(finished("scheduled", "2026-01-01T12:01:01Z", { claimed: 2, synced: 2, failed: 0 }));
  const update = reporter.report(second, tracker, { ...ctx, runs }, 20_000).trimEnd().split("\n");
  assert.deepEqual(update.length, 3, update.join("\n"));
  assert.match(update[0], /^scheduled run 9b2f6a8e 12:01:01: claimed 2, synced 2, failed 0/);
  assert.match(update[1], /^Alice\s+EVM\s+ETH\s+13\.5\s+\S+\s+▲\+1 12:00:30/);
  assert.match(update[2], /^\[status\] 12:01:05 .* 1 failing, 0 due$/);

  assert.match(
    reporter.report(second, tracker, { ...ctx, runs }, 90_000),
    /^\[status\]/,
    "a heartbeat",
  );
});

Deno.test("run log: scheduled and forced runs, the last run per chain, failing rows until they sync", () => {
  const runs = runsFrom([
    line("Wallet balance sync failed", {
      run_id: "r1",
      wallet_balance_id: "b9",
      error_class: "transient",
    }),
    finished("scheduled", "2026-01-01T12:00:01Z", { claimed: 1, synced: 0, failed: 1 }),
  ]);
  assert.equal(runs.rowFailure("b9")?.errorClass, "transient");
  assert.equal(runs.rowFailure("b9")?.runId, "r1");
  assert.equal(runs.lastOnChain("c1")?.run.kind, "scheduled");
  runs.observe(
    line("Wallet balance synced successfully", { run_id: "r2", wallet_balance_id: "b9" }),
  );
  runs.observe(finished("forced", "2026-01-01T12:00:09Z", { claimed: 1, synced: 1, failed: 0 }));
  assert.equal(runs.rowFailure("b9"), null);
  assert.equal(runs.lastOnChain("c1")?.run.kind, "forced");
  assert.equal(runs.runCount("scheduled"), 1);
  assert.equal(runs.runCount("forced"), 1);
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
