import assert from "node:assert/strict";
import { TronHttp } from "../../../supabase/functions/balance-sync/chains/tron/http.ts";
import {
  Pacer,
  type PacerClock,
  REAL_CLOCK,
} from "../../../supabase/functions/balance-sync/chains/tron/pacer.ts";
import { ReadError } from "../../../supabase/functions/balance-sync/chains/errors.ts";

function http(
  fetch: typeof globalThis.fetch,
  timeoutMs = 10_000,
  signal?: AbortSignal,
  timers?: PacerClock,
) {
  return new TronHttp({
    timers,
    urls: ["http://tron.invalid"],
    pacer: new Pacer({ maxRps: 1000, maxConcurrency: 4 }),
    fetch,
    timeoutMs,
    maxRetries: 0,
    maxWaitMs: 1_000,
    backoffMs: 10,
    signal,
  });
}

const answering: typeof fetch = () =>
  Promise.resolve(new Response(JSON.stringify({ balance: 5 }), { status: 200 }));

/** Never answers; rejects with the abort reason, as fetch does. */
const silent: typeof fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    const signal = init!.signal!;
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

Deno.test("TronHttp: an answered request clears its timeout timer (no late wake-up per request)", async () => {
  const pending = new Set<unknown>();
  let armed = 0;
  const timers: PacerClock = {
    ...REAL_CLOCK,
    setTimeout: (callback, ms) => {
      armed++;
      const handle = REAL_CLOCK.setTimeout(callback, ms);
      pending.add(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      pending.delete(handle);
      REAL_CLOCK.clearTimeout(handle);
    },
  };
  const client = http(answering, 10_000, undefined, timers);
  for (let i = 0; i < 3; i++) {
    const answer = await client.post("/wallet/getaccount", { address: "41" });
    assert.equal(answer.body.balance, 5);
  }
  assert.equal(client.requests, 3);
  assert.equal(armed, 3, "one timeout per request");
  assert.equal(pending.size, 0, "none left armed");
});

Deno.test("TronHttp: a node that never answers fails after timeoutMs as transient", async () => {
  const started = performance.now();
  await assert.rejects(
    http(silent, 50).post("/wallet/getaccount", {}),
    (error: unknown) =>
      error instanceof ReadError && error.errorClass === "transient" &&
      /did not answer within 50 ms/.test(error.message),
  );
  assert.ok(performance.now() - started >= 45);
});

Deno.test("TronHttp: the read's signal aborts a request in flight", async () => {
  const controller = new AbortController();
  const pending = http(silent, 10_000, controller.signal).post("/wallet/getaccount", {});
  setTimeout(() => controller.abort(new Error("run budget spent")), 10);
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof ReadError && /aborted/.test(error.message),
  );
});
