import assert from "node:assert/strict";
import { blockNumber, call, getCode, startAnvil } from "../../../stack/anvil.ts";
import {
  deployMalformed,
  deployReverting,
  deployToken,
  installMulticall3,
  mint,
  MULTICALL3_ADDRESS,
  setTokenBalance,
  setTokenBalances,
  tokenBalance,
  UINT256_MAX,
} from "../../../stack/contracts/mod.ts";

const holder = "0x00000000000000000000000000000000000000a1";

Deno.test("test contracts: token balances, a reverting token, a malformed token and Multicall3", async () => {
  const anvil = await startAnvil();
  try {
    const { rpcUrl } = anvil;
    const token = await deployToken(rpcUrl, { decimals: 6 });
    const minted = await mint(rpcUrl, token, holder, 5n);
    assert.equal(minted, await blockNumber(rpcUrl));
    assert.equal(await tokenBalance(rpcUrl, token, holder), 5n);
    await setTokenBalance(rpcUrl, token, holder, UINT256_MAX);
    assert.equal(await tokenBalance(rpcUrl, token, holder), UINT256_MAX);
    assert.equal(await tokenBalance(rpcUrl, token, holder, minted), 5n);
    await setTokenBalances(rpcUrl, token, [{ holder, amount: 7n }], 1);
    assert.equal(await tokenBalance(rpcUrl, token, holder), 7n);

    const reverting = await deployReverting(rpcUrl);
    await assert.rejects(tokenBalance(rpcUrl, reverting, holder), /balanceOf is disabled/);

    const malformed = await deployMalformed(rpcUrl, { returnLength: 1 });
    const data = "0x70a08231" + holder.slice(2).padStart(64, "0");
    assert.equal(await call(rpcUrl, { to: malformed, data }), "0xab");

    assert.equal(await getCode(rpcUrl, MULTICALL3_ADDRESS), "0x");
    await installMulticall3(rpcUrl);
    assert.ok((await getCode(rpcUrl, MULTICALL3_ADDRESS)).length > 1000);
  } finally {
    await anvil.stop();
  }
});
