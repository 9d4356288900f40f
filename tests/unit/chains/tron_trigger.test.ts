/**
 * The reader's own triggerconstantcontract request is the one tronweb's triggerConstantContract
 * sends: the same JSON body, field for field, for the same call.
 */
import assert from "node:assert/strict";
import { TronWeb } from "tronweb";
import { deployToken, setTokenBalance } from "../../../stack/contracts/mod.ts";
import { chainConfig, raw } from "../../support/chain_reads.ts";
import { withTronNode } from "../../support/tron_env.ts";
import { toEvmAddress, toTronBase58 } from "../../../stack/standins/tron_node.ts";
import { createTronReader } from "../../../supabase/functions/balance-sync/chains/tron/reader.ts";

const HOLDER = toTronBase58(`0x${"7e0000".padStart(40, "0")}`);

Deno.test("TRON reader: its balanceOf request body equals tronweb triggerConstantContract's, and the value is exact", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const token = toTronBase58(await deployToken(anvil.rpcUrl, { decimals: 6 }));
    const amount = 2n ** 200n + 7n;
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(token), toEvmAddress(HOLDER), amount);

    const tronWeb = new TronWeb({ fullHost: node.url });
    await tronWeb.transactionBuilder.triggerConstantContract(
      token,
      "balanceOf(address)",
      {},
      [{ type: "address", value: HOLDER }],
      HOLDER,
    );
    const read = await createTronReader()(
      chainConfig({
        id: "tron-trigger-body",
        name: "tron-standin",
        family: "tron",
        rpcUrl: node.url,
        maxRps: 200,
        maxConcurrency: 4,
      }),
      [{ key: "k", address: HOLDER, token }],
    );

    assert.equal(raw(read, "k"), amount);
    const bodies = node.requests.records
      .filter((r) => r.path === "/wallet/triggerconstantcontract")
      .map((r) => r.body);
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[1], bodies[0]);
  });
});
