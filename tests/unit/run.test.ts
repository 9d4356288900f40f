import assert from "node:assert/strict";
import { ReadError } from "../../supabase/functions/balance-sync/chains/errors.ts";
import { createReaderRegistry } from "../../supabase/functions/balance-sync/chains/readers.ts";
import {
  type Claim,
  type ClaimOptions,
  type RowResult,
  StoreUnavailable,
} from "../../supabase/functions/balance-sync/db/store.ts";
import {
  captureLog,
  chain,
  FAKE_RUN_ID,
  FakeReaders,
  FakeStore,
  row,
  syncWithFakes,
} from "./fakes.ts";

function setup() {
  const evm = chain("bsc", "evm");
  const tron = chain("tron", "tron");
  const readers = new FakeReaders();
  const { log, lines, raw } = captureLog();
  return { evm, tron, readers, log, lines, raw };
}

const recordCalls = (store: FakeStore) =>
  store.calls.filter((c) => c.op === "record").map((c) =>
    (c.args as { results: RowResult[] }).results
  );

/** A scheduled run's first calls when both chains have rows due: one claim per chain. */
const BOTH_CHAINS_CLAIMED = ["run_settings", "due_chains", "claim", "claim"];

Deno.test("run reads both families and records every balance exactly, one claim and record per chain", async () => {
  const { evm, tron, readers, log } = setup();
  const max = 2n ** 256n - 1n;
  const rows = [
    row("bsc", { address: "0xa" }),
    row("bsc", { address: "0xb", isNative: false, contractAddress: "0xtoken", decimals: 6 }),
    row("tron", { address: "TA", decimals: 6 }),
    row("tron", { address: "TB", isNative: false, contractAddress: "TToken", decimals: 0 }),
  ];
  const store = new FakeStore([evm, tron], rows);
  readers.behaviour.set("bsc", {
    kind: "balances",
    block: 2n ** 60n,
    balances: new Map([["0xa", 2n ** 53n + 1n], ["0xb", max]]),
  });
  readers.behaviour.set("tron", {
    kind: "balances",
    block: 77n,
    balances: new Map([["TA", 1_000_001n], ["TB", 0n]]),
  });

  const summary = await syncWithFakes({ store, readers, log });

  assert.deepEqual(store.ops(), [...BOTH_CHAINS_CLAIMED, "record", "record"]);
  const results = recordCalls(store).flat();
  assert.deepEqual(
    new Map(results.map((r) => [r.id, r])),
    new Map<string, RowResult>([
      [rows[0].id, {
        id: rows[0].id,
        raw: "9007199254740993",
        human: "0.009007199254740993",
        block: "1152921504606846976",
      }],
      [rows[1].id, {
        id: rows[1].id,
        raw: max.toString(),
        human: `${max.toString().slice(0, -6)}.${max.toString().slice(-6)}`,
        block: "1152921504606846976",
      }],
      [rows[2].id, { id: rows[2].id, raw: "1000001", human: "1.000001", block: "77" }],
      [rows[3].id, { id: rows[3].id, raw: "0", human: "0", block: "77" }],
    ]),
  );
  assert.equal(store.lockedRows().length, 0);
  assert.equal(summary.claimed, 4);
  assert.equal(summary.synced, 4);
  assert.equal(summary.failed, 0);
  assert.equal(summary.batches, 2);
  assert.equal(summary.stopped, "drained");
  assert.equal(summary.kind, "scheduled");
  assert.equal(summary.chains.bsc.block, "1152921504606846976");
  assert.equal(summary.chains.bsc.rows, 2);
  assert.equal(summary.chains.tron.rpc_requests, 1);
  assert.equal(summary.chains.tron.mode, "multicall");
  assert.equal(summary.rows, undefined);
  // The fencing token is the run id, so locked_by traces a lease back to its run.
  assert.equal((store.calls[2].args as { runId: string }).runId, FAKE_RUN_ID);
});

