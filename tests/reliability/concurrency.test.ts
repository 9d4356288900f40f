/**
 * Concurrency: 8 runs of the real function at once, each in its own function process, over
 * 10,000 due rows of both families (EVM with Multicall3, TRON with Multicall3 on the stand-in).
 * The test-only audit trigger records every claim, record and release with the database's clock.
 */
import assert from "node:assert/strict";
import { isClaim, leaseEvents, overlappingClaims } from "../support/audit.ts";
import type { FunctionResponse } from "../../stack/stack.ts";
import { expectedHuman } from "../../stack/data.ts";
import { toTronBase58 } from "../../stack/standins/tron_node.ts";
import { seedBulkWorld } from "./bulk_world.ts";
import { reliabilityHarness, report, runLogsComplete } from "./harness.ts";

const RUNS = 8;
const WALLETS = 2_500; // × 4 assets = 10,000 rows
const TRON_MULTICALL = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";

const harness = reliabilityHarness({ tronMulticallEvmAddress: TRON_MULTICALL });

harness.test(
  "8 concurrent runs over 10,000 due rows: no row held by two runs at once, no lost update, all synced",
  async ({ stack, serve }) => {
    const world = await seedBulkWorld(stack, WALLETS, {
      tronMulticallAddress: toTronBase58(TRON_MULTICALL),
    });
    // The stand-in is local: lift the TronGrid-sized default pacing.
    await stack.sql`update public.chains set max_rps = 2000, max_concurrency = 8
                    where family = 'tron'`;
    const servers = await Promise.all(
      Array.from({ length: RUNS }, () =>
        serve({
          // per-row success lines are debug; this test audits them
          env: { BALANCE_SYNC_BATCH_SIZE: "100", BALANCE_SYNC_LOG_LEVEL: "debug" },
        })),
    );
    return { world, servers };
  },
  async ({ stack, call }, { world, servers }) => {
    assert.equal(world.rows.length, 10_000);
    const responses: FunctionResponse[] = [];
    // Round 1 is the test: 8 runs at once. A run that stops at its budget leaves rows due; later
    // rounds (again 8 at once) finish them, as the next cron ticks would.
    let rounds = 0;
    while (rounds < 5) {
      rounds++;
      const round = await Promise.all(servers.map((server) => call(server)));
      responses.push(...round);
      for (const r of round) assert.equal(r.status, 200, r.text);
      if (round.every((r) => r.body.stopped === "drained")) break;
    }
    const summaries = responses.map((r) => r.body);
    const total = (key: string) => summaries.reduce((sum, s) => sum + s[key], 0);
    assert.deepEqual(
      [total("failed"), total("lost"), total("stale_rejected"), total("invalid")],
      [0, 0, 0, 0],
      "no failure, lost write, stale rejection or invalid result",
    );

    // Every claim, from the audit trigger.
    const events = await leaseEvents(stack.sql);
    const claims = events.filter(isClaim);
    assert.equal(claims.length, total("claimed"), "the audit saw every claim the runs reported");
    assert.deepEqual(
      overlappingClaims(events),
      [],
      "a row was taken while another run's lease ran",
    );
    const runsWithRows = new Set(claims.map((e) => e.newLockedBy));
    assert.ok(runsWithRows.size >= 2, `only ${runsWithRows.size} run(s) got rows`);

    // Peak number of runs holding leases at the same moment (database clock).
    const live = new Map<string, number>();
    let peak = 0;
    for (const e of events) {
      if (isClaim(e)) live.set(e.newLockedBy!, (live.get(e.newLockedBy!) ?? 0) + 1);
      if (e.oldLockedBy !== null && e.newLockedBy !== e.oldLockedBy) {
        const left = (live.get(e.oldLockedBy) ?? 0) - 1;
        if (left > 0) live.set(e.oldLockedBy, left);
        else live.delete(e.oldLockedBy);
      }
      peak = Math.max(peak, live.size);
    }
    assert.ok(peak >= 2, "runs overlapped in time");

    // No lost update: per row, sync_count == successes the audit saw == successes the runs logged.
    const successesInAudit = new Map<string, number>();
    for (const e of events) {
      assert.ok(e.syncDelta === 0 || e.syncDelta === 1, `sync_count moved by ${e.syncDelta}`);
      if (e.syncDelta === 1) {
        successesInAudit.set(e.rowId, (successesInAudit.get(e.rowId) ?? 0) + 1);
      }
    }
    const successesLogged = new Map<string, number>();
    for (const [i, server] of servers.entries()) {
      const mine = responses.filter((_, k) => k % RUNS === i).map((r) => r.body.run_id);
      await runLogsComplete(server, mine);
      for (const line of server.logs()) {
        if (line.msg !== "Wallet balance synced successfully") continue;
        const id = line.wallet_balance_id as string;
        successesLogged.set(id, (successesLogged.get(id) ?? 0) + 1);
      }
    }
    const rows = await stack.sql`
      select id::text as id, sync_count, error_count, on_chain_balance_raw::text as raw,
             on_chain_balance_human::text as human, processing_status::text as status,
             locked_by, locked_until
      from public.wallet_balances`;
    assert.equal(rows.length, 10_000);
    const expected = new Map(world.rows.map((r) => [r.id, r]));
    const problems: string[] = [];
    for (const row of rows) {
      const want = expected.get(row.id)!;
      const audited = successesInAudit.get(row.id) ?? 0;
      const logged = successesLogged.get(row.id) ?? 0;
      if (row.sync_count < 1) problems.push(`${row.id}: never synced`);
      if (row.sync_count !== audited || row.sync_count !== logged) {
        problems.push(`${row.id}: sync_count ${row.sync_count}, audit ${audited}, logs ${logged}`);
      }
      if (row.raw !== want.raw.toString()) problems.push(`${row.id}: raw ${row.raw}`);
      if (row.human !== expectedHuman(want.raw, want.decimals)) {
        problems.push(`${row.id}: human ${row.human}`);
      }
      if (row.error_count !== 0 || row.status !== "idle" || row.locked_by || row.locked_until) {
        problems.push(
          `${row.id}: left ${row.status} by ${row.locked_by}, errors ${row.error_count}`,
        );
      }
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} rows wrong`);
    const syncedTotal = rows.reduce((sum, r) => sum + r.sync_count, 0);
    assert.equal(syncedTotal, total("synced"), "sum of sync_count deltas == successes reported");

    report(
      "Concurrency",
      1,
      `${RUNS} runs at once (${RUNS} processes, ${rounds} round(s), ${total("batches")} batches, ` +
        `longest run ${
          Math.max(...summaries.map((s) => s.duration_ms))
        } ms) over 10,000 rows of both ` +
        `families: ${claims.length} claims audited, peak ${peak} runs holding leases at once, ` +
        `0 rows held by two runs within a lease, 0 lost updates ` +
        `(sync_count == audited == logged successes for every row), 10,000/10,000 synced exactly`,
    );
  },
);

harness.secretsTest();
