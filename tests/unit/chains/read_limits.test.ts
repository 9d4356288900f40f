import assert from "node:assert/strict";
import { GROW_BACK_RUNS } from "../../support/read_limits.ts";
import {
  afterRead,
  afterReadAll,
  AIMD,
  EVM_MAXIMA,
  fresh,
  type Limit,
  type LimitObservation,
  mergeObservations,
  parseLimits,
  serializeLimits,
  shrink,
} from "../../../supabase/functions/balance-sync/chains/read_limits.ts";
import {
  aggregateAnswerBytes,
  planGroups,
} from "../../../supabase/functions/balance-sync/chains/evm/sized_groups.ts";

const MAX = 500;
const start = (): Limit => fresh(EVM_MAXIMA).multicall;
const clean = (passed: number): LimitObservation => ({ failedAt: null, passed, cut: true });

/**
 * A provider that refuses any size above `limit` (null: none), read by a chain that always wants
 * more than the size: one read per run, halving within the read like the reader does.
 */
function simulateRun(limit: Limit, providerLimit: number | null): { next: Limit; failed: boolean } {
  let size = limit.size;
  let failedAt: number | null = null;
  while (providerLimit !== null && size > providerLimit) {
    failedAt = failedAt === null ? size : Math.min(failedAt, size);
    size = shrink(size, size);
  }
  const seen: LimitObservation = { failedAt, passed: size, cut: true };
  return { next: afterRead(limit, seen, MAX), failed: failedAt !== null };
}

Deno.test("read limits: a refusal halves the size at once and keeps the refused size as a ceiling", () => {
  assert.equal(shrink(500, 500), 250);
  assert.equal(shrink(30, 500), 30, "a size already below the refused one stays");
  assert.equal(shrink(1, 1), 1, "never below one");
  const after = afterRead(start(), { failedAt: 62, passed: 31, cut: true }, MAX);
  assert.equal(after.size, 31);
  assert.equal(after.ceiling, 62);
  assert.equal(after.clean, 0);
});

Deno.test("read limits: the size learned is the largest that passed below the refusal, not only half", () => {
  const after = afterRead(start(), { failedAt: 100, passed: 50, cut: true }, MAX);
  assert.equal(after.size, 50);
  const probe = afterRead({ ...after, size: 75 }, { failedAt: 75, passed: 37, cut: true }, MAX);
  assert.equal(probe.size, 50, "a failed probe falls back to the size known to pass");
});

Deno.test("read limits: clean reads grow the size additively, halfway to a known ceiling", () => {
  let limit: Limit = { size: 31, ceiling: 62, good: 31, clean: 0, sinceFailure: 0, reason: null };
  for (let i = 1; i < AIMD.growAfter; i++) {
    limit = afterRead(limit, clean(31), MAX);
    assert.equal(limit.size, 31, `no growth after ${i} clean reads`);
  }
  limit = afterRead(limit, clean(31), MAX);
  assert.equal(limit.size, 46, "halfway to the ceiling (62) instead of a full step");
  const free = afterRead(
    {
      size: 100,
      ceiling: null,
      good: 100,
      clean: AIMD.growAfter - 1,
      sinceFailure: 5,
      reason: null,
    },
    clean(100),
    MAX,
  );
  assert.equal(free.size, 150, "a step of a tenth of the maximum");
});

Deno.test("read limits: a read the size did not cut proves nothing and does not grow it", () => {
  const limit: Limit = { size: 31, ceiling: 62, good: 31, clean: 2, sinceFailure: 2, reason: null };
  const after = afterRead(limit, { failedAt: null, passed: 10, cut: false }, MAX);
  assert.equal(after.size, 31);
  assert.equal(after.clean, 2);
});

Deno.test("read limits: under a fixed provider limit the size converges and stays, refusing rarely", () => {
  let limit = start();
  const failedRuns: number[] = [];
  const used: number[] = [];
  for (let run = 0; run < 200; run++) {
    const { next, failed } = simulateRun(limit, 50);
    if (failed) failedRuns.push(run);
    else used.push(limit.size);
    limit = next;
  }
  assert.ok(used.slice(10).every((s) => s <= 50 && s >= 45), used.join(","));
  // The first run, then a few probes each time the ceiling is forgotten.
  assert.ok(failedRuns.length <= 1 + Math.ceil(200 / AIMD.forgetCeilingAfter) * 4, `${failedRuns}`);
  console.log(`CONVERGE | limit 50 | ${failedRuns.length} of 200 runs refused once`);
});

