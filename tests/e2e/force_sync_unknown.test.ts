/**
 * The real function, over HTTP, asked to force-sync something that does not exist: 404 naming it
 * and nothing leased, or the unknown ids listed next to the rows it did sync.
 */
import assert from "node:assert/strict";
import { leasedByRuns, seedWorld } from "../../stack/data.ts";
import { e2eTest, sharedStack } from "./fixture.ts";

const stack = sharedStack();
const MISSING = "00000000-0000-4000-8000-00000000dead";

e2eTest(
  stack,
  "a force-sync of a wallet, chain or asset that does not exist answers 404 naming it",
  (s) => seedWorld(s, { wallets: 1 }),
  async (s) => {
    const auth = { apikey: s.keys.secretKey };
    for (
      const [field, what] of [
        ["wallet_id", "wallet"],
        ["chain_id", "chain"],
        ["asset_on_chain_id", "asset_on_chain"],
      ] as const
    ) {
      const response = await s.fn!.call({ [field]: MISSING }, auth);
      assert.equal(response.status, 404, response.text);
      assert.equal(response.body.error, `${what} ${MISSING} does not exist`);
      assert.equal(response.body.field, field);
      assert.match(response.body.run_id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(await leasedByRuns(s), [], "nothing leased");
    }
    const [{ synced }] = await s.sql`
      select count(*)::int as synced from public.wallet_balances where sync_count > 0`;
    assert.equal(synced, 0, "nothing synced");
  },
);

e2eTest(
  stack,
  "a force-sync of wallet_balance_ids syncs the known rows and lists the unknown ones",
  (s) => seedWorld(s, { wallets: 1 }),
  async (s, world) => {
    const known = world.rows.slice(0, 2).map((r) => r.id);
    const response = await s.fn!.call({ wallet_balance_ids: [...known, MISSING] }, {
      apikey: s.keys.secretKey,
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.unknown_ids, [MISSING]);
    assert.equal(response.body.synced, 2);

    const none = await s.fn!.call({ wallet_balance_ids: [MISSING] }, {
      apikey: s.keys.secretKey,
    });
    assert.equal(none.status, 404, none.text);
    assert.equal(none.body.field, "wallet_balance_ids");
    assert.equal(none.body.error, `wallet_balance ${MISSING} does not exist`);
  },
);