Deno.test("run records rows flagged by the claim as configuration errors without reading them", async () => {
  const { evm, readers, log } = setup();
  const broken = row("bsc", { address: null, configError: "wallet has 2 active addresses" });
  const noContract = row("bsc", {
    isNative: false,
    contractAddress: null,
    configError: "token has no contract_address",
  });
  const good = row("bsc", { address: "0xa" });
  const store = new FakeStore([evm], [broken, noContract, good]);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 5n]]) });

  const summary = await syncWithFakes({ store, readers, log });

  assert.equal(readers.calls.length, 1);
  assert.deepEqual(readers.calls[0].queries.map((q) => q.key), [good.id]);
  assert.equal(store.get(broken.id).lastError, "wallet has 2 active addresses");
  assert.equal(store.get(broken.id).errorCount, 1);
  assert.match(store.get(noContract.id).lastError!, /contract_address/);
  const [results] = recordCalls(store);
  assert.deepEqual(
    results.filter((r) => "error" in r).map((r) => "error" in r && r.error_class),
    ["configuration", "configuration"],
  );
  assert.equal(summary.failed, 2);
  assert.equal(summary.synced, 1);
  assert.deepEqual(summary.chains.bsc.errors_by_class, { configuration: 2 });
});

Deno.test("run groups rows by chain: one read per chain per batch, with that chain's queries", async () => {
  const { readers, log } = setup();
  const chains = [chain("a", "evm"), chain("b", "evm"), chain("c", "tron")];
  const rows = [
    row("a"),
    row("b"),
    row("a"),
    row("c"),
    row("b", {
      isNative: false,
      contractAddress: "0xt",
    }),
  ];
  const store = new FakeStore(chains, rows);
  for (const c of chains) {
    readers.behaviour.set(c.id, {
      kind: "balances",
      balances: new Map(rows.map((r) => [r.address!, 1n])),
    });
  }

  await syncWithFakes({ store, readers, log });

  const byChain = new Map(readers.calls.map((c) => [c.chain, c.queries]));
  assert.equal(readers.calls.length, 3);
  assert.deepEqual(byChain.get("a")!.map((q) => q.key), [rows[0].id, rows[2].id]);
  assert.deepEqual(byChain.get("b")!.map((q) => [q.key, q.token]), [
    [rows[1].id, null],
    [rows[4].id, "0xt"],
  ]);
  assert.deepEqual(byChain.get("c")!.map((q) => q.address), [rows[3].address]);
  assert.deepEqual(readers.loaded.sort(), ["evm", "evm", "tron"]);
});

Deno.test("run reads all chains in parallel", async () => {
  const { evm, tron, readers, log } = setup();
  const rows = [row("bsc"), row("tron")];
  const store = new FakeStore([evm, tron], rows);
  const balances = new Map(rows.map((r) => [r.address!, 1n]));
  readers.behaviour.set("bsc", { kind: "balances", balances });
  readers.behaviour.set("tron", { kind: "balances", balances });
  // Each chain answers only once the other has started: a sequential run would stall until its
  // budget ran out and release the rows instead of syncing them.
  let started = 0;
  let bothStarted!: () => void;
  const barrier = new Promise<void>((resolve) => (bothStarted = resolve));
  const originalReader = readers.reader;
  readers.reader = (c, q, o) => {
    if (++started === 2) bothStarted();
    return barrier.then(() => originalReader(c, q, o));
  };

  const summary = await syncWithFakes({ store, readers, log }, { budgetMs: 3_000 });

  assert.equal(summary.synced, 2);
  assert.equal(summary.released, 0);
});

Deno.test("run releases the rows of a chain still reading when the budget runs out", async () => {
  const { evm, tron, readers, log } = setup();
  const fast = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  const slow = [row("tron", { address: "TA" }), row("tron", { address: "TB" })];
  const store = new FakeStore([evm, tron], [...fast, ...slow]);
  readers.behaviour.set("bsc", {
    kind: "balances",
    balances: new Map([["0xa", 1n], ["0xb", 2n]]),
  });
  readers.behaviour.set("tron", { kind: "hang-until-abort" });

  const summary = await syncWithFakes({ store, readers, log }, { budgetMs: 100 });

  assert.deepEqual(store.ops(), [...BOTH_CHAINS_CLAIMED, "record", "release"]);
  const released = store.calls[5].args as { ids: string[] };
  assert.deepEqual(released.ids.sort(), slow.map((r) => r.id).sort());
  assert.equal(store.lockedRows().length, 0, "no row stays in processing");
  for (const r of slow) {
    assert.equal(store.get(r.id).errorCount, 0, "our own abort is not the chain's error");
  }
  assert.deepEqual(fast.map((r) => store.get(r.id).raw), ["1", "2"]);
  assert.equal(summary.released, 2);
  assert.equal(summary.synced, 2);
  assert.equal(summary.failed, 0);
  assert.equal(summary.stopped, "budget");
  assert.ok(readers.calls.every((c) => c.options?.signal?.aborted), "readers saw the deadline");
});

