/**
 * The run's scheduling behaviour with in-memory stand-ins of the DB contract and the readers:
 * per-chain loops, the chain lease, reads cut at the deadline, the run clock and the log caps.
 * The same behaviours against the real database and function are in tests/e2e/fan_out.test.ts.
 */
import assert from "node:assert/strict";
import { finishByMs } from "../../supabase/functions/balance-sync/config.ts";
import { ReadError } from "../../supabase/functions/balance-sync/chains/errors.ts";
import { SharedCpuBudget } from "../../supabase/functions/balance-sync/run/cpu.ts";
import { MAX_LINE_CHARS } from "../../supabase/functions/balance-sync/log.ts";
import type { RowResult } from "../../supabase/functions/balance-sync/db/store.ts";
import { captureLog, chain, FakeReaders, FakeStore, row, syncWithFakes } from "./fakes.ts";

let runs = 0;
const runId = () => `00000000-0000-4000-9000-${(++runs).toString(16).padStart(12, "0")}`;

/** Each run its own id, so that concurrent runs are told apart by their leases. */
const run: typeof syncWithFakes = (deps, extra = {}, input = {}) =>
  syncWithFakes(deps, { batchSize: 10, ...extra }, { runId: runId(), ...input });

const balances = (rows: { address: string | null }[], value = 7n) =>
  new Map(rows.map((r) => [r.address!, value]));

/**
 * A paced TRON chain (`maxRps`) and an unpaced EVM chain with `count` rows each, in one store
 * (TRON first, chains and rows).
 */
function pacedAndUnpaced(maxRps: number, count: number) {
  const tron = chain("tron", "tron", { maxRps });
  const evm = chain("bsc", "evm");
  const tronRows = Array.from({ length: count }, (_, i) => row("tron", { address: `T${i}` }));
  const evmRows = Array.from({ length: count }, (_, i) => row("bsc", { address: `0x${i}` }));
  return { tronRows, evmRows, store: new FakeStore([tron, evm], [...tronRows, ...evmRows]) };
}

Deno.test("POST {}: a paced chain with the stalest rows does not hold up the EVM chain; nothing stays leased", async () => {
  const evm = chain("bsc", "evm");
  const tron = chain("tron", "tron", { maxRps: 2 });
  const tronRows = Array.from({ length: 30 }, (_, i) => row("tron", { address: `T${i}` }));
  const evmRows = Array.from({ length: 30 }, (_, i) => row("bsc", { address: `0x${i}` }));
  const store = new FakeStore([evm, tron], [...tronRows, ...evmRows]);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 60, balances: balances(tronRows) });
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(evmRows) });
  const { log } = captureLog();

  const summary = await run({ store, readers, log }, { budgetMs: 600 });

  assert.equal(evmRows.filter((r) => store.get(r.id).syncCount === 1).length, 30);
  const tronSynced = tronRows.filter((r) => store.get(r.id).syncCount === 1).length;
  assert.ok(tronSynced > 0, "the paced chain progressed");
  assert.ok(tronSynced < 30, "and could not finish in the budget");
  assert.equal(store.lockedRows().length, 0);
  assert.equal(store.chainLeases.size, 0, "the chain lease was given back");
  assert.equal(summary.chains.bsc.stopped, "drained");
  assert.equal(summary.chains.tron.stopped, "budget");
  assert.equal(summary.chains.tron.lease, "held");
  assert.equal(summary.stopped, "budget");
});

