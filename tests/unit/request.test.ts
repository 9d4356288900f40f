import assert from "node:assert/strict";
import {
  BadRequest,
  interpretBody,
  MAX_BODY_BYTES,
  parseRunRequest,
  TICK_AT_HEADER,
  tickAtHeader,
} from "../../supabase/functions/balance-sync/http/request.ts";
const ID = "6f1c1d1e-8a3b-4c2d-9e0f-112233445566";
const ID2 = "7a1c1d1e-8a3b-4c2d-9e0f-112233445566";

const post = (body?: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://function.local/", { method: "POST", body, headers });

const parse = (body?: BodyInit | null, maxIds = 3) => parseRunRequest(post(body), { maxIds });

async function refused(body: BodyInit | null, pattern: RegExp, maxIds = 3) {
  await assert.rejects(parse(body, maxIds), (error: unknown) => {
    assert.ok(error instanceof BadRequest, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseRunRequest() treats no body, whitespace and {} as a scheduled run", async () => {
  assert.deepEqual(await parse(null), { kind: "scheduled" });
  assert.deepEqual(await parse(""), { kind: "scheduled" });
  assert.deepEqual(await parse(" \n"), { kind: "scheduled" });
  assert.deepEqual(await parse("{}"), { kind: "scheduled" });
});

Deno.test("parseRunRequest() turns each filter key into a forced run", async () => {
  assert.deepEqual(await parse(JSON.stringify({ wallet_id: ID })), {
    kind: "forced",
    filter: { wallet_id: ID },
  });
  assert.deepEqual(await parse(JSON.stringify({ asset_on_chain_id: ID })), {
    kind: "forced",
    filter: { asset_on_chain_id: ID },
  });
  assert.deepEqual(await parse(JSON.stringify({ chain_id: ID.toUpperCase() })), {
    kind: "forced",
    filter: { chain_id: ID },
  });
  assert.deepEqual(await parse(JSON.stringify({ wallet_balance_ids: [ID, ID2, ID] })), {
    kind: "forced",
    filter: { wallet_balance_ids: [ID, ID2] },
  });
});

Deno.test("parseRunRequest() rejects bodies that are not a JSON object", async () => {
  await refused("not json", /not valid JSON/);
  await refused("{", /not valid JSON/);
  await refused("[]", /JSON object, got an array/);
  await refused("null", /JSON object, got null/);
  await refused("42", /JSON object, got a number/);
  await refused('"wallet"', /JSON object, got a string/);
  await refused(new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/);
});

Deno.test("parseRunRequest() rejects unknown fields and more than one filter", async () => {
  await refused(JSON.stringify({ dry_run: true }), /unknown field "dry_run"/);
  await refused(JSON.stringify({ wallet_id: ID, limit: 5 }), /unknown field "limit"/);
  await refused('{"__proto__": {"x": 1}}', /unknown field "__proto__"/);
  await refused(JSON.stringify({ wallet_id: ID, chain_id: ID }), /exactly one of/);
});

Deno.test("parseRunRequest() rejects ids of the wrong type or shape", async () => {
  await refused(JSON.stringify({ wallet_id: 5 }), /wallet_id must be a uuid string, got a number/);
  await refused(JSON.stringify({ wallet_id: null }), /got null/);
  await refused(JSON.stringify({ chain_id: "bsc" }), /chain_id is not a valid uuid/);
  await refused(JSON.stringify({ wallet_id: "' or 1=1 --" }), /not a valid uuid/);
  await refused(JSON.stringify({ wallet_id: `${ID} ` }), /not a valid uuid/);
  await refused(JSON.stringify({ wallet_balance_ids: ID }), /must be an array/);
  await refused(JSON.stringify({ wallet_balance_ids: [] }), /must not be empty/);
  await refused(JSON.stringify({ wallet_balance_ids: [ID, 7] }), /wallet_balance_ids\[1\]/);
  await refused(JSON.stringify({ wallet_balance_ids: [ID, "x"] }), /\[1\] is not a valid uuid/);
});

Deno.test("parseRunRequest() caps the number of ids", async () => {
  const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
  await refused(JSON.stringify({ wallet_balance_ids: ids }), /holds 4 ids; at most 3/);
  const many = Array.from({ length: 10_000 }, () => ID);
  await refused(JSON.stringify({ wallet_balance_ids: many }), /larger than|at most 1000/, 1000);
});

Deno.test("parseRunRequest() makes room in the body for as many ids as the limit allows", async () => {
  const ids = Array.from({ length: 5_000 }, () => crypto.randomUUID());
  const body = JSON.stringify({ wallet_balance_ids: ids });
  assert.ok(body.length > MAX_BODY_BYTES);
  const parsed = await parseRunRequest(post(body), { maxIds: 5_000 });
  assert.equal(parsed.kind, "forced");
  assert.equal(
    (parsed as { filter: { wallet_balance_ids: string[] } }).filter.wallet_balance_ids.length,
    5_000,
  );
});

Deno.test("parseRunRequest() refuses an oversized body, declared or streamed", async () => {
  const big = JSON.stringify({ wallet_id: ID, pad: "x".repeat(MAX_BODY_BYTES) });
  await refused(big, /larger than 65536 bytes/);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += 16 * 1024;
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      if (sent > 10 * MAX_BODY_BYTES) controller.close();
    },
  });
  await assert.rejects(parseRunRequest(post(stream), { maxIds: 3 }), /larger than/);
  assert.ok(sent < 10 * MAX_BODY_BYTES, "the stream was cancelled early");
});

