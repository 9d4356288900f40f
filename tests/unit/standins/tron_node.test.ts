/**
 * The TRON full-node stand-in, checked through tronweb itself (the client whose expectations it
 * must meet) and through raw HTTP for java-tron's wire shapes.
 */
import assert from "node:assert/strict";
import { TronWeb } from "tronweb";
import { blockNumber, getBalance, mine } from "../../../stack/anvil.ts";
import { deployReverting, deployToken, setTokenBalance } from "../../../stack/contracts/mod.ts";
import {
  maxInWindow,
  toEvmAddress,
  toTronBase58,
  toTronHex,
  type TronNode,
} from "../../../stack/standins/tron_node.ts";
import { type TronEnv, withTronNode } from "../../support/tron_env.ts";

const H1 = toTronBase58("0x00000000000000000000000000000000000a11ce");
const H2 = toTronBase58("0x00000000000000000000000000000000000b0b00");

/** The stand-in on a fresh anvil, with a tronweb client pointed at it. */
function withNode(fn: (env: TronEnv & { tronWeb: TronWeb }) => Promise<void>) {
  return withTronNode((env) => fn({ ...env, tronWeb: new TronWeb({ fullHost: env.node.url }) }));
}

/** tronweb types a constant call's answer as a built transaction; it is a TransactionExtention. */
interface ConstantAnswer {
  result: { result?: boolean };
  constant_result: string[];
  energy_used: number;
  transaction: {
    ret: unknown[];
    txID: string;
    raw_data_hex: string;
    raw_data: { contract: { parameter: { value: Record<string, string> } }[] };
  };
}

const post = (node: TronNode, path: string, body: unknown) =>
  fetch(`${node.url}${path}`, { method: "POST", body: JSON.stringify(body) });

/** H1's constant call of balanceOf(address 0) on `contract`, posted as is; the node's JSON. */
const balanceOfCall = async (node: TronNode, contract: string) =>
  await (await post(node, "/wallet/triggerconstantcontract", {
    owner_address: toTronHex(H1),
    contract_address: toTronHex(contract),
    function_selector: "balanceOf(address)",
    parameter: "0".repeat(64),
  })).json();

const hex = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("TRON stand-in: tronweb reads account balances from /wallet and /walletsolidity getaccount", async () => {
  await withNode(async ({ node, tronWeb, anvil }) => {
    await node.setAccountBalance(H1, 1_500_000n);
    assert.equal(await tronWeb.trx.getBalance(H1), 1_500_000);
    assert.equal(await tronWeb.trx.getUnconfirmedBalance(H1), 1_500_000);
    assert.equal(await tronWeb.trx.getBalance(H2), 0);
    assert.deepEqual(await tronWeb.trx.getAccount(H2), {});
    // getBalance and getAccount read confirmed state, getUnconfirmedBalance the latest.
    assert.equal(node.requests.byPath["/walletsolidity/getaccount"], 3);
    assert.equal(node.requests.byPath["/wallet/getaccount"], 1);
    // The same amount sits on anvil, where Multicall3's getEthBalance reads it.
    assert.equal(await getBalance(anvil.rpcUrl, toEvmAddress(H1)), 1_500_000n);
  });
});

Deno.test("TRON stand-in: getaccount prints int64 balances exactly, hex or base58 with visible", async () => {
  await withNode(async ({ node }) => {
    await node.setAccountBalance(H1, 2n ** 53n + 1n);
    const text = await (await post(node, "/wallet/getaccount", { address: toTronHex(H1) })).text();
    assert.match(text, /"balance":9007199254740993[,}]/);
    assert.match(text, new RegExp(`"address":"${toTronHex(H1)}"`));
    const visible = await post(node, "/wallet/getaccount", { address: H1, visible: true });
    assert.match(await visible.text(), new RegExp(`"address":"${H1}"`));
    await assert.rejects(node.setAccountBalance(H1, 1n << 63n), RangeError);
    await node.removeAccount(H1);
    assert.equal(
      await (await post(node, "/wallet/getaccount", { address: H1, visible: true })).text(),
      "{}",
    );
  });
});

Deno.test("TRON stand-in: getnowblock carries anvil's head in block_header.raw_data.number", async () => {
  await withNode(async ({ anvil, node, tronWeb }) => {
    await mine(anvil.rpcUrl, 5);
    const block = await tronWeb.trx.getCurrentBlock();
    assert.equal(BigInt(block.block_header.raw_data.number), await blockNumber(anvil.rpcUrl));
    assert.equal(block.blockID.length, 64);
    assert.equal(block.blockID.slice(0, 16), (5).toString(16).padStart(16, "0"));
    const confirmed = await (await post(node, "/walletsolidity/getnowblock", {})).json();
    assert.equal(confirmed.block_header.raw_data.number, 5);
  });
});