Deno.test(`read limits: after the provider lifts its limit the sizes grow back to the maxima within ${GROW_BACK_RUNS} runs`, () => {
  for (
    const [name, max, providerLimit] of [
      ["multicall", EVM_MAXIMA.multicall, 50],
      ["batch", EVM_MAXIMA.batch, 10],
      ["response", EVM_MAXIMA.response, 100_000],
    ] as const
  ) {
    let limit: Limit = fresh(EVM_MAXIMA)[name];
    for (let run = 0; run < 30 || limit.size > providerLimit; run++) {
      let size = limit.size;
      let failedAt: number | null = null;
      while (size > providerLimit) {
        failedAt = failedAt === null ? size : Math.min(failedAt, size);
        size = shrink(size, size);
      }
      limit = afterRead(limit, { failedAt, passed: size, cut: true }, max);
    }
    assert.ok(limit.size <= providerLimit);
    // The worst moment to lift it: right after a refusal (the ceiling is newest).
    limit = afterRead(limit, { failedAt: providerLimit + 1, passed: limit.size, cut: true }, max);
    let runs = 0;
    while (limit.size < max) {
      runs++;
      limit = afterRead(limit, { failedAt: null, passed: limit.size, cut: true }, max);
      assert.ok(runs <= GROW_BACK_RUNS, `${name}: ${limit.size} after ${runs} runs`);
    }
    console.log(`GROW_BACK | ${name} | ${providerLimit} -> ${max} | ${runs} runs`);
  }
});

Deno.test("read limits: stored limits round-trip, and malformed ones fall back to the maxima", () => {
  const limits = afterReadAll(
    fresh(EVM_MAXIMA),
    { batch: { failedAt: 12, passed: 6, cut: true, reason: "batch too large" } },
    EVM_MAXIMA,
  );
  assert.deepEqual(
    parseLimits(JSON.parse(JSON.stringify(serializeLimits(limits))), EVM_MAXIMA),
    limits,
  );
  assert.deepEqual(parseLimits(null, EVM_MAXIMA), fresh(EVM_MAXIMA));
  assert.deepEqual(parseLimits("x", EVM_MAXIMA), fresh(EVM_MAXIMA));
  const bad = parseLimits({
    multicall: { size: -3 },
    batch: { size: 1.5 },
    response: { size: 10 ** 12 },
  }, EVM_MAXIMA);
  assert.equal(bad.multicall.size, 500);
  assert.equal(bad.batch.size, 1000);
  assert.equal(bad.response.size, EVM_MAXIMA.response, "capped at the maximum");
});

Deno.test("read limits: observations of one run merge into the smallest refusal and the largest pass", () => {
  const merged = mergeObservations(
    { multicall: { failedAt: 100, passed: 50, cut: true } },
    {
      multicall: { failedAt: 62, passed: 31, cut: false },
      batch: { failedAt: null, passed: 3, cut: false },
    },
  )!;
  assert.deepEqual(merged.multicall, { failedAt: 62, passed: 50, cut: true });
  assert.deepEqual(merged.batch, { failedAt: null, passed: 3, cut: false });
});

Deno.test("sized groups: requests hold at most the batch size and about the answer limit, in order", () => {
  const plan = planGroups([10, 10, 10, 10, 10], 2, 1000);
  assert.deepEqual(plan.groups, [[0, 1], [2, 3], [4]]);
  assert.ok(plan.cutByCount && !plan.cutByBytes);
  const bytes = planGroups([40, 40, 40, 200], 10, 100);
  assert.deepEqual(bytes.groups, [[0, 1], [2], [3]], "an item larger than the limit goes alone");
  assert.ok(bytes.cutByBytes && !bytes.cutByCount);
  assert.equal(aggregateAnswerBytes(50), 2 * (64 + 160 * 50) + 64);
});
