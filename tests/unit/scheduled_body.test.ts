/** The scheduled run's request body: `{}` for every chain, or one chain with `"scheduled": true`. */
import assert from "node:assert/strict";
import { BadRequest, interpretBody } from "../../supabase/functions/balance-sync/request.ts";

const CHAIN = "3b1e2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const parse = (body: unknown) => interpretBody(body, { maxIds: 10 });

Deno.test("request: {chain_id, scheduled: true} is a scheduled run of that chain; {} and {scheduled: true} of every chain", () => {
  assert.deepEqual(parse({ chain_id: CHAIN, scheduled: true }), {
    kind: "scheduled",
    chainId: CHAIN,
  });
  assert.deepEqual(parse({ chain_id: CHAIN.toUpperCase(), scheduled: true }), {
    kind: "scheduled",
    chainId: CHAIN,
  });
  assert.deepEqual(parse({}), { kind: "scheduled" });
  assert.deepEqual(parse({ scheduled: true }), { kind: "scheduled" });
  // Without "scheduled" the same chain_id stays a force-sync.
  assert.deepEqual(parse({ chain_id: CHAIN }), { kind: "forced", filter: { chain_id: CHAIN } });
});

Deno.test("request: a scheduled body that is not exactly {chain_id?, scheduled: true} is refused with the reason", () => {
  const refused = (body: unknown, pattern: RegExp) =>
    assert.throws(() => parse(body), (e: unknown) => {
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
