import assert from "node:assert/strict";
import { getBalance, setBalance, startAnvil } from "../../../stack/anvil.ts";
import { UINT256_MAX } from "../../../stack/contracts/mod.ts";
const holder = "0x00000000000000000000000000000000000000a1";

Deno.test("anvil harness: starts on a free port, sets balances, and stops", async () => {
  const anvil = await startAnvil();
  try {
    assert.ok(anvil.port > 0);
    await setBalance(anvil.rpcUrl, holder, UINT256_MAX);
    assert.equal(await getBalance(anvil.rpcUrl, holder), UINT256_MAX);
  } finally {
    await anvil.stop();
  }
  await assert.rejects(fetch(anvil.rpcUrl, { method: "POST", body: "{}" }));
});
