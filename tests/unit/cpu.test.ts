/**
 * One CPU budget for the runs one process serves at once, as the Edge Runtime counts CPU per
 * worker, not per request (cpu.ts). Measured with this process's real CPU time.
 */
import assert from "node:assert/strict";
import type { ChainRead } from "../../supabase/functions/balance-sync/chains/types.ts";
import type { ReaderRegistry } from "../../supabase/functions/balance-sync/run/context.ts";
import {
  isolateCpuMs,
  processCpuMs,
  SharedCpuBudget,
  threadCpuMs,
} from "../../supabase/functions/balance-sync/run/cpu.ts";
import { captureLog, chain, FakeStore, row, syncWithFakes } from "./fakes.ts";

/** Spins until this process has used `ms` more CPU. */
function burn(ms: number): void {
  const start = processCpuMs()!;
  while (processCpuMs()! - start < ms) { /* spin */ }
}

const BURN_PER_BATCH_MS = 10;

/**
 * A reader that costs BURN_PER_BATCH_MS of CPU per batch, waits for its "node" (a timer turn, so
 * that runs interleave as they do on real I/O) and reads every balance as 1.
 */
const burningReaders: ReaderRegistry = () =>
  Promise.resolve(async (_chain, queries): Promise<ChainRead> => {
    burn(BURN_PER_BATCH_MS);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return {
      block: 1n,
      requests: 1,
      mode: "per-call",
      outcomes: queries.map((q) => ({ key: q.key, ok: true as const, raw: 1n })),
    };
  });

const CHAINS = [1, 2, 3, 4].map((n) => `00000000-0000-4000-8000-0000000000b${n}`);

/**
 * Four scheduled per-chain runs in this process: the first alone, the other three joining once
 * it has used `staggerMs` of CPU. Returns the CPU the process used for them.
 */
async function fourRuns(budget: () => SharedCpuBudget, cpuBudgetMs: number, staggerMs: number) {
  const rows = CHAINS.flatMap((id) =>
    Array.from({ length: 1000 }, (_, i) => row(id, { address: `0x${id.slice(-2)}${i}` }))
  );
  const store = new FakeStore(CHAINS.map((id) => chain(id, "evm")), rows);
  const { log } = captureLog("error");
  const run = (id: string) =>
    syncWithFakes(
      { store, readers: burningReaders, log, cpuBudget: budget() },
      { cpuBudgetMs, batchSize: 20 },
      { chainId: id, runId: crypto.randomUUID() },
    );
  const before = processCpuMs()!;
  const first = run(CHAINS[0]);
  while (processCpuMs()! - before < staggerMs) await new Promise((r) => setTimeout(r, 0));
  const summaries = await Promise.all([first, ...CHAINS.slice(1).map(run)]);
  return { used: processCpuMs()! - before, summaries };
}

/** `read()` as the Edge Runtime would answer it: with its global `EdgeRuntime` set. */
function inEdgeRuntime<T>(read: () => T): T {
  const runtime = globalThis as { EdgeRuntime?: unknown };
  runtime.EdgeRuntime = {};
  try {
    return read();
  } finally {
    delete runtime.EdgeRuntime;
  }
}

Deno.test("four overlapping runs in one process stay within one shared CPU budget (a budget per run would not)", async () => {
  assert.notEqual(processCpuMs(), null, "this runtime reports process CPU");
  const budgetMs = 300;
  const shared = new SharedCpuBudget();
  const together = await fourRuns(() => shared, budgetMs, budgetMs / 2);
  // The earlier rule: each run counts from its own start (the process's CPU, others' included).
  const perRun = await fourRuns(() => new SharedCpuBudget(), budgetMs, budgetMs / 2);

  for (const s of [...together.summaries, ...perRun.summaries]) assert.equal(s.stopped, "cpu");
  // Each run may finish the batch it is in when the budget runs out: one batch each beyond it.
  const allowance = budgetMs + CHAINS.length * BURN_PER_BATCH_MS * 2;
  console.log(
    `CPU of four overlapping runs, budget ${budgetMs} ms: shared ${
      Math.round(together.used)
    } ms, ` +
      `a budget per run ${Math.round(perRun.used)} ms`,
  );
  assert.ok(together.used <= allowance, `shared: ${together.used} ms > ${allowance} ms`);
  assert.ok(perRun.used > allowance, `a budget per run used only ${perRun.used} ms`);
  assert.equal(shared.inFlight, 0, "every run gave its share back");
});