Deno.test("run does not wait for a reader that ignores the deadline", async () => {
  const { evm, readers, log } = setup();
  const rows = [row("bsc"), row("bsc")];
  const store = new FakeStore([evm], rows);
  readers.behaviour.set("bsc", { kind: "hang" });

  const summary = await syncWithFakes({ store, readers, log }, { budgetMs: 50 });

  assert.deepEqual(store.ops(), ["run_settings", "due_chains", "claim", "release"]);
  assert.equal(summary.released, 2);
  assert.equal(store.lockedRows().length, 0);
  assert.equal(summary.chains.bsc.released, 2);
  assert.match(summary.chains.bsc.note!, /budget/);
});

Deno.test("run keeps claiming while full batches come back and the batch cap allows", async () => {
  const { evm, readers, log } = setup();
  const rows = Array.from({ length: 5 }, (_, i) => row("bsc", { address: `0x${i}` }));
  readers.behaviour.set("bsc", {
    kind: "balances",
    // Per call: the claims keep the configured batch (a multicall chain's grow: run/caps.ts).
    mode: "per-call",
    balances: new Map(rows.map((r) => [r.address!, 3n])),
  });

  const drained = new FakeStore([evm], rows);
  const all = await syncWithFakes({ store: drained, readers, log }, { batchSize: 2 });
  assert.deepEqual(drained.ops(), [
    "run_settings",
    "due_chains",
    "claim",
    "record",
    "claim",
    "record",
    "claim",
    "record",
  ]);
  assert.equal(all.batches, 3);
  assert.equal(all.synced, 5);
  assert.equal(all.stopped, "drained");

  const capped = new FakeStore([evm], rows);
  const some = await syncWithFakes({ store: capped, readers, log }, {
    batchSize: 2,
    maxBatches: 2,
  });
  assert.equal(some.batches, 2);
  assert.equal(some.synced, 4);
  assert.equal(some.stopped, "max_batches");
  assert.equal(capped.rows.filter((r) => r.syncCount === 0).length, 1);
  assert.equal(capped.lockedRows().length, 0);
});

Deno.test("run over no due rows asks which chains are due, claims nothing and returns zeros", async () => {
  const { evm, readers, log } = setup();
  const store = new FakeStore([evm], []);
  const summary = await syncWithFakes({ store, readers, log });
  assert.deepEqual(store.ops(), ["run_settings", "due_chains"]);
  assert.equal(readers.calls.length, 0);
  assert.deepEqual(
    [summary.claimed, summary.synced, summary.failed, summary.released, summary.batches],
    [0, 0, 0, 0, 0],
  );
  assert.deepEqual(summary.chains, {});
});