const CHAIN = "3b1e2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const interpret = (body: unknown) => interpretBody(body, { maxIds: 10 });

Deno.test("request: {chain_id, scheduled: true} is a scheduled run of that chain; {} and {scheduled: true} of every chain", () => {
  assert.deepEqual(interpret({ chain_id: CHAIN, scheduled: true }), {
    kind: "scheduled",
    chainId: CHAIN,
  });
  assert.deepEqual(interpret({ chain_id: CHAIN.toUpperCase(), scheduled: true }), {
    kind: "scheduled",
    chainId: CHAIN,
  });
  assert.deepEqual(interpret({}), { kind: "scheduled" });
  assert.deepEqual(interpret({ scheduled: true }), { kind: "scheduled" });
  // Without "scheduled" the same chain_id stays a force-sync.
  assert.deepEqual(interpret({ chain_id: CHAIN }), { kind: "forced", filter: { chain_id: CHAIN } });
});

Deno.test("request: a scheduled body that is not exactly {chain_id?, scheduled: true} is refused with the reason", () => {
  const refused = (body: unknown, pattern: RegExp) =>
    assert.throws(() => interpret(body), (e: unknown) => {
      assert.ok(e instanceof BadRequest);
      assert.match(e.message, pattern);
      return true;
    });
  refused({ chain_id: CHAIN, scheduled: false }, /scheduled must be true/);
  refused({ scheduled: "yes" }, /scheduled must be true, got a string/);
  refused({ wallet_id: CHAIN, scheduled: true }, /a scheduled run takes only chain_id/);
  refused({ chain_id: "tron", scheduled: true }, /chain_id is not a valid uuid/);
  refused({ chain: CHAIN, scheduled: true }, /unknown field "chain"/);
});

Deno.test("a scheduled request carries dispatch's tick from its header; a forced one ignores it; a malformed tick is a 400", async () => {
  const tick = "2026-12-06T10:00:00.123456Z";
  const withTick = (body: string) =>
    new Request("http://function.local/functions/v1/balance-sync", {
      method: "POST",
      headers: { [TICK_AT_HEADER]: tick },
      body,
    });
  const chainId = "7f1c2a44-3b6e-4c8d-9e0f-1a2b3c4d5e6f";
  assert.deepEqual(
    await parseRunRequest(withTick(JSON.stringify({ chain_id: chainId, scheduled: true })), {
      maxIds: 3,
    }),
    { kind: "scheduled", chainId, tickAt: tick },
  );
  assert.deepEqual(await parseRunRequest(withTick(""), { maxIds: 3 }), {
    kind: "scheduled",
    tickAt: tick,
  });
  const forced = await parseRunRequest(withTick(JSON.stringify({ chain_id: chainId })), {
    maxIds: 3,
  });
  assert.deepEqual(forced, { kind: "forced", filter: { chain_id: chainId } });
  assert.equal(tickAtHeader(new Headers()), null);
  assert.throws(
    () => tickAtHeader(new Headers({ [TICK_AT_HEADER]: "yesterday" })),
    (e: unknown) => e instanceof BadRequest && /ISO 8601/.test(e.message),
  );
});