Deno.test("a run that starts while none is in flight opens a new window; one that overlaps joins it", () => {
  let cpu = 100;
  const budget = new SharedCpuBudget(() => cpu);
  const first = budget.begin();
  cpu = 150;
  const second = budget.begin();
  cpu = 180;
  assert.deepEqual([first.used(), second.used()], [80, 80], "both count from the first's start");
  first.end();
  second.end();
  second.end(); // ending twice gives back one share only
  assert.equal(budget.inFlight, 0);
  cpu = 500;
  const third = budget.begin();
  cpu = 520;
  assert.equal(third.used(), 20);
});

Deno.test("where the runtime cannot tell the CPU (Edge Runtime), the budget reads null and never stops a run", () => {
  const budget = new SharedCpuBudget(() => null);
  const share = budget.begin();
  assert.equal(share.used(), null);
  assert.equal(
    inEdgeRuntime(processCpuMs),
    null,
    "process.cpuUsage() is a stub there: not read",
  );
  assert.notEqual(processCpuMs(), null);
});

Deno.test("what a run reserves counts against the budget the other runs see, not its own, until it ends", () => {
  let cpu = 0;
  const budget = new SharedCpuBudget(() => cpu);
  const paced = budget.begin();
  const bulk = budget.begin();
  let left = 100;
  paced.reserve(() => left);
  cpu = 300;
  assert.equal(bulk.used(), 400, "the bulk run sees the paced run's 100 ms set aside");
  assert.equal(paced.used(), 300, "the paced run sees only what was used");
  left = 40; // the reservation shrinks as the paced run's time runs out
  assert.equal(bulk.used(), 340);
  paced.end();
  assert.equal(bulk.used(), 300, "an ended run reserves nothing");
  bulk.end();
});

Deno.test("the isolate's CPU is its own thread's, as the platform counts: another thread's work is not in it", async () => {
  assert.notEqual(threadCpuMs(), null, "Linux: /proc/thread-self/schedstat is readable");
  const thread0 = isolateCpuMs()!;
  const process0 = processCpuMs()!;
  // A worker thread burns 300 ms of CPU while this thread sleeps.
  const code =
    `const t = performance.now(); while (performance.now() - t < 300) {} postMessage(1);`;
  const url = URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
  const worker = new Worker(url, { type: "module" });
  await new Promise((resolve) => worker.onmessage = resolve);
  worker.terminate();
  URL.revokeObjectURL(url);
  const threadUsed = isolateCpuMs()! - thread0;
  const processUsed = processCpuMs()! - process0;
  assert.ok(processUsed >= 250, `the process used ${processUsed} ms`);
  assert.ok(
    threadUsed < 150,
    `this thread's clock counted ${threadUsed} ms of another thread's work`,
  );

  assert.equal(inEdgeRuntime(isolateCpuMs), null, "the Edge Runtime's sandbox: not read");
});

Deno.test("the window's CPU per row is all its runs used over all the rows they read; each run plans on its share of what is left", () => {
  let cpu = 0;
  const budget = new SharedCpuBudget(() => cpu);
  const a = budget.begin();
  const b = budget.begin();
  assert.equal(a.cpuPerRow(), null, "no row read yet");
  assert.deepEqual([a.sharers(), b.sharers()], [2, 2]);
  cpu = 90;
  a.rowsRead(1000);
  b.rowsRead(2000);
  assert.equal(a.cpuPerRow(), 0.03);
  assert.equal(b.cpuPerRow(), 0.03);
  a.end();
  assert.equal(b.sharers(), 1);
  b.end();
  cpu = 200;
  const c = budget.begin();
  assert.equal(c.cpuPerRow(), null, "a new window counts its own rows");
  c.end();
});