Deno.test("a read cut at the deadline records what it had read and gives back the rest, behind the due rows", async () => {
  const tron = chain("tron", "tron", { maxRps: 2 });
  const rows = Array.from({ length: 10 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([tron], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 40, balances: balances(rows, 9n) });
  const { log } = captureLog();

  const summary = await run({ store, readers, log }, { budgetMs: 150 }, { chainId: "tron" });

  const recorded = store.calls.filter((c) => c.op === "record")
    .flatMap((c) => (c.args as { results: RowResult[] }).results);
  assert.ok(recorded.length > 0, "balances read before the deadline were recorded");
  assert.ok(recorded.every((r) => "raw" in r && r.raw === "9"));
  assert.equal(summary.synced, recorded.length);
  assert.equal(summary.released, 10 - recorded.length);
  assert.equal(summary.failed, 0, "our own abort is no error of the rows");
  // The unread rows went to the back of the line: the next claim starts with none of them first.
  const unread = rows.filter((r) => store.get(r.id).syncCount === 0).map((r) => r.id);
  assert.deepEqual(store.rows.slice(-unread.length).map((r) => r.id).sort(), unread.sort());
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("four concurrent runs of one rate-limited chain: exactly one reads; the others end at once, say why and hold no row", async () => {
  const tron = chain("tron", "tron", { maxRps: 2 });
  const rows = Array.from({ length: 8 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([tron], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 20, balances: balances(rows) });
  const { log } = captureLog();

  const summaries = await Promise.all(
    Array.from(
      { length: 4 },
      () => run({ store, readers, log }, { batchSize: 4 }, { chainId: "tron" }),
    ),
  );

  const readersRuns = summaries.filter((s) => s.claimed > 0);
  assert.equal(readersRuns.length, 1);
  assert.equal(readersRuns[0].synced, 8);
  const losers = summaries.filter((s) => s.claimed === 0);
  assert.equal(losers.length, 3);
  for (const loser of losers) {
    assert.equal(loser.stopped, "chain_busy");
    assert.equal(loser.chains.tron.lease, "busy");
    assert.match(loser.chains.tron.note!, /another run .* reads this rate-limited chain/);
    assert.equal(loser.released, 0);
  }
  const claimers = new Set(
    store.calls.filter((c) => c.op === "claim").map((c) => (c.args as { runId: string }).runId),
  );
  assert.deepEqual([...claimers], [readersRuns[0].run_id], "no loser ever claimed");
  assert.equal(readers.maxInFlight, 1);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("a scheduled run of one chain claims due rows of that chain only, never holding more than the row cap at once, until drained", async () => {
  const evm = chain("bsc", "evm");
  const eth = chain("eth", "evm");
  const bsc = Array.from({ length: 25 }, (_, i) => row("bsc", { address: `0xb${i}` }));
  const other = Array.from({ length: 5 }, (_, i) => row("eth", { address: `0xe${i}` }));
  const store = new FakeStore([evm, eth], [...other, ...bsc]);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(bsc) });
  const { log } = captureLog();

  store.settings.rowsPerRun = 7;

  const summary = await run({ store, readers, log }, {}, { chainId: "bsc" });

  assert.equal(summary.chain_id, "bsc");
  assert.equal(summary.claimed, 25, "the row cap no longer ends the run");
  assert.equal(summary.stopped, "drained");
  assert.deepEqual(Object.keys(summary.chains), ["bsc"]);
  assert.ok(other.every((r) => store.get(r.id).syncCount === 0));
  const claims = store.calls.filter((c) => c.op === "claim");
  for (const call of claims) {
    const args = call.args as { filter: unknown; limit: number };
    assert.deepEqual(args.filter, { chain_id: "bsc", scheduled: true });
    assert.ok(args.limit <= 7, `a claim of ${args.limit} rows is above the cap of rows held`);
  }
});

Deno.test("the run's CPU is in its summary, and a run past its CPU budget claims no more", async () => {
  const evm = chain("bsc", "evm");
  const rows = Array.from({ length: 30 }, (_, i) => row("bsc", { address: `0x${i}` }));
  const store = new FakeStore([evm], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(rows) });
  const { log } = captureLog();
  // Each claimed batch costs 300 ms of the process's CPU.
  let used = 0;
  const claim = store.claim.bind(store);
  store.claim = (...args) => {
    used += 300;
    return claim(...args);
  };

  const summary = await run(
    { store, readers, log, cpuBudget: new SharedCpuBudget(() => used) },
    // Before each claim 0, 300, 600, 900, 1,200 used: four batches start under 1,000.
    { cpuBudgetMs: 1000, batchSize: 5 },
    { chainId: "bsc" },
  );

  assert.equal(summary.stopped, "cpu");
  assert.equal(summary.batches, 4);
  assert.equal(typeof summary.cpu_ms, "number");
  assert.ok(summary.cpu_ms! >= 1000);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("the pg_net timeout holds under slow database calls late in the run: every call ends by 7/8 of it", async () => {
  const evm = chain("bsc", "evm");
  const tron = chain("tron", "tron", { maxRps: 2 });
  const evmRows = Array.from({ length: 20 }, (_, i) => row("bsc", { address: `0x${i}` }));
  const tronRows = Array.from({ length: 20 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([evm, tron], [...evmRows, ...tronRows]);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(evmRows) });
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 30, balances: balances(tronRows) });
  // Scaled 1:100: pg_net 400 ms, budget 250 ms, each DB call allowed 100 ms but taking 90 ms.
  store.delays = { claim: 90, record: 90, release: 90, release_chain: 90, due_chains: 5 };
  const { log } = captureLog();
  const pgNetTimeoutMs = 400;
  store.settings.pgNetTimeoutMs = pgNetTimeoutMs;
  const started = performance.now();

  // A write cut short by its timeout fails the run (503): still an answer, before pg_net's timeout.
  const outcome = await run({ store, readers, log }, {
    budgetMs: 250,
    storeTimeoutMs: 100,
    abortGraceMs: 20,
  }).then((summary) => summary.synced, (error: Error) => error);
  const ended = performance.now();

  const finishBy = finishByMs(pgNetTimeoutMs);
  assert.ok(store.calls.some((c) => c.at! - started > 250), "calls ran after the deadline");
  for (const call of store.calls) {
    assert.ok(call.timeoutMs !== undefined, `${call.op} has a timeout`);
    assert.ok(
      call.at! - started + call.timeoutMs! <= finishBy + 5,
      `${call.op} started at ${Math.round(call.at! - started)} ms with ${call.timeoutMs} ms`,
    );
  }
  assert.ok(
    ended - started < pgNetTimeoutMs,
    `the run answered after ${Math.round(ended - started)} ms (${outcome})`,
  );
});

Deno.test("logs stay within the platform's limits over a 5,000-row run at the default level", async () => {
  const evm = chain("bsc", "evm");
  const tron = chain("tron", "tron");
  const rows = Array.from({ length: 5000 }, (_, i) =>
    row(i % 2 ? "bsc" : "tron", {
      address: `a${i}`,
      // a long contract address makes every failure line long
      contractAddress: i % 7 === 0 ? "T".repeat(20_000) : null,
      isNative: i % 7 !== 0,
    }));
  const store = new FakeStore([evm, tron], rows);
  const readers = new FakeReaders();
  // Every third balance fails to read: 1,667 failures.
  const ok = new Map(rows.filter((_, i) => i % 3 !== 0).map((r) => [r.address!, 1n]));
  readers.behaviour.set("bsc", { kind: "balances", balances: ok });
  readers.behaviour.set("tron", { kind: "balances", balances: ok });
  const { log, raw } = captureLog("info");

  store.settings.rowsPerRun = 5000;
  const summary = await run({ store, readers, log }, { batchSize: 500 });

  assert.equal(summary.claimed, 5000);
  assert.ok(summary.failed > 1000);
  assert.ok(raw.length <= 100, `${raw.length} lines`);
  assert.ok(raw.every((line) => line.length <= MAX_LINE_CHARS));
  const lines = raw.map((l) => JSON.parse(l));
  const rowLines = lines.filter((l) => l.msg === "Wallet balance sync failed").length;
  assert.equal(rowLines, 20);
  const last = lines.at(-1);
  assert.equal(last.msg, "Balance sync run finished");
  assert.equal(last.log_lines_omitted, summary.failed - 20);
});

Deno.test("a forced run reads a rate-limited chain only under its lease: while another run holds it, those rows are busy", async () => {
  const evm = chain("bsc", "evm");
  const tron = chain("tron", "tron", { maxRps: 2 });
  const wallet = "40000000-0000-4000-8000-0000000000bb";
  const rows = [
    row("bsc", { walletId: wallet, address: "0xa" }),
    row("tron", { walletId: wallet, address: "TA" }),
  ];
  const store = new FakeStore([evm, tron], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(rows) });
  readers.behaviour.set("tron", { kind: "balances", balances: balances(rows) });
  const { log } = captureLog();
  // The fake's claim leaves a leased chain's rows alone only for non-holders; take it the way a
  // scheduled run would, after this run's claim would have seen it free.
  const claim = store.claim.bind(store);
  store.claim = async (options, call) => {
    const result = await claim(options, call);
    store.chainLeases.set("tron", "scheduled-run");
    return result;
  };

  const summary = await run({ store, readers, log }, {}, { filter: { wallet_id: wallet } });

  assert.equal(summary.synced, 1);
  assert.deepEqual(summary.busy_ids, [rows[1].id]);
  assert.equal(summary.chains.tron.lease, "busy");
  assert.deepEqual(readers.calls.map((c) => c.chain), ["bsc"]);
  assert.equal(store.lockedRows().length, 0);
  assert.equal(store.chainLeases.get("tron"), "scheduled-run", "the other run's lease is kept");
});

Deno.test("a scheduled run of a chain id that does not exist answers with a note, reading nothing", async () => {
  const store = new FakeStore([chain("bsc", "evm")], [row("bsc")]);
  const readers = new FakeReaders();
  const { log } = captureLog();
  const summary = await run({ store, readers, log }, {}, {
    chainId: "50000000-0000-4000-8000-000000000000",
  });
  assert.equal(summary.claimed, 0);
  assert.match(
    summary.chains["50000000-0000-4000-8000-000000000000"].note!,
    /no chain has this id/,
  );
  assert.deepEqual(store.ops(), ["run_settings", "acquire_chain"]);
});

Deno.test("a rate-limited chain's claims are sized to what its pace can read in the time left", async () => {
  const tron = chain("tron", "tron", { maxRps: 20 });
  const rows = Array.from({ length: 100 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([tron], rows);
  store.paceFromLease = true;
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 50, balances: balances(rows) });
  const { log } = captureLog();

  const summary = await run({ store, readers, log }, { batchSize: 100, budgetMs: 500 }, {
    chainId: "tron",
  });

  const limits = store.calls.filter((c) => c.op === "claim").map((c) =>
    (c.args as { limit: number }).limit
  );
  // 20 requests/s for at most 0.5 s: 10 rows, not the batch of 100.
  assert.ok(limits[0] <= 10, `first claim of ${limits[0]}`);
  assert.ok(summary.synced > 0);
  assert.ok(summary.released <= 10, `${summary.released} rows claimed and given back unread`);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("a line past 10,000 characters keeps its message and run_id, within the limit", async () => {
  const { createLogger } = await import("../../supabase/functions/balance-sync/log.ts");
  const lines: string[] = [];
  const log = createLogger({ sink: (line) => lines.push(line) }).child({ run_id: "run-1" });
  log.notice("Balance sync run finished", { chains: { a: "x".repeat(30_000) } });
  assert.equal(lines.length, 1);
  assert.ok(lines[0].length <= MAX_LINE_CHARS, `${lines[0].length} characters`);
  const parsed = JSON.parse(lines[0]);
  assert.equal(parsed.msg, "Balance sync run finished");
  assert.equal(parsed.run_id, "run-1");
  assert.ok(parsed.truncated_chars > 30_000);
});

Deno.test("over 40 chains with long notes the summary line stays whole, each chain in short", async () => {
  const chains = Array.from({ length: 40 }, (_, i) => chain(`chain-${i}`, "evm"));
  const rows = chains.map((c) => row(c.id, { address: `0x${c.id}` }));
  const store = new FakeStore(chains, rows);
  const readers = new FakeReaders();
  for (const c of chains) {
    readers.behaviour.set(c.id, {
      kind: "fail",
      error: new ReadError("transient", `node of ${c.id} is down: ${"detail ".repeat(40)}`),
    });
  }
  const { log, raw } = captureLog("info");
  const summary = await run({ store, readers, log });
  assert.equal(summary.failed, 40);
  const line = JSON.parse(raw.at(-1)!);
  assert.equal(line.msg, "Balance sync run finished");
  assert.ok(raw.at(-1)!.length <= MAX_LINE_CHARS);
  assert.equal(line.truncated_chars, undefined, "not cut: the line is whole");
  assert.equal(line.chains_in_short, true);
  assert.equal(Object.keys(line.chains).length, 40);
  assert.deepEqual(line.chains["chain-0"], {
    name: "chain-0",
    synced: 0,
    failed: 1,
    released: 0,
    stopped: "drained",
  });
});

Deno.test("a run whose chain lease ran out and was taken over stops at its next claim: no row claimed, the stop reason and the holder said", async () => {
  const tron = chain("tron", "tron", { maxRps: 50 });
  const rows = Array.from({ length: 12 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([tron], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "balances", balances: balances(rows) });
  // The run overruns its lease after its first batch: another run takes the chain over.
  const record = store.record.bind(store);
  store.record = async (...args) => {
    const outcome = await record(...args);
    store.leaseTakenOverBy.set("tron", "run-b");
    return outcome;
  };
  const { log, lines } = captureLog();

  const summary = await run({ store, readers, log }, { batchSize: 4 }, { chainId: "tron" });

  assert.equal(summary.stopped, "chain_lease_lost");
  assert.equal(summary.chains.tron.stopped, "chain_lease_lost");
  assert.equal(summary.chains.tron.lease, "lost");
  assert.match(summary.chains.tron.note!, /lease .* ran out and run run-b holds it/);
  assert.equal(summary.synced, 4, "the first batch was read and recorded");
  assert.equal(summary.batches, 1);
  assert.deepEqual(store.ops(), ["run_settings", "acquire_chain", "claim", "record", "claim"]);
  assert.equal(store.lockedRows().length, 0);
  assert.equal(store.chainLeases.get("tron"), "run-b", "the new holder's lease is left alone");
  assert.equal(
    lines.filter((l) => l.msg === "Chain lease lost; this run stops reading the chain").length,
    1,
  );
});

Deno.test("a run whose chain lease is taken over during a read records the rows it holds, then stops before claiming more", async () => {
  const tron = chain("tron", "tron", { maxRps: 50 });
  const rows = Array.from({ length: 12 }, (_, i) => row("tron", { address: `T${i}` }));
  const store = new FakeStore([tron], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "balances", balances: balances(rows, 5n) });
  const claim = store.claim.bind(store);
  store.claim = async (...args) => {
    const got = await claim(...args);
    store.leaseTakenOverBy.set("tron", "run-b");
    return got;
  };
  const { log } = captureLog();

  const summary = await run({ store, readers, log }, { batchSize: 4 }, { chainId: "tron" });

  assert.equal(summary.stopped, "chain_lease_lost");
  assert.equal(summary.chains.tron.lease, "lost");
  assert.equal(summary.synced, 4, "row leases still fence the balances: the batch is written");
  assert.equal(rows.filter((r) => store.get(r.id).raw === "5").length, 4);
  assert.deepEqual(store.ops(), ["run_settings", "acquire_chain", "claim", "record"]);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("a run over every chain reports a lost chain lease above its other chains' stop reasons", async () => {
  const { tronRows, evmRows, store } = pacedAndUnpaced(50, 6);
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "balances", balances: balances(tronRows) });
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(evmRows) });
  store.leaseTakenOverBy.set("tron", "run-b");
  const { log } = captureLog();

  const summary = await run({ store, readers, log }, { batchSize: 4 });

  assert.equal(summary.chains.bsc.stopped, "drained");
  assert.equal(summary.chains.bsc.synced, 6);
  assert.equal(summary.chains.tron.stopped, "chain_lease_lost");
  assert.equal(summary.chains.tron.synced, 0);
  assert.equal(summary.stopped, "chain_lease_lost");
});

Deno.test("a paced chain's scheduled run reads past the budget until just before the next tick; an unpaced one keeps the budget", async () => {
  const { tronRows, evmRows, store } = pacedAndUnpaced(20, 100);
  store.paceFromLease = true;
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "paced", msPerQuery: 20, balances: balances(tronRows) });
  readers.behaviour.set("bsc", { kind: "paced", msPerQuery: 20, balances: balances(evmRows) });
  const { log } = captureLog();
  // The next tick is 2 s after this one: the paced run may read until 1 s before it.
  const settings = { budgetMs: 300 };
  store.settings.minIntervalSeconds = 2;
  const tickAt = new Date().toISOString();

  const started = performance.now();
  const paced = await run({ store, readers, log }, settings, { chainId: "tron", tickAt });
  const pacedMs = performance.now() - started;
  const unpaced = await run({ store, readers, log }, settings, { chainId: "bsc", tickAt });

  assert.equal(paced.stopped, "budget");
  // Batches of 10 rows take 200 ms: the last one starts only while it can end by the deadline.
  assert.ok(pacedMs >= 700, `the paced run ended after ${pacedMs} ms`);
  assert.ok(pacedMs < 1900, "and before the next tick");
  assert.ok(paced.synced >= 30, `${paced.synced} read: far more than 300 ms allow at 20 ms each`);
  assert.equal(unpaced.stopped, "budget");
  assert.ok(unpaced.duration_ms < 800, `the unpaced run took ${unpaced.duration_ms} ms`);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("a paced run that set its CPU aside reads on past a shared budget the bulk runs used up; an unpaced run stops", async () => {
  const { tronRows, evmRows, store } = pacedAndUnpaced(10, 20);
  store.paceFromLease = true;
  const readers = new FakeReaders();
  readers.behaviour.set("tron", { kind: "balances", balances: balances(tronRows) });
  readers.behaviour.set("bsc", { kind: "balances", balances: balances(evmRows) });
  const { log } = captureLog();
  // Other runs of the window used 820 ms of an 800 ms budget before these start.
  let cpu = 0;
  const budget = new SharedCpuBudget(() => cpu);
  const bulk = budget.begin();
  cpu = 820;
  const settings = { cpuBudgetMs: 800, batchSize: 5 };

  const paced = await run({ store, readers, log, cpuBudget: budget }, settings, {
    chainId: "tron",
  });
  const unpaced = await run({ store, readers, log, cpuBudget: budget }, settings, {
    chainId: "bsc",
  });
  bulk.end();

  assert.equal(paced.synced, 20, "the paced run read its rows");
  assert.equal(unpaced.stopped, "cpu");
  assert.equal(unpaced.synced, 0);
  assert.equal(store.lockedRows().length, 0);
});