Deno.test("forced run claims once with its filter, reports busy rows and lists every row", async () => {
  const { evm, tron, readers, log } = setup();
  const wallet = "40000000-0000-4000-8000-000000000001";
  const mine = [
    row("bsc", { walletId: wallet, address: "0xa" }),
    row("tron", { walletId: wallet, address: "TA", isNative: false, contractAddress: "TT" }),
    row("tron", { walletId: wallet, address: "TB" }),
  ];
  const held = row("bsc", { walletId: wallet, address: "0xb" });
  const other = row("bsc", { address: "0xc" });
  const store = new FakeStore([evm, tron], [...mine, held, other]);
  store.get(held.id).lockedBy = "another-run";
  readers.behaviour.set("bsc", {
    kind: "balances",
    block: 9n,
    balances: new Map([["0xa", 10n ** 18n]]),
  });
  readers.behaviour.set("tron", {
    kind: "balances",
    block: 5n,
    balances: new Map([["TA", 1n]]),
  });

  const summary = await syncWithFakes({ store, readers, log }, { batchSize: 1 }, {
    filter: { wallet_id: wallet },
  });

  assert.deepEqual(store.ops(), ["run_settings", "claim", "record"]);
  const claimArgs = store.calls[1].args as { filter: unknown; limit: number };
  assert.deepEqual(claimArgs.filter, { wallet_id: wallet });
  assert.equal(claimArgs.limit, 1000);
  assert.equal(summary.kind, "forced");
  assert.equal(summary.stopped, "forced");
  assert.equal(summary.busy, 1);
  assert.deepEqual(summary.busy_ids, [held.id]);
  assert.equal(store.get(held.id).lockedBy, "another-run", "a live lease is not stolen");
  assert.equal(store.get(other.id).syncCount, 0);
  const reports = new Map(summary.rows!.map((r) => [r.id, r]));
  assert.equal(reports.size, 3);
  assert.deepEqual(
    [reports.get(mine[0].id)!.status, reports.get(mine[0].id)!.raw, reports.get(mine[0].id)!.human],
    ["synced", "1000000000000000000", "1"],
  );
  assert.equal(reports.get(mine[0].id)!.block, "9");
  assert.equal(reports.get(mine[1].id)!.asset_type, "token");
  assert.equal(reports.get(mine[1].id)!.human, "0.000000000000000001");
  assert.equal(reports.get(mine[2].id)!.status, "failed");
  assert.equal(reports.get(mine[2].id)!.error_class, "permanent");
  assert.equal(reports.get(mine[2].id)!.error, "no such account");
});

Deno.test("one chain's failure is recorded for its rows only; the other chain syncs", async () => {
  const { evm, tron, readers, log } = setup();
  const good = [row("bsc", { address: "0xa" })];
  const down = [row("tron"), row("tron")];
  const store = new FakeStore([evm, tron], [...good, ...down]);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n]]) });
  readers.behaviour.set("tron", {
    kind: "fail",
    error: new ReadError("transient", "HTTP 503 from http://tron.invalid", { status: 503 }),
  });

  const summary = await syncWithFakes({ store, readers, log });

  for (const r of down) {
    assert.equal(store.get(r.id).errorCount, 1);
    assert.equal(store.get(r.id).lastError, "HTTP 503 from http://tron.invalid");
  }
  assert.equal(store.get(good[0].id).syncCount, 1);
  assert.deepEqual(summary.chains.tron.errors_by_class, { transient: 2 });
  assert.deepEqual(summary.chains.bsc.errors_by_class, {});
  assert.equal(summary.failed, 2);
  assert.equal(summary.synced, 1);
});

Deno.test("a reader that fails to load or rejects fails only its own chain", async () => {
  const { evm, tron, readers, log } = setup();
  const rows = [row("bsc", { address: "0xa" }), row("tron")];
  const store = new FakeStore([evm, tron], rows);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n]]) });
  const registry = createReaderRegistry({
    evm: () => Promise.resolve(readers.reader),
    tron: () => Promise.reject(new Error("Cannot find module tronweb")),
  });

  const summary = await syncWithFakes({ store, readers: registry, log });

  assert.match(
    store.get(rows[1].id).lastError!,
    /tron read failed unexpectedly: the reader could not load: Cannot find module tronweb/,
  );
  assert.equal(store.get(rows[0].id).syncCount, 1);
  assert.equal(summary.failed, 1);
  assert.equal(store.lockedRows().length, 0);
});

Deno.test("a reader answer missing a row records that row as an error", async () => {
  const { evm, readers, log } = setup();
  const rows = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  const store = new FakeStore([evm], rows);
  readers.reader = (_c, queries) =>
    Promise.resolve({
      block: 1n,
      requests: 1,
      mode: "multicall",
      outcomes: [{ key: queries[0].key, ok: true, raw: 4n }],
    });
  await syncWithFakes({ store, readers, log });
  assert.equal(store.get(rows[0].id).raw, "4");
  assert.match(store.get(rows[1].id).lastError!, /no outcome/);
});

