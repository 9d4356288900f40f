/**
 * The run's side of rows the database refuses outside record: a claim that could not lease some
 * rows (parked by the database, listed in `refused`), and rows record reports lost while the run
 * still holds them (another service changed the balance under the statement).
 */
import assert from "node:assert/strict";
import { parseClaim } from "../../supabase/functions/balance-sync/db/store.ts";
import { captureLog, chain, FakeReaders, FakeStore, row, syncWithFakes } from "./fakes.ts";

Deno.test("run: rows whose lease the database refuses are skipped; the chain's other rows sync in the same run", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log, lines } = captureLog();
  const rows = Array.from({ length: 4 }, (_, i) => row("bsc", { address: `0x${i}` }));
  readers.behaviour.set("bsc", {
    kind: "balances",
    balances: new Map(rows.map((r) => [r.address!, 5n])),
  });
  const store = new FakeStore([evm], rows);
  // The first batch (2 rows) is refused whole: the claim hands out nothing.
  store.leaseRefusedIds.add(rows[0].id);
  store.leaseRefusedIds.add(rows[1].id);

  const summary = await syncWithFakes({ store, readers, log }, { batchSize: 2 });

  assert.equal(summary.synced, 2, "the rows behind the refused ones are synced");
  assert.deepEqual(
    store.rows.filter((r) => r.syncCount === 1).map((r) => r.id),
    [rows[2].id, rows[3].id],
  );
  assert.equal(summary.failed, 2);
  assert.equal(summary.claimed, 2);
  assert.equal(store.lockedRows().length, 0);
  const line = lines.find((l) =>
    l.msg === "Wallet balances not claimed: the database refused their lease"
  );
  assert.ok(line, "one line names the refused rows");
  assert.equal(line.refused, 2);
});

Deno.test("run: a row record reports lost but the run still holds is released in the same run", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log } = captureLog();
  const rows = [row("bsc", { address: "0xa" }), row("bsc", { address: "0xb" })];
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });
  const store = new FakeStore([evm], rows);
  store.changedUnderIds.add(rows[1].id);

  const summary = await syncWithFakes({ store, readers, log });

  assert.equal(summary.lost, 1);
  assert.equal(summary.synced, 1);
  assert.deepEqual(store.lockedRows(), [], "the lost row is not left leased until it expires");
  const release = store.calls.find((c) => c.op === "release");
  assert.deepEqual((release?.args as { ids: string[] }).ids, [rows[1].id]);
  assert.equal(summary.released, 1);
});

Deno.test("store: the claim's refused rows are parsed with their reason", () => {
  const claim = parseClaim({
    rows: [],
    chains: {},
    busy: [],
    refused: [{ id: "00000000-0000-4000-8000-000000000001", reason: "row is frozen" }],
  });
  assert.deepEqual(claim.refused, [
    { id: "00000000-0000-4000-8000-000000000001", reason: "row is frozen" },
  ]);
  assert.deepEqual(parseClaim({ rows: [] }).refused, []);
});