Deno.test("TRON stand-in: triggerconstantcontract runs balanceOf on anvil and answers java-tron's shape", async () => {
  await withNode(async ({ anvil, tronWeb }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    await setTokenBalance(anvil.rpcUrl, token, toEvmAddress(H1), 123n);
    // tronweb's types describe a built transaction; the constant-call answer has more fields.
    const answer = await tronWeb.transactionBuilder.triggerConstantContract(
      toTronBase58(token),
      "balanceOf(address)",
      {},
      [{ type: "address", value: H1 }],
      H2,
    ) as unknown as ConstantAnswer;
    assert.deepEqual(answer.result, { result: true });
    assert.equal(BigInt(`0x${answer.constant_result[0]}`), 123n);
    assert.ok(answer.energy_used > 0);
    const tx = answer.transaction;
    assert.deepEqual(tx.ret, [{}]);
    const value = tx.raw_data.contract[0].parameter.value;
    assert.equal(value.owner_address, toTronHex(H2));
    assert.equal(value.contract_address, toTronHex(toTronBase58(token)));
    assert.equal(value.data.slice(0, 8), "70a08231");
    // txID is the sha256 of raw_data_hex, as on java-tron.
    const digest = await crypto.subtle.digest(
      "SHA-256",
      Uint8Array.from(tx.raw_data_hex.match(/../g)!.map((b: string) => parseInt(b, 16))),
    );
    assert.equal(
      tx.txID,
      [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
  });
});

Deno.test("TRON stand-in: no contract at the address is CONTRACT_VALIDATE_ERROR, which tronweb decodes", async () => {
  await withNode(async ({ node, tronWeb }) => {
    const body = await balanceOfCall(node, H2);
    assert.deepEqual(body, {
      result: { code: "CONTRACT_VALIDATE_ERROR", message: hex("Smart contract is not exist.") },
    });
    await assert.rejects(
      tronWeb.transactionBuilder.triggerConstantContract(H2, "balanceOf(address)", {}, [], H1),
      /Smart contract is not exist\./,
    );
  });
});

Deno.test("TRON stand-in: a constant call without owner_address is refused, as java-tron does", async () => {
  await withNode(async ({ anvil, node, tronWeb }) => {
    const token = toTronBase58(await deployToken(anvil.rpcUrl, { decimals: 6 }));
    // tronweb sends owner_address "" when no issuer is given and it has no default address.
    await assert.rejects(
      tronWeb.transactionBuilder.triggerConstantContract(token, "balanceOf(address)", {}, [
        { type: "address", value: H1 },
      ]),
      /owner_address isn't set\./,
    );
    assert.equal(node.requests.byPath["/wallet/triggerconstantcontract"], 1);
  });
});

Deno.test("TRON stand-in: a revert answers result true, the REVERT message and the revert data", async () => {
  await withNode(async ({ anvil, node }) => {
    const reverting = await deployReverting(anvil.rpcUrl);
    const body = await balanceOfCall(node, reverting);
    assert.deepEqual(body.result, { result: true, message: hex("REVERT opcode executed") });
    assert.match(body.constant_result[0], /^08c379a0/);
    assert.deepEqual(body.transaction.ret, [{ ret: "FAILED" }]);
  });
});

Deno.test("TRON stand-in: faults answer the chosen paths for the chosen number of requests", async () => {
  await withNode(async ({ node }) => {
    const limited = node.inject({
      kind: "rate-limit",
      retryAfter: 2,
      times: 2,
      path: "/wallet/getaccount",
    });
    const first = await post(node, "/wallet/getaccount", { address: H1, visible: true });
    assert.equal(first.status, 429);
    assert.equal(first.headers.get("retry-after"), "2");
    await first.body?.cancel();
    const block = await post(node, "/wallet/getnowblock", {});
    assert.equal(block.status, 200);
    await block.body?.cancel();
    assert.equal((await post(node, "/wallet/getaccount", { address: H1 })).status, 429);
    assert.equal(limited.hits, 2);
    const after = await post(node, "/wallet/getaccount", { address: H1 });
    assert.equal(after.status, 200);
    assert.equal(await after.text(), "{}");

    const suspended = node.inject({ kind: "suspended", status: 503, seconds: 5 });
    const answer = await post(node, "/wallet/getnowblock", {});
    assert.equal(answer.status, 503);
    assert.match(await answer.text(), /suspended for 5s/);
    suspended.clear();

    node.inject({ kind: "html", status: 502, times: 1 });
    const page = await post(node, "/wallet/getnowblock", {});
    assert.equal(page.status, 502);
    assert.match(await page.text(), /<title>502 Bad Gateway<\/title>/);

    node.inject({ kind: "lack-of-resources" });
    assert.match(
      await (await post(node, "/wallet/getnowblock", {})).text(),
      /lack of computing resources/,
    );
    node.clearFaults();
    assert.equal((await post(node, "/wallet/getnowblock", {})).status, 200);
    assert.equal(node.requests.count, 8);
  });
});

Deno.test("TRON stand-in: unknown paths get Jetty's 404 page, and requests are logged with their API key", async () => {
  await withNode(async ({ node }) => {
    const response = await fetch(`${node.url}/wallet/nosuchthing`, {
      method: "POST",
      headers: { "TRON-PRO-API-KEY": "k-1" },
      body: "{}",
    });
    assert.equal(response.status, 404);
    assert.match(await response.text(), /HTTP ERROR 404/);
    assert.equal(node.requests.records[0].apiKey, "k-1");
    node.requests.reset();
    assert.equal(node.requests.count, 0);
  });
});

Deno.test("maxInWindow() counts the busiest half-open window", () => {
  assert.equal(maxInWindow([], 1000), 0);
  assert.equal(maxInWindow([0, 100, 999, 1000, 1001], 1000), 4); // [100, 1100)
  assert.equal(maxInWindow([0, 999, 1000], 1000), 2);
  assert.equal(maxInWindow([0, 1000, 2000], 1000), 1);
  assert.equal(maxInWindow([5, 1, 3, 2, 4], 10), 5);
});
