/**
 * Interrupted runs of the real function: a process killed with SIGKILL mid-run, a run whose lease
 * ran out and was taken over before it recorded, and a database that goes away mid-run.
 *
 * A run is held "mid-read" by a proxy in front of the chain's node that forwards every request at
 * once (the node answers from the state of that moment) but keeps chosen answers back
 * (stack/rpc_proxy.ts). The database is lost through a TCP gate between the PostgREST
 * stand-in and PostgreSQL (tests/support/tcp_gate.ts): every connection dropped, new ones refused.
 */
import assert from "node:assert/strict";
import { isClaim, isRelease, type LeaseEvent, leaseEvents } from "../support/audit.ts";
import { hasMethod, type RpcProxy } from "../../stack/rpc_proxy.ts";
import { TEST_JWT_SECRET } from "../../stack/jwt.ts";
import { startPostgrest } from "../../stack/standins/postgrest.ts";
import type { Stack } from "../../stack/stack.ts";
import { seedWorld, type World } from "../../stack/data.ts";
import { startTcpGate } from "../support/tcp_gate.ts";
import {
  killMidRun,
  reliabilityHarness,
  report,
  runHoldingRows,
  runLogsComplete,
  setChainBalance,
  SHORT_LEASE,
  type TestContext,
  waitFor,
} from "./harness.ts";

const harness = reliabilityHarness();

const isTronRead = (_: unknown, path: string) => /getaccount|triggerconstantcontract/.test(path);

async function rowStates(stack: Stack) {
  return await stack.sql`
    select id::text as id, sync_count, error_count, on_chain_balance_raw::text as raw,
           processing_status::text as status, locked_by, locked_until
    from public.wallet_balances order by id`;
}

/** Every row synced exactly once with the balance on the chain, none leased. */
async function assertAllSyncedOnce(stack: Stack, world: World, raws?: Map<string, bigint>) {
  const rows = await rowStates(stack);
  assert.equal(rows.length, world.rows.length);
  for (const row of rows) {
    const want = raws?.get(row.id) ?? world.rows.find((r) => r.id === row.id)!.raw;
    assert.deepEqual(
      [row.sync_count, row.error_count, row.raw, row.status, row.locked_by, row.locked_until],
      [1, 0, want.toString(), "idle", null, null],
      `row ${row.id}`,
    );
  }
}

/** Waits until the database's clock has passed every lease of `token`. */
async function waitForLeaseExpiry(stack: Stack, token: string) {
  await waitFor("the lease to expire", async () => {
    const [row] = await stack.sql`
      select bool_and(locked_until < now()) as expired from public.wallet_balances
      where locked_by = ${token}`;
    return row.expired === true;
  }, 30_000);
}

/** A seeded world (`wallets` wallets) whose two chains each answer through a proxy of their own. */
async function worldBehindProxies(ctx: TestContext, wallets: number) {
  const { stack } = ctx;
  const evm = await ctx.proxy(stack.anvil.rpcUrl);
  const tron = await ctx.proxy(stack.tron.url);
  const world = await seedWorld(stack, { wallets, evmRpcUrl: evm.url });
  await stack.sql`update public.chains set rpc_url = ${tron.url} where id = ${world.tronChainId}`;
  return { evm, tron, world };
}

/**
 * Starts a run with every balance read of both chains held back at their proxies; once both
 * chains' reads are held, the run (its error if it fails) and the token its rows are leased to.
 */
async function startHeld<T>(stack: Stack, evm: RpcProxy, tron: RpcProxy, start: () => Promise<T>) {
  evm.hold(hasMethod("eth_call"));
  tron.hold(isTronRead);
  const run = start().catch((error) => error as Error);
  await evm.waitHolding(1);
  await tron.waitHolding(4);
  return { run, token: await runHoldingRows(stack) };
}

/** A function process that has already loaded both readers (a forced run of wallet 0). */
async function warmServer(ctx: TestContext, world: World, env: Record<string, string>) {
  const server = await ctx.serve({ env });
  const warm = await ctx.call(server, { wallet_id: world.wallets[0].id });
  assert.equal(warm.status, 200, warm.text);
  assert.equal(warm.body.synced, 4);
  return server;
}