Deno.test("a balance that cannot be converted is a configuration error, not a crash", async () => {
  const { evm, readers, log } = setup();
  const rows = [row("bsc", { address: "0xa", decimals: 99 }), row("bsc", { address: "0xb" })];
  const store = new FakeStore([evm], rows);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });
  const summary = await syncWithFakes({ store, readers, log });
  assert.match(
    store.get(rows[0].id).lastError!,
    /cannot convert balance: decimals must be an integer from 0 to 77, got 99/,
  );
  assert.equal(store.get(rows[1].id).raw, "2");
  assert.deepEqual(summary.chains.bsc.errors_by_class, { configuration: 1 });
});

Deno.test("a failed record gives the batch's leases back and surfaces StoreUnavailable", async () => {
  const { evm, readers, log, lines } = setup();
  const rows = [row("bsc", { address: "0xa" })];
  const store = new FakeStore([evm], rows);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n]]) });
  store.failOn.record = new StoreUnavailable("balance_sync_record", "fetch failed");

  await assert.rejects(
    syncWithFakes({ store, readers, log }),
    StoreUnavailable,
  );
  assert.deepEqual(store.ops(), ["run_settings", "due_chains", "claim", "record", "release"]);
  assert.equal(store.lockedRows().length, 0);
  assert.ok(!lines.some((l) => l.msg === "Balance sync run finished"));
});

Deno.test("a failed claim surfaces StoreUnavailable with nothing to release", async () => {
  const { evm, readers, log } = setup();
  const store = new FakeStore([evm], [row("bsc")]);
  store.failOn.claim = new StoreUnavailable("balance_sync_claim", "connection refused", null, 0);
  await assert.rejects(
    syncWithFakes({ store, readers, log }),
    /balance_sync_claim: connection refused/,
  );
  assert.deepEqual(store.ops(), ["run_settings", "due_chains", "claim"]);
});

Deno.test("run logs the seed's per-row messages at debug with their fields, and one summary line", async () => {
  const { evm, tron, readers, log, lines } = setup();
  const native = row("bsc", { address: "0xa" });
  const token = row("tron", {
    address: "TA",
    isNative: false,
    contractAddress: "TTokenContract",
    decimals: 6,
  });
  const failing = row("tron", { address: "TB" });
  const store = new FakeStore([evm, tron], [native, token, failing]);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n]]) });
  readers.behaviour.set("tron", { kind: "balances", balances: new Map([["TA", 2n]]) });

  await syncWithFakes({ store, readers, log });

  const find = (msg: string, id: string) =>
    lines.find((l) => l.msg === msg && l.wallet_balance_id === id);
  const nativeLine = find("Fetched native asset balance", native.id)!;
  assert.equal(nativeLine.level, "debug");
  assert.equal(nativeLine.asset_type, "native");
  assert.equal(nativeLine.asset_on_chain_id, native.assetOnChainId);
  assert.equal(nativeLine.asset_id, native.assetId);
  assert.equal(nativeLine.contract_address, null);
  assert.equal(nativeLine.chain, "bsc");
  assert.equal(nativeLine.raw, "1");
  const tokenLine = find("Fetched token asset balance", token.id)!;
  assert.equal(tokenLine.asset_type, "token");
  assert.equal(tokenLine.contract_address, "TTokenContract");
  assert.equal(tokenLine.human, "0.000002");
  assert.ok(find("Wallet balance synced successfully", native.id));
  assert.ok(find("Wallet balance synced successfully", token.id));
  assert.ok(!find("Wallet balance synced successfully", failing.id));
  const failed = find("Wallet balance sync failed", failing.id)!;
  assert.equal(failed.level, "warn");
  assert.equal(failed.error_class, "permanent");

  const summaries = lines.filter((l) => l.msg === "Balance sync run finished");
  assert.equal(summaries.length, 1);
  assert.equal(summaries[0].level, "notice");
  assert.equal(summaries[0].synced, 2);
  assert.equal(summaries[0].failed, 1);
  assert.ok(lines.every((l) => l.run_id === undefined || l.run_id === FAKE_RUN_ID));
});

