import assert from "node:assert/strict";
import { formatUnits, parseUnits } from "../../dev/demo.ts";
import {
  type BalanceRow,
  ChangeTracker,
  describeSchedule,
  renderView,
  secondsToNextRun,
  type Snapshot,
  type ViewContext,
} from "../../dev/live_view.ts";
import { tenth } from "../../dev/move_funds.ts";

const ctx: ViewContext = {
  gatewayUrl: "http://127.0.0.1:54321",
  functionUrl: "http://127.0.0.1:54321/functions/v1/balance-sync",
  serviceRoleKey: "service-role-test-key",
  databaseUrl: "postgresql://postgres@127.0.0.1:5432/postgres",
  functionLog: ".tmp/dev-function.log",
  color: false,
};

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
        chains: { c1: { synced: 1, failed: 1, block: "42", mode: "multicall", rpc_requests: 2 } },
      },
      total: 3,
    },
    balances,
    ...over,
  };
}

Deno.test("live view shows the last run, per-chain counts, exact balances and row errors", () => {
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
      }),
    ]),
    new ChangeTracker(),
    ctx,
  );
  assert.match(text, /every minute \('\* \* \* \* \*': pg_cron 1\.4-1/);
  assert.match(text, /claimed 2, synced 1, failed 1 in 321 ms/);
  assert.match(text, /Local EVM \(anvil\)\s+2\s+1\s+1\s+0\s+synced 1 · failed 1 · block 42/);
  assert.match(text, /Alice\s+EVM\s+ETH\s+12\.5\s+15 s ago/);
  assert.match(text, /Dave\s+TRON\s+USDT\s+error ×2: wallet has no active address/);
  assert.match(text, /3 runs, 1 failed/);
  assert.match(text, /-H "Authorization: Bearer service-role-test-key"/);
  assert.ok(!text.includes("\x1b["), "no colour codes when colour is off");
});

Deno.test("live view marks a balance that changed between two snapshots with its exact delta", () => {
  const tracker = new ChangeTracker(60_000);
  tracker.observe(snapshot([balance({ raw: "12500000000000000000" })]), 0);
  const later = snapshot([balance({ raw: "11259917442717058325" })]);
  tracker.observe(later, 1000);
  assert.match(
    renderView(later, tracker, ctx),
    /Alice\s+EVM\s+ETH\s+11\.259917442717058325\s+15 s ago\s+1\s+▼ -1\.240082557282941675/,
  );
  assert.equal(tracker.delta("b1"), -1240082557282941675n);
  tracker.observe(later, 70_000);
  assert.equal(tracker.delta("b1"), null, "the mark goes away after a while");
});

Deno.test("live view says why the last request failed when the function did not answer 200", () => {
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
  );
  assert.match(text, /no answer Couldn't connect to server/);
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