harness.test(
  "crash: SIGKILL mid-run strands only the batches in flight (one per chain); after the lease the next run reclaims 100% and nothing is written twice",
  async (ctx) => {
    const evm = await ctx.proxy(ctx.stack.anvil.rpcUrl);
    const world = await seedWorld(ctx.stack, { wallets: 4, evmRpcUrl: evm.url });
    const doomed = await warmServer(ctx, world, { ...SHORT_LEASE, BALANCE_SYNC_BATCH_SIZE: "4" });
    return { evm, world, doomed };
  },
  async (ctx, { evm, world, doomed }) => {
    const { stack } = ctx;
    // The run's second EVM batch: its answer never comes back; the process dies waiting.
    let heads = 0;
    evm.hold((calls, path) => hasMethod("eth_blockNumber")(calls, path) && ++heads >= 2);
    const run = ctx.call(doomed).catch((error) => error);
    await evm.waitHolding(1);
    const dead = await runHoldingRows(stack);
    await killMidRun(doomed, run);
    const [{ killed_at: killedAt }] = await stack.sql`select clock_timestamp() as killed_at`;
    evm.release();

    const stranded = (await rowStates(stack)).filter((r) => r.locked_by === dead);
    // Each chain has its own loop, so each may have one batch (4 rows) in flight.
    assert.ok(stranded.length > 0 && stranded.length <= 8, `${stranded.length} rows stranded`);
    for (const row of stranded) assert.equal(row.status, "processing");
    const before = await leaseEvents(stack.sql);
    const recordedByDead = before.filter((e) => e.oldLockedBy === dead && isRelease(e));
    assert.ok(recordedByDead.length >= 1, "the dead run had recorded a batch before it died");

    // Until the lease expires, another run leaves the stranded rows alone.
    const early = await ctx.call(stack.fn!);
    assert.equal(early.status, 200, early.text);
    for (const row of await rowStates(stack)) {
      if (stranded.some((s) => s.id === row.id)) assert.equal(row.locked_by, dead);
    }

    await waitForLeaseExpiry(stack, dead);
    const next = await ctx.call(stack.fn!);
    assert.equal(next.status, 200, next.text);
    assert.equal(
      next.body.claimed,
      stranded.length,
      "the next run claims exactly the stranded rows",
    );
    assert.equal(next.body.synced, stranded.length);

    const events = await leaseEvents(stack.sql);
    const reclaimed = events.filter((e) => isClaim(e) && e.oldLockedBy === dead);
    assert.deepEqual(
      reclaimed.map((e) => e.rowId).sort(),
      stranded.map((r) => r.id).sort(),
      "100% of the stranded rows were reclaimed",
    );
    assert.ok(reclaimed.every((e) => e.at > e.oldLockedUntil!), "only after the lease expired");
    const byDead = (e: LeaseEvent) => e.oldLockedBy === dead || e.newLockedBy === dead;
    const writesByDead = events.filter((e) => byDead(e) && isRelease(e));
    assert.equal(
      new Set(writesByDead.map((e) => e.rowId)).size,
      writesByDead.length,
      "the dead run wrote no row twice",
    );
    assert.ok(
      events.filter((e) => byDead(e) && !(isClaim(e) && e.oldLockedBy === dead)).every((e) =>
        e.at < killedAt
      ),
      "nothing was written for the dead run after it died",
    );
    await assertAllSyncedOnce(stack, world);
    report(
      "Crash (SIGKILL mid-run)",
      1,
      `${stranded.length} stranded rows, ${reclaimed.length}/${stranded.length} reclaimed after ` +
        `the 12 s lease, 0 left processing, 0 rows written twice by the dead run ` +
        `(${recordedByDead.length} written once before the kill)`,
    );
  },
);

