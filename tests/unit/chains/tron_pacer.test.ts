import assert from "node:assert/strict";
import {
  normalizeLimits,
  Pacer,
  pacerFor,
  PacerPausedError,
} from "../../../supabase/functions/balance-sync/chains/tron/pacer.ts";
import { maxInWindow } from "../../../stack/standins/tron_node.ts";
import { simulatePacer } from "./pacer_sim.ts";

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

Deno.test("Pacer: no sliding 1 s at the node holds more than maxRps starts, with timers firing early and late and the node seeing each request anywhere before its answer", async () => {
  for (const [maxRps, maxConcurrency] of [[10, 4], [10, 1], [15, 15], [3, 2], [0.5, 1]]) {
    for (let seed = 1; seed <= 6; seed++) {
      const { arrivals } = await simulatePacer({
        maxRps,
        maxConcurrency,
        seconds: 30,
        seed,
        timerEarlyMs: 8,
        timerLateMs: 60,
        latencyMs: [0, 400],
      });
      const limit = Math.max(1, Math.floor(maxRps));
      assert.ok(arrivals.length > 10, `${arrivals.length} requests`);
      assert.ok(
        maxInWindow(arrivals, 1000) <= limit,
        `${maxRps} rps, seed ${seed}: ${maxInWindow(arrivals, 1000)} in a sliding second`,
      );
      // Closed windows too: the (limit+1)-th start is always more than 1 s after the first.
      for (let i = 0; i + limit < arrivals.length; i++) {
        assert.ok(arrivals[i + limit] - arrivals[i] > 1000 / Math.min(1, maxRps));
      }
    }
  }
});

Deno.test("Pacer: a backlogged chain starts maxRps per second plus round trip (95 % of maxRps at 50 ms), also with late timers", async () => {
  for (const [maxRps, maxConcurrency] of [[10, 4], [20, 4], [10, 2], [15, 15]]) {
    for (const timerLateMs of [0, 5]) {
      const { arrivals } = await simulatePacer({
        maxRps,
        maxConcurrency,
        seconds: 60,
        seed: 7,
        timerEarlyMs: 0,
        timerLateMs,
        latencyMs: [40, 60],
      });
      const rate = arrivals.length / 60;
      // Each token is taken for its round trip (50 ms on average) plus 1 s: 1000/1050 = 95.2 %.
      assert.ok(
        rate >= 0.945 * maxRps,
        `${maxRps} rps, ${maxConcurrency} in flight, timers up to ${timerLateMs} ms late: ${rate}/s`,
      );
    }
  }
});

Deno.test("Pacer: waiting costs one timer per burst, not one per request", async () => {
  const { arrivals, timersFired } = await simulatePacer({
    maxRps: 10,
    maxConcurrency: 4,
    seconds: 30,
    seed: 3,
    timerEarlyMs: 0,
    timerLateMs: 0,
    latencyMs: [0, 0],
  });
  // A full window is granted as one burst (4 in flight, refilled as they come back): one wake of
  // the pacer per second, where a timer per request (the earlier design) fired ~10 per second.
  assert.ok(arrivals.length >= 280, `${arrivals.length} requests`);
  assert.ok(timersFired <= 31, `${timersFired} pacer timers for ${arrivals.length} requests`);
});

Deno.test("Pacer: a token is free 1 s after the answer it is told of, not after the caller finished reading the body", async () => {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const pacer = new Pacer({ maxRps: 1, maxConcurrency: 1 }, {
    clock: {
      now: () => now,
      setTimeout: (run, ms) => timers.push({ at: now + ms, run }),
      clearTimeout: () => {},
    },
    marginMs: 0,
  });
  const release = await pacer.acquire();
  now = 50; // the answer's headers are in
  const answeredAt = pacer.now();
  now = 400; // the body read and parsed
  release(answeredAt);
  let granted = false;
  pacer.acquire().then(() => granted = true);
  await Promise.resolve();
  assert.equal(granted, false, "the token is still taken");
  assert.equal(timers.at(-1)?.at, 1050, "free 1 s after the answer");
  now = 1050;
  timers.at(-1)!.run();
  await Promise.resolve();
  assert.equal(granted, true);
});
