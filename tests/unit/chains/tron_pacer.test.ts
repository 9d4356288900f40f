import assert from "node:assert/strict";
import {
  normalizeLimits,
  Pacer,
  pacerFor,
  PacerPausedError,
} from "../../../supabase/functions/balance-sync/chains/tron_pacer.ts";

Deno.test("Pacer never lets more than maxConcurrency requests be in flight", async () => {
  const pacer = new Pacer({ maxRps: 1000, maxConcurrency: 3 });
  let inFlight = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 12 }, async () => {
    const release = await pacer.acquire();
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    release();
  }));
  assert.equal(peak, 3);
});

Deno.test("Pacer starts requests 1/maxRps apart on its own clock", async () => {
  const pacer = new Pacer({ maxRps: 50, maxConcurrency: 10 });
  const starts: number[] = [];
  await Promise.all(Array.from({ length: 6 }, async () => {
    const release = await pacer.acquire();
    starts.push(performance.now());
    release();
  }));
  starts.sort((a, b) => a - b);
  for (let i = 1; i < starts.length; i++) {
    // Timers fire late, never early (1 ms of rounding allowed).
    assert.ok(starts[i] - starts[i - 1] >= 19, `gap ${starts[i] - starts[i - 1]} ms`);
  }
});

Deno.test("Pacer.pause() holds every queued request, and pausedForMs() reports it", async () => {
  const pacer = new Pacer({ maxRps: 1000, maxConcurrency: 4 });
  pacer.pause(60);
  assert.ok(pacer.pausedForMs() > 0);
  const pausedAt = performance.now();
  const release = await pacer.acquire();
  assert.ok(performance.now() - pausedAt >= 59);
  assert.equal(pacer.pausedForMs(), 0);
  release();
});

Deno.test("Pacer.acquire() rejects at once when its signal aborts, and frees its place", async () => {
  const pacer = new Pacer({ maxRps: 1000, maxConcurrency: 1 });
  const held = await pacer.acquire();
  const controller = new AbortController();
  const waiting = pacer.acquire({ signal: controller.signal });
  controller.abort(new Error("run budget spent"));
  await assert.rejects(waiting, /run budget spent/);
  held();
  const next = await pacer.acquire();
  next();
});

Deno.test("normalizeLimits() falls back to 10 rps / 4 in flight for missing or invalid limits", () => {
  assert.deepEqual(normalizeLimits({}), { maxRps: 10, maxConcurrency: 4 });
  assert.deepEqual(normalizeLimits({ maxRps: 0, maxConcurrency: 0 }), {
    maxRps: 10,
    maxConcurrency: 4,
  });
  assert.deepEqual(normalizeLimits({ maxRps: 2.5, maxConcurrency: 2.7 }), {
    maxRps: 2.5,
    maxConcurrency: 2,
  });
});

Deno.test("pacerFor() shares one pacer per chain key until its limits change", () => {
  const a = pacerFor("chain-a|http://x", { maxRps: 5, maxConcurrency: 2 });
  assert.equal(pacerFor("chain-a|http://x", { maxRps: 5, maxConcurrency: 2 }), a);
  assert.notEqual(pacerFor("chain-b|http://x", { maxRps: 5, maxConcurrency: 2 }), a);
  assert.notEqual(pacerFor("chain-a|http://x", { maxRps: 6, maxConcurrency: 2 }), a);
});

Deno.test("Pacer turns away queued and new requests that will not wait out a long pause", async () => {
  const pacer = new Pacer({ maxRps: 1000, maxConcurrency: 1 });
  const held = await pacer.acquire();
  const controller = new AbortController();
  const patient = pacer.acquire({ maxPauseMs: 60_000, signal: controller.signal });
  const hasty = pacer.acquire({ maxPauseMs: 1_000 });
  pacer.pause(30_000);
  await assert.rejects(
    hasty,
    (e: unknown) => e instanceof PacerPausedError && e.remainingMs > 29_000,
  );
  await assert.rejects(pacer.acquire({ maxPauseMs: 1_000 }), PacerPausedError);
  held();
  // The patient request is still waiting for the pause to end.
  controller.abort(new Error("run over"));
  await assert.rejects(patient, /run over/);
});