Deno.test("at level notice a run writes only its summary and its failures", async () => {
  const { evm, readers } = setup();
  const { log, lines } = captureLog("notice");
  const rows = Array.from({ length: 20 }, (_, i) => row("bsc", { address: `0x${i}` }));
  rows.push(row("bsc", { address: "missing" }));
  const store = new FakeStore([evm], rows);
  readers.behaviour.set("bsc", {
    kind: "balances",
    balances: new Map(rows.slice(0, 20).map((r) => [r.address!, 1n])),
  });
  await syncWithFakes({ store, readers, log });
  assert.deepEqual(lines.map((l) => l.msg), [
    "Wallet balance sync failed",
    "Balance sync run finished",
  ]);
});

Deno.test("rows whose result the database refuses as invalid are released, not left leased", async () => {
  const { evm, readers, log, lines } = setup();
  const rows = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  const store = new FakeStore([evm], rows);
  store.invalidIds.add(rows[1].id);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });

  const summary = await syncWithFakes({ store, readers, log });

  assert.deepEqual(store.ops(), ["run_settings", "due_chains", "claim", "record", "release"]);
  assert.deepEqual((store.calls[4].args as { ids: string[] }).ids, [rows[1].id]);
  assert.equal(store.lockedRows().length, 0);
  assert.equal(summary.invalid, 1);
  assert.equal(summary.released, 1);
  assert.ok(lines.some((l) => l.msg === "Not every result was applied" && l.level === "warn"));
});

Deno.test("a forced run reports a row taken over by another run as lost, not synced", async () => {
  const { evm, readers, log, lines } = setup();
  const wallet = "40000000-0000-4000-8000-0000000000aa";
  const kept = row("bsc", { walletId: wallet, address: "0xa" });
  const taken = row("bsc", { walletId: wallet, address: "0xb" });
  const store = new FakeStore([evm], [kept, taken]);
  readers.behaviour.set("bsc", {
    kind: "balances",
    block: 3n,
    balances: new Map([["0xa", 1n], ["0xb", 2n]]),
  });
  const stealing = async (family: "evm" | "tron") => {
    const reader = await readers.registry(family);
    return (...args: Parameters<typeof reader>) => {
      store.get(taken.id).lockedBy = "another-run";
      return reader(...args);
    };
  };

  const summary = await syncWithFakes({ store, readers: stealing, log }, {}, {
    filter: { wallet_id: wallet },
  });

  assert.equal(summary.synced, 1);
  assert.equal(summary.lost, 1);
  const status = new Map(summary.rows!.map((r) => [r.id, r.status]));
  assert.deepEqual([status.get(kept.id), status.get(taken.id)], ["synced", "lost"]);
  const synced = lines.filter((l) => l.msg === "Wallet balance synced successfully");
  assert.deepEqual(synced.map((l) => l.wallet_balance_id), [kept.id]);
  assert.ok(lines.some((l) =>
    l.msg === "Wallet balance not written: another run holds it now" &&
    l.wallet_balance_id === taken.id
  ));
});

Deno.test("refused rows stay on the run's release list when their first release fails", async () => {
  const { evm, readers, log } = setup();
  const rows = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  const store = new FakeStore([evm], rows);
  store.invalidIds.add(rows[1].id);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });
  const release = store.release.bind(store);
  let releases = 0;
  store.release = (runId, ids) =>
    ++releases === 1
      ? Promise.reject(new StoreUnavailable("release", "connection reset", null, 503))
      : release(runId, ids);

  await assert.rejects(
    syncWithFakes({ store, readers, log }),
    StoreUnavailable,
  );
  assert.equal(releases, 2);
  assert.deepEqual(store.lockedRows(), [], "the final release gave the refused row back");
});

