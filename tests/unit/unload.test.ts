/**
 * The worker's life in the Edge Runtime: runs told to end by `beforeunload` give back what they
 * hold within a bounded time, and the run history is written after the answer where the runtime
 * can keep the worker up for it (EdgeRuntime.waitUntil).
 */
import assert from "node:assert/strict";
import type { Operations, RunEnd } from "../../supabase/functions/balance-sync/db/store.ts";
import {
  InFlightRuns,
  stopRunsOnUnload,
  UNLOAD_RELEASE_MS,
} from "../../supabase/functions/balance-sync/run/unload.ts";
import { chain, FAKE_KEYS, FakeReaders, FakeStore, handlerWithFakes, row } from "./fakes.ts";

const post = (body: unknown = {}) =>
  new Request("http://f.local/functions/v1/balance-sync", {
    method: "POST",
    headers: { authorization: `Bearer ${FAKE_KEYS.serviceRole}` },
    body: JSON.stringify(body),
  });

const beforeunload = (reason: string) =>
  new CustomEvent("beforeunload", { cancelable: true, detail: { reason } });

const PACED = "00000000-0000-4000-8000-00000000c0a1";
const PLAIN = "00000000-0000-4000-8000-00000000c0a2";

/** Two chains mid-read: one paced (holds its chain lease), one plain; both hang until aborted. */
function midReadWorld() {
  const rows = [
    ...Array.from({ length: 6 }, (_, i) => row(PACED, { address: `T${i}` })),
    ...Array.from({ length: 6 }, (_, i) => row(PLAIN, { address: `0x${i}` })),
  ];
  const store = new FakeStore([
    chain(PACED, "tron", { maxRps: 5 }),
    chain(PLAIN, "evm"),
  ], rows);
  const readers = new FakeReaders();
  readers.behaviour.set(PACED, { kind: "hang-until-abort" });
  readers.behaviour.set(PLAIN, { kind: "hang-until-abort" });
  return { store, readers };
}

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("beforeunload stops every run in flight: rows and chain leases are given back within the bounded time, and the runs say why", async () => {
  const { store, readers } = midReadWorld();
  const inFlight = new InFlightRuns();
  const target = new EventTarget();
  const stops: string[] = [];
  stopRunsOnUnload(inFlight, (reason) => stops.push(reason), target, null);
  const { handler } = handlerWithFakes(store, readers, { inFlight, waitUntil: null });

  // dispatch's two per-chain POSTs, served by one worker.
  const answers = [PACED, PLAIN].map((id) => handler(post({ chain_id: id, scheduled: true })));
  await until("both runs to hold rows", () => store.lockedRows().length === 12);
  assert.ok(store.chainLeases.size > 0, "the paced chain's lease is held");

  const dispatched = performance.now();
  target.dispatchEvent(beforeunload("wall_clock"));
  const bodies = await Promise.all(answers.map(async (a) => (await a).json()));
  const tookMs = performance.now() - dispatched;

  assert.deepEqual(stops, ["wall_clock"]);
  assert.ok(tookMs < UNLOAD_RELEASE_MS, `runs ended ${Math.round(tookMs)} ms after the event`);
  assert.equal(store.lockedRows().length, 0, "no row is left leased");
  assert.equal(store.chainLeases.size, 0, "no chain lease is left");
  for (const body of bodies) assert.equal(body.stopped, "unload", JSON.stringify(body));
  assert.equal(inFlight.size, 0);
});

Deno.test("a run that starts after beforeunload claims nothing", async () => {
  const { store, readers } = midReadWorld();
  const inFlight = new InFlightRuns();
  const target = new EventTarget();
  stopRunsOnUnload(inFlight, () => {}, target, null);
  const { handler } = handlerWithFakes(store, readers, { inFlight, waitUntil: null });
  target.dispatchEvent(beforeunload("cpu"));

  const body = await (await handler(post({}))).json();
  assert.equal(body.stopped, "unload");
  assert.equal(body.claimed, 0);
  assert.equal(store.calls.filter((c) => c.op === "claim").length, 0);
});

/** Run history whose write waits until the test lets it go. */
class HeldOperations implements Operations {
  finished: RunEnd[] = [];
  #release!: () => void;
  readonly #released = new Promise<void>((resolve) => this.#release = resolve);
  finishRun(_runId: string, status: RunEnd): Promise<void> {
    return this.#released.then(() => void this.finished.push(status));
  }
  metrics(): Promise<string> {
    return Promise.resolve("");
  }
  release(): void {
    this.#release();
  }
}

function oneRowWorld() {
  const store = new FakeStore([chain("bsc", "evm")], [row("bsc", { address: "0xa" })]);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 7n]]) });
  return { store, readers };
}

const settledWithin = async (promise: Promise<unknown>, ms: number) =>
  await Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

Deno.test("with EdgeRuntime.waitUntil the answer never waits for the run history write", async () => {
  const { store, readers } = oneRowWorld();
  const operations = new HeldOperations();
  const kept: Promise<unknown>[] = [];
  const { handler } = handlerWithFakes(store, readers, {
    operations,
    waitUntil: (promise) => kept.push(promise),
  });

  const answer = handler(post({}));
  assert.ok(await settledWithin(answer, 1000), "the answer came while the history write waits");
  assert.equal((await answer).status, 200);
  assert.equal(kept.length, 1, "the history write was handed to waitUntil");
  assert.deepEqual(operations.finished, []);
  operations.release();
  await Promise.all(kept);
  assert.deepEqual(operations.finished, ["finished"]);
});

Deno.test("without waitUntil (served by Deno) the history is written before the answer", async () => {
  const { store, readers } = oneRowWorld();
  const operations = new HeldOperations();
  const { handler } = handlerWithFakes(store, readers, { operations, waitUntil: null });

  const answer = handler(post({}));
  assert.equal(await settledWithin(answer, 200), false, "the answer waits for the history");
  operations.release();
  assert.equal((await answer).status, 200);
  assert.deepEqual(operations.finished, ["finished"]);
});