harness.test(
  "stale writer: a run whose lease expired and was taken over records 0 rows and its summary says lost",
  async (ctx) => {
    const { evm, tron, world } = await worldBehindProxies(ctx, 2);
    const slow = await ctx.serve();
    return { evm, tron, world, slow };
  },
  async (ctx, { evm, tron, world, slow }) => {
    const { stack } = ctx;
    // Run A reads every balance, but its answers are held back.
    const { run: runA, token: tokenA } = await startHeld(stack, evm, tron, () => ctx.call(slow));
    evm.stopHolding();
    tron.stopHolding();

    // The chains move on: every balance changes.
    const newer = new Map<string, bigint>();
    for (const [i, row] of world.rows.entries()) {
      const shift = 1_000n + BigInt(i);
      const value = row.raw > shift ? row.raw - shift : row.raw + shift;
      newer.set(row.id, value);
      const token = row.native ? null : row.family === "evm" ? world.evmToken : world.tronToken;
      await setChainBalance(stack, row.family, row.address, token, value);
    }

    // A's lease runs out (the database's clock is what counts), and run B takes the rows over.
    await stack.sql`update public.wallet_balances set locked_until = now() - interval '1 second'
                    where locked_by = ${tokenA}`;
    const runB = await ctx.call(stack.fn!);
    assert.equal(runB.status, 200, runB.text);
    assert.equal(runB.body.synced, 8);

    // Now A gets its (older) answers and records them.
    evm.release();
    tron.release();
    const a = await runA;
    if (a instanceof Error) throw a;
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.run_id, tokenA);
    assert.deepEqual(
      [a.body.claimed, a.body.synced, a.body.failed, a.body.lost],
      [8, 0, 0, 8],
      "A's summary: 8 claimed, 0 applied, 8 lost",
    );
    await runLogsComplete(slow, [tokenA]);
    // One warning per chain's batch.
    const warnings = slow.logs().filter((l) =>
      l.run_id === tokenA && l.msg === "Not every result was applied"
    );
    assert.equal(
      warnings.reduce((n, l) => n + Number(l.lost), 0),
      8,
      "A logs its lost results",
    );

    const events = await leaseEvents(stack.sql);
    // (Our own backdating of A's lease is an event too: old and new holder both A.)
    const byA = events.filter((e) => e.oldLockedBy === tokenA && e.newLockedBy !== tokenA);
    assert.equal(byA.length, 8, "the only changes from A's lease are B's takeovers");
    assert.ok(byA.every((e) => isClaim(e) && e.newLockedBy === runB.body.run_id));
    await assertAllSyncedOnce(stack, world, newer);
    report(
      "Stale writer (lease taken over)",
      1,
      `a run whose 8 rows were taken over recorded 0 of them (summary lost: 8, synced: 0); ` +
        `the newer balances stayed`,
    );
  },
);

harness.test(
  "database loss mid-run: 503 with the run id, rows stranded under that id; once it is back every row is reclaimed and synced",
  async (ctx) => {
    const { stack } = ctx;
    const { evm, tron, world } = await worldBehindProxies(ctx, 3);
    const gate = startTcpGate({ targetHost: stack.cluster.host, targetPort: stack.cluster.port });
    ctx.defer(() => gate.stop());
    const postgrest = await startPostgrest({
      databaseUrl:
        `postgresql://postgres@${gate.host}:${gate.port}/${stack.database}?sslmode=disable`,
      jwtSecret: TEST_JWT_SECRET,
      apiKeys: { secret: [stack.keys.secretKey] },
    });
    ctx.defer(() => postgrest.stop());
    const server = await warmServer(ctx, world, { ...SHORT_LEASE, SUPABASE_URL: postgrest.url });
    return { evm, tron, gate, world, server };
  },
  async (ctx, { evm, tron, gate, world, server }) => {
    const { stack } = ctx;
    // Both chains' reads are in flight (each chain has its own loop) when the database goes.
    const { run, token } = await startHeld(stack, evm, tron, () => ctx.call(server));

    await gate.close();
    evm.release();
    tron.release();
    const lost = await run;
    if (lost instanceof Error) throw lost;
    assert.equal(lost.status, 503, lost.text);
    assert.deepEqual(lost.body, { error: "database unavailable", run_id: token });

    // While it is down, a new run answers 503 at once with its own run id.
    const down = await ctx.call(server);
    assert.equal(down.status, 503, down.text);
    assert.match(down.body.run_id, /^[0-9a-f-]{36}$/);
    assert.notEqual(down.body.run_id, token);
    for (const response of [lost, down]) {
      assert.doesNotMatch(response.text, /\bat |\.ts:\d+|stack/i, "no stack trace");
    }

    const stranded = (await rowStates(stack)).filter((r) => r.locked_by === token);
    assert.equal(stranded.length, 8, "the run's rows wait for their lease under its run id");

    gate.open();
    const back = await ctx.call(server);
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.claimed, 0, "live leases are respected after the outage");

    await waitForLeaseExpiry(stack, token);
    const recovery = await ctx.call(server);
    assert.equal(recovery.status, 200, recovery.text);
    assert.equal(recovery.body.claimed, 8);
    assert.equal(recovery.body.synced, 8);
    await assertAllSyncedOnce(stack, world);

    const events = await leaseEvents(stack.sql);
    assert.ok(
      !events.some((e) => e.oldLockedBy === token && isRelease(e)),
      "the run that lost the database wrote nothing",
    );
    report(
      "Database loss mid-run",
      2,
      `mid-run and at claim: 503 with the run id and no stack trace; the 8 stranded rows carry ` +
        `that run id; after the outage 8/8 reclaimed and synced, 0 left processing`,
    );
  },
);