Deno.test("run: a row the database refuses counts as failed with the database's reason; the rest is synced", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log, lines } = captureLog();
  const wallet = "40000000-0000-4000-8000-0000000000bb";
  const rows = [
    row("bsc", { walletId: wallet, address: "0xa" }),
    row("bsc", { walletId: wallet, address: "0xb" }),
  ];
  const store = new FakeStore([evm], rows);
  store.refusedIds.add(rows[1].id);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });

  const summary = await syncWithFakes({ store, readers, log }, {}, {
    filter: { wallet_id: wallet },
  });

  assert.deepEqual(
    store.ops(),
    ["run_settings", "claim", "record"],
    "the database released it: no release call",
  );
  assert.equal(summary.synced, 1);
  assert.equal(summary.failed, 1);
  assert.equal(summary.released, 0);
  assert.deepEqual(
    {
      synced: summary.chains.bsc.synced,
      failed: summary.chains.bsc.failed,
      errors: summary.chains.bsc.errors_by_class,
    },
    { synced: 1, failed: 1, errors: { permanent: 1 } },
  );
  const refused = summary.rows!.find((r) => r.id === rows[1].id)!;
  assert.equal(refused.status, "failed");
  assert.equal(refused.error, "refused by the database: wallet is frozen");
  assert.equal(refused.raw, undefined);
  assert.ok(lines.some((l) =>
    l.msg === "Wallet balance not written: the database refused it" &&
    l.wallet_balance_id === rows[1].id
  ));
  assert.equal(store.get(rows[1].id).errorCount, 1);
});

Deno.test("run: a balance read without a block is failed by the run and never sent as a balance", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log } = captureLog();
  const rows = [row("bsc", { address: "0xa" })];
  const store = new FakeStore([evm], rows);
  const blockless = () =>
    Promise.resolve<Awaited<ReturnType<typeof readers.reader>>>({
      block: null,
      requests: 1,
      mode: "per-call",
      outcomes: [{ key: rows[0].id, ok: true, raw: 5n }],
    });

  const summary = await syncWithFakes({ store, readers: () => Promise.resolve(blockless), log });

  const sent = store.calls.filter((c) => c.op === "record").flatMap((c) =>
    (c.args as { results: RowResult[] }).results
  );
  assert.equal(sent.length, 1);
  assert.ok("error" in sent[0], "recorded as an error, not as a balance");
  assert.match((sent[0] as { error: string }).error, /no block/);
  assert.equal(summary.synced, 0);
  assert.equal(summary.failed, 1);
});

const MISSING = "00000000-0000-4000-8000-00000000dead";

Deno.test("a forced run lists the ids that match no row as unknown_ids and syncs the others", async () => {
  const evm = chain("bsc", "evm");
  const known = row("bsc", { address: "0xa" });
  const store = new FakeStore([evm], [known]);
  const realClaim = store.claim.bind(store);
  store.claim = async (options: ClaimOptions): Promise<Claim> => ({
    ...(await realClaim(options)),
    unknownIds: [MISSING],
  });
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 7n]]) });
  const { log, lines } = captureLog();
  const summary = await syncWithFakes({ store, readers, log }, {}, {
    filter: { wallet_balance_ids: [known.id, MISSING] },
  });
  assert.deepEqual(summary.unknown_ids, [MISSING]);
  assert.equal(summary.synced, 1);
  const finished = lines.find((l) => l.msg === "Balance sync run finished");
  assert.ok(finished && !("unknown_ids" in finished), "the ids stay out of the summary line");
  assert.ok(lines.some((l) => l.msg === "Force-sync named ids that match no row"));
});

Deno.test("a scheduled run sends its tick with every balance it records; a forced run sends none", async () => {
  const rows = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  const tick = "2026-12-06T10:00:00Z";
  for (const forced of [false, true]) {
    const store = new FakeStore([chain("bsc", "evm")], rows.map((r) => ({ ...r })));
    const readers = new FakeReaders();
    readers.behaviour.set("bsc", {
      kind: "balances",
      balances: new Map([["0xa", 1n], ["0xb", 2n]]),
    });
    const { log } = captureLog();
    await syncWithFakes({ store, readers, log }, {}, {
      tickAt: forced ? null : tick,
      ...(forced ? { filter: { chain_id: "bsc" } } : { chainId: "bsc" }),
    });
    const recorded = store.calls.filter((c) => c.op === "record")
      .flatMap((c) => (c.args as { results: { tick_at?: string }[] }).results);
    assert.equal(recorded.length, 2);
    for (const r of recorded) assert.equal(r.tick_at, forced ? undefined : tick);
  }
});