harness.test(
  "worker ending: on beforeunload (here SIGTERM, as the Edge Runtime ends a worker) the run gives back its rows and its chain lease at once; the next run syncs them without waiting for a lease",
  async (ctx) => {
    const evm = await ctx.proxy(ctx.stack.anvil.rpcUrl);
    const world = await seedWorld(ctx.stack, { wallets: 4, evmRpcUrl: evm.url });
    // A paced chain: its run holds the chain lease, which must come back too.
    await ctx.stack.sql`update public.chains set max_rps = 50 where id = ${world.evmChainId}`;
    const ending = await warmServer(ctx, world, { BALANCE_SYNC_BATCH_SIZE: "4" });
    return { evm, world, ending };
  },
  async (ctx, { evm, world, ending }) => {
    const { stack } = ctx;
    // The run's first EVM read never answers: the run sits mid-read, holding rows and the lease.
    evm.hold(hasMethod("eth_blockNumber"));
    const run = ctx.call(ending, { chain_id: world.evmChainId, scheduled: true }).catch((error) =>
      error
    );
    await evm.waitHolding(1);
    const token = await runHoldingRows(stack);
    const [lease] = await stack.sql`
      select locked_by, locked_until > now() + interval '60 seconds' as long
      from balance_sync.chain_leases where chain_id = ${world.evmChainId}`;
    assert.deepEqual(
      [lease?.locked_by, lease?.long],
      [token, true],
      "the run holds the chain lease",
    );

    const signalled = performance.now();
    await ending.stop("SIGTERM");
    const tookMs = performance.now() - signalled;
    evm.release();
    const answer = await run;
    const held = await stack.sql`
      select count(*)::int as n from public.wallet_balances where locked_by = ${token}`;
    const leases = await stack.sql`
      select count(*)::int as n from balance_sync.chain_leases where locked_by = ${token}`;
    assert.equal(held[0].n, 0, "no row is left leased by the ended run");
    assert.equal(leases[0].n, 0, "the chain lease is given back");
    assert.ok(
      tookMs < 5_000,
      `the process ended within the bounded time (${Math.round(tookMs)} ms)`,
    );
    const lines = ending.logs();
    assert.ok(lines.some((l) =>
      l.msg === "Worker ending: runs stop and give back their rows" &&
      l.reason === "termination"
    ));
    const finished = lines.find((l) => l.msg === "Balance sync run finished" && l.run_id === token);
    assert.equal(finished?.stopped, "unload", JSON.stringify(finished));
    if (!(answer instanceof Error)) assert.equal(answer.status, 200);

    // The rows are due again now: the next run takes them at once, lease or no lease.
    const next = await ctx.call(stack.fn!, { chain_id: world.evmChainId, scheduled: true });
    assert.equal(next.status, 200, next.text);
    assert.ok(next.body.synced > 0, next.text);
    report("Worker ending", 1, `rows and chain lease given back in ${Math.round(tookMs)} ms`);
  },
);

harness.secretsTest();
