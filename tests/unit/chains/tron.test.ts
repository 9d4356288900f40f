import assert from "node:assert/strict";
import { TronWeb } from "tronweb";
import { type Anvil, blockNumber, mine } from "../../../stack/anvil.ts";
import {
  deployMalformed,
  deployReverting,
  deployToken,
  installMulticall3,
  setTokenBalance,
  setTokenBalances,
  UINT256_MAX,
} from "../../../stack/contracts/mod.ts";
import { closedPortUrl } from "../../../stack/rpc_proxy.ts";
import {
  assertAbortEndsRead,
  assertNoSecret,
  assertUnsetKeyRefused,
  chainConfig,
  coinQuery as trx,
  failure,
  raw,
  refusingFetch,
  secretChain,
  tokenQuery as trc20,
  URL_WITH_SECRETS,
} from "../../support/chain_reads.ts";
import { withTronNode } from "../../support/tron_env.ts";
import {
  startTronNode,
  toEvmAddress,
  toTronBase58,
  toTronHex,
  type TronNode,
} from "../../../stack/standins/tron_node.ts";
import {
  createTronReader,
  type TronReaderSettings,
} from "../../../supabase/functions/balance-sync/chains/tron/reader.ts";
import type { ChainConfig } from "../../../supabase/functions/balance-sync/chains/types.ts";

/** A TRON address (base58) for test holder `i`. */
const holder = (i: number) => toTronBase58(`0x${(0x7e0000 + i).toString(16).padStart(40, "0")}`);
const H1 = holder(1);
const H2 = holder(2);
const H3 = holder(3);
/** Where the community Multicall3 sits on TRON mainnet; any address works on the stand-in. */
const MULTICALL_EVM = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";
const MULTICALL = toTronBase58(MULTICALL_EVM);
const INT64_MAX = (1n << 63n) - 1n;

let nextChain = 0;

/** A chain row for the stand-in; a fresh id per call so that pacers are not shared by tests. */
function chainFor(url: string, over: Partial<ChainConfig> = {}): ChainConfig {
  return chainConfig({
    id: `tron-test-${nextChain++}`,
    name: "tron-standin",
    family: "tron",
    rpcUrl: url,
    maxRps: 200,
    maxConcurrency: 4,
    ...over,
  });
}

/** Short timeouts and backoffs so fault tests stay quick; nothing asserts on elapsed time. */
const quick: TronReaderSettings = { timeoutMs: 400, backoffMs: 20, maxWaitMs: 3_000 };

async function token(anvil: Anvil, decimals = 6): Promise<string> {
  return toTronBase58(await deployToken(anvil.rpcUrl, { decimals }));
}

Deno.test("TRON reader: TRC20 balances of 0 and uint256 max read exactly via tronweb with the holder as issuer", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const usdt = await token(anvil);
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H1), UINT256_MAX);

    const read = await createTronReader()(chainFor(node.url), [
      trc20("max", H1, usdt),
      trc20("zero", H2, usdt),
    ]);

    assert.equal(raw(read, "max"), UINT256_MAX);
    assert.equal(raw(read, "zero"), 0n);
    assert.equal(read.mode, "per-call");
    assert.equal(read.requests, 3);
    assert.equal(node.requests.count, 3);
    assert.deepEqual(node.requests.byPath, {
      "/wallet/getnowblock": 1,
      "/wallet/triggerconstantcontract": 2,
    });
    const triggers = node.requests.records.filter((r) =>
      r.path.endsWith("triggerconstantcontract")
    );
    const bodies = triggers.map((r) => r.body as Record<string, unknown>);
    assert.deepEqual(
      bodies.map((b) => b.owner_address).sort(),
      [toTronHex(H1), toTronHex(H2)].sort(),
    );
    for (const body of bodies) {
      assert.equal(body.function_selector, "balanceOf(address)");
      assert.equal(body.contract_address, toTronHex(usdt));
    }
  });
});

Deno.test("TRON reader: TRX above 2^53 sun is exact, where tronweb's getBalance is not", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 2n ** 53n + 1n);
    await node.setAccountBalance(H2, INT64_MAX);

    const read = await createTronReader()(chainFor(node.url), [trx("a", H1), trx("b", H2)]);

    assert.equal(raw(read, "a"), 9_007_199_254_740_993n);
    assert.equal(raw(read, "b"), INT64_MAX);
    assert.equal(read.requests, 3);
    assert.equal(node.requests.byPath["/wallet/getaccount"], 2);
    // Why the body text is used: the same account through tronweb's own API rounds.
    const tronWeb = new TronWeb({ fullHost: node.url });
    assert.equal(await tronWeb.trx.getBalance(H1), 9_007_199_254_740_992);
  });
});

Deno.test("TRON reader: a never-activated account has TRX 0 and its TRC20 balance is still read", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const usdt = await token(anvil);
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H3), 42_000_000n);

    const read = await createTronReader()(chainFor(node.url), [
      trx("trx", H3),
      trc20("usdt", H3, usdt),
    ]);

    assert.equal(raw(read, "trx"), 0n);
    assert.equal(raw(read, "usdt"), 42_000_000n);
    const account = node.requests.records.find((r) => r.path === "/wallet/getaccount");
    assert.deepEqual(account?.body, { address: toTronHex(H3) });
  });
});

Deno.test("TRON reader: an activated account whose zero balance java-tron omits reads 0", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 0n);
    const answer = await fetch(`${node.url}/wallet/getaccount`, {
      method: "POST",
      body: JSON.stringify({ address: toTronHex(H1) }),
    }).then((r) => r.json());
    assert.equal(answer.address, toTronHex(H1));
    assert.equal("balance" in answer, false);

    const read = await createTronReader()(chainFor(node.url), [trx("a", H1)]);
    assert.equal(raw(read, "a"), 0n);
  });
});

Deno.test("TRON reader: `{}` injected for an account that holds TRX reads 0, not an error", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 5n);
    node.inject({ kind: "empty-account", times: 1 });
    const read = await createTronReader()(chainFor(node.url), [trx("a", H1)]);
    assert.equal(raw(read, "a"), 0n);
  });
});

Deno.test("TRON reader: a token address without a contract is a permanent CONTRACT_VALIDATE_ERROR with its message decoded", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const usdt = await token(anvil);
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H1), 7n);
    const noCode = holder(99);

    const read = await createTronReader()(chainFor(node.url), [
      trc20("missing", H1, noCode),
      trc20("fine", H1, usdt),
    ]);

    const error = failure(read, "missing", "permanent", /Smart contract is not exist\./);
    assert.equal(error.data.rpcCode, "CONTRACT_VALIDATE_ERROR");
    assert.equal(error.data.url, `${node.url}/wallet/triggerconstantcontract`);
    assert.equal(raw(read, "fine"), 7n);

    node.inject({ kind: "contract-validate-error", times: 1 });
    const injected = await createTronReader()(chainFor(node.url), [trc20("x", H1, usdt)]);
    failure(injected, "x", "permanent", /No contract or not a valid smart contract/);
  });
});

Deno.test("TRON reader: a reverting balanceOf is permanent with its reason; neighbours still read", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const reverting = toTronBase58(await deployReverting(anvil.rpcUrl));
    const usdt = await token(anvil);
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H1), 9n);

    const read = await createTronReader()(chainFor(node.url), [
      trc20("bad", H1, reverting),
      trc20("good", H1, usdt),
    ]);

    failure(read, "bad", "permanent", /reverted: balanceOf is disabled/);
    assert.equal(raw(read, "good"), 9n);
  });
});

Deno.test("TRON reader: malformed balanceOf returns (1, 64 and 0 bytes) are permanent", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const one = toTronBase58(await deployMalformed(anvil.rpcUrl, { returnLength: 1 }));
    const two = toTronBase58(await deployMalformed(anvil.rpcUrl, { returnLength: 64 }));
    const none = toTronBase58(await deployMalformed(anvil.rpcUrl, { returnLength: 0 }));

    const read = await createTronReader()(chainFor(node.url), [
      trc20("one", H1, one),
      trc20("two", H1, two),
      trc20("none", H1, none),
    ]);

    failure(read, "one", "permanent", /1 bytes instead of one 32-byte word/);
    failure(read, "two", "permanent", /64 bytes instead of one 32-byte word/);
    failure(read, "none", "permanent", /returned no data/);
  });
});

Deno.test("TRON reader: a bad base58 or an EVM 0x address is a configuration error for that query only", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const usdt = await token(anvil);
    await node.setAccountBalance(H1, 3n);
    const badChecksum = H2.slice(0, -1) + (H2.endsWith("a") ? "b" : "a");

    const read = await createTronReader()(chainFor(node.url), [
      trx("checksum", badChecksum),
      trx("evm", toEvmAddress(H2)),
      trc20("evm-token", H1, toEvmAddress(usdt)),
      trc20("bad-token", H1, "Tnotanaddress"),
      trx("good", H1),
    ]);

    failure(read, "checksum", "configuration", /holder address: .*bad base58 checksum/);
    failure(read, "evm", "configuration", /holder address: .*EVM \(0x\) address/);
    failure(read, "evm-token", "configuration", /token contract address: .*EVM \(0x\)/);
    failure(read, "bad-token", "configuration", /token contract address/);
    assert.equal(raw(read, "good"), 3n);
    // Only the block and the one valid account were asked for.
    assert.equal(read.requests, 2);
  });
});

Deno.test("TRON reader: error data carries the node URL without path keys or query secrets", async () => {
  const base = closedPortUrl();
  const read = await createTronReader(quick)(
    chainFor(`${base}/0123456789abcdefghijKLMNOP/?apikey=s3cr3t`),
    [trx("a", H1)],
  );
  const error = failure(read, "a", "transient");
  assert.equal(error.data.url, `${base}/***/wallet/getnowblock`);
  assert.equal(JSON.stringify([error.message, error.data]).includes("s3cr3t"), false);
  assert.equal(error.message.includes("0123456789abcdefghijKLMNOP"), false);
});

Deno.test("TRON reader: a chain whose node is down fails only with transient errors and never rejects", async () => {
  const read = await createTronReader(quick)(chainFor(closedPortUrl()), [
    trx("a", H1),
    trc20("b", H1, H2),
    trx("bad", "0x00"),
  ]);
  failure(read, "a", "transient", /unreachable/);
  failure(read, "b", "transient", /unreachable/);
  failure(read, "bad", "configuration");
  assert.equal(read.block, null);
  // The head request failed, so no balance was asked for.
  assert.equal(read.requests, 1);
});

Deno.test("TRON reader: a node that never answers times out as transient", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({ kind: "timeout", path: "/wallet/getaccount" });
    const read = await createTronReader(quick)(chainFor(node.url), [trx("a", H1)]);
    failure(read, "a", "transient", /did not answer within 400 ms/);
  });
});

Deno.test("TRON reader: 429 with Retry-After is waited out and the retry succeeds", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 11n);
    const fault = node.inject({ kind: "rate-limit", retryAfter: 1, times: 1 });

    const read = await createTronReader(quick)(chainFor(node.url), [trx("a", H1)]);

    assert.equal(fault.hits, 1);
    assert.equal(raw(read, "a"), 11n);
    // The 429 hit the block read; it was retried, then the account read.
    assert.equal(read.requests, 3);
    const [limited, retried] = node.requests.records;
    assert.equal(limited.path, "/wallet/getnowblock");
    assert.equal(retried.path, "/wallet/getnowblock");
    assert.ok(retried.at - limited.at >= 950, `retried after ${retried.at - limited.at} ms`);
  });
});

/** Three accounts read one at a time while the first account read meets a 1 s suspension. */
function readThroughSuspension(latencyMs: number) {
  return withTronNode(async ({ node }) => {
    for (const h of [H1, H2, H3]) await node.setAccountBalance(h, 1n);
    node.inject({
      kind: "suspended",
      status: 403,
      seconds: 1,
      times: 1,
      path: "/wallet/getaccount",
    });
    const read = await createTronReader(quick)(
      chainFor(node.url, { maxConcurrency: 1 }),
      [trx("a", H1), trx("b", H2), trx("c", H3)],
    );
    for (const key of ["a", "b", "c"]) assert.equal(raw(read, key), 1n);
    const records = node.requests.records;
    const suspendedAt = records.findIndex((r) => r.path === "/wallet/getaccount");
    // Nothing at all was sent inside the window, not only the retried request.
    return { read, gap: records[suspendedAt + 1].at - records[suspendedAt].at };
  }, { latencyMs });
}

Deno.test("TRON reader: a TronGrid suspension pauses the whole chain for its window, then reads", async () => {
  const { read, gap } = await readThroughSuspension(0);
  assert.ok(gap >= 950, `next request ${Math.round(gap)} ms after the suspended one`);
  assert.equal(read.requests, 5);
});

Deno.test("TRON reader: a request waiting for the slot does not start inside a suspension that arrives after the pacing interval", async () => {
  // The node answers slower than the pacing interval (5 ms at 200 req/s), so the waiting request's
  // turn has come by the time the 403 arrives: only the pause may hold it back.
  const { gap } = await readThroughSuspension(60);
  assert.ok(gap >= 1000, `next request ${Math.round(gap)} ms after the suspended one`);
});

Deno.test("TRON reader: a suspension longer than the read may wait fails fast, sends nothing more, and is honoured by the next read", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({
      kind: "suspended",
      status: 503,
      seconds: 30,
      times: 1,
      path: "/wallet/getaccount",
    });
    const chain = chainFor(node.url, { maxConcurrency: 1 });
    const reader = createTronReader(quick);

    const read = await reader(chain, [trx("a", H1), trx("b", H2), trx("c", H3)]);

    const error = failure(read, "a", "transient", /rate limiting \(HTTP 503: The key exceeds/);
    assert.equal(error.data.status, 503);
    assert.equal(error.data.retryAfterSeconds, 30);
    const later = failure(read, "b", "transient", /asked to pause/);
    assert.ok((later.data.retryAfterSeconds ?? 0) > 25);
    failure(read, "c", "transient");
    assert.equal(read.requests, 2);

    const next = await reader(chain, [trx("a", H1)]);
    failure(next, "a", "transient", /asked to pause/);
    assert.equal(next.requests, 0);
    assert.equal(node.requests.count, 2);
  });
});

Deno.test("TRON reader: a 429 that never ends is retried a bounded number of times, then transient", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({ kind: "rate-limit", path: "/wallet/getnowblock" });
    const read = await createTronReader({ ...quick, maxRetries: 2 })(chainFor(node.url), [
      trx("a", H1),
    ]);
    const error = failure(read, "a", "transient", /rate limiting \(HTTP 429/);
    assert.equal(error.data.status, 429);
    assert.equal(read.requests, 3);
  });
});

Deno.test("TRON reader: java-tron's 'lack of computing resources' is backed off and retried", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 8n);
    node.inject({ kind: "lack-of-resources", times: 2, path: "/wallet/getaccount" });
    const read = await createTronReader(quick)(chainFor(node.url), [trx("a", H1)]);
    assert.equal(raw(read, "a"), 8n);
    assert.equal(node.requests.byPath["/wallet/getaccount"], 3);
  });
});

Deno.test("TRON reader: 5xx answers and HTML error pages are transient with their status", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({
      kind: "status",
      status: 500,
      body: "boom",
      path: "/wallet/getaccount",
      times: 1,
    });
    node.inject({ kind: "html", status: 502, path: "/wallet/getaccount", times: 1 });
    const reader = createTronReader(quick);

    const first = await reader(chainFor(node.url), [trx("a", H1)]);
    const error = failure(first, "a", "transient", /answered HTTP 500: boom/);
    assert.equal(error.data.status, 500);
    assert.equal(error.data.url, `${node.url}/wallet/getaccount`);

    const second = await reader(chainFor(node.url), [trx("a", H1)]);
    failure(second, "a", "transient", /HTTP 502: 502 Bad Gateway/);
  });
});

Deno.test("TRON reader: malformed JSON and a truncated body are transient", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({ kind: "malformed-json", path: "/wallet/getaccount", times: 1 });
    node.inject({ kind: "truncated", path: "/wallet/getaccount", times: 1 });
    const read = await createTronReader(quick)(
      chainFor(node.url, { maxConcurrency: 1 }),
      [trx("a", H1), trx("b", H2)],
    );
    failure(read, "a", "transient", /malformed JSON/);
    failure(read, "b", "transient", /answered HTTP 200 but the body broke off/);
  });
});

Deno.test("TRON reader: the API key from apiKeyEnv goes in TRON-PRO-API-KEY and never into errors", async () => {
  await withTronNode(async ({ node }) => {
    const key = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
    const env = (name: string) => (name === "TRONGRID_KEY" ? key : undefined);
    node.inject({ kind: "status", status: 500, path: "/wallet/getaccount" });

    const read = await createTronReader(quick)(
      chainFor(node.url, { apiKeyEnv: "TRONGRID_KEY" }),
      [trx("a", H1)],
      { env },
    );

    const error = failure(read, "a", "transient");
    assert.ok(node.requests.records.every((r) => r.apiKey === key));
    assert.equal(JSON.stringify({ m: error.message, d: error.data }).includes(key), false);

    await assertUnsetKeyRefused(createTronReader(quick), chainFor(node.url), trx("a", H1));
  });
});

Deno.test("TRON reader: fallback URLs take over when the primary node is down", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 12n);
    const read = await createTronReader(quick)(
      chainFor(closedPortUrl(), { fallbackRpcUrls: [node.url] }),
      [trx("a", H1), trx("b", H1)],
    );
    assert.equal(raw(read, "a"), 12n);
    assert.equal(raw(read, "b"), 12n);
    // One failed attempt on the primary, then everything on the fallback.
    assert.equal(read.requests, 4);
    assert.equal(node.requests.count, 3);
  });
});

Deno.test("TRON reader: multicall reads hundreds of balances in one request per chunk", async () => {
  await withTronNode(async ({ anvil, node }) => {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const usdt = await token(anvil);
    const holders = Array.from({ length: 300 }, (_, i) => holder(1000 + i));
    await setTokenBalances(
      anvil.rpcUrl,
      toEvmAddress(usdt),
      holders.map((h, i) => ({ holder: toEvmAddress(h), amount: BigInt(i) * 10n ** 20n + 1n })),
    );
    // Multicall's getEthBalance sees anvil's balance, which setAccountBalance also sets.
    for (const [i, h] of holders.entries()) {
      if (i % 3 !== 0) await node.setAccountBalance(h, 2n ** 53n + BigInt(i));
    }
    const queries = holders.flatMap((h, i) => [trx(`n${i}`, h), trc20(`t${i}`, h, usdt)]);

    const read = await createTronReader()(
      chainFor(node.url, { multicallAddress: MULTICALL }),
      queries,
      { chunkSize: 200 },
    );

    assert.equal(read.mode, "multicall");
    assert.equal(read.note, undefined);
    for (const [i] of holders.entries()) {
      assert.equal(raw(read, `n${i}`), i % 3 === 0 ? 0n : 2n ** 53n + BigInt(i));
      assert.equal(raw(read, `t${i}`), BigInt(i) * 10n ** 20n + 1n);
    }
    // 600 balances: one head request and three aggregate3 requests of 200 calls.
    assert.equal(read.requests, 4);
    assert.deepEqual(node.requests.byPath, {
      "/wallet/getnowblock": 1,
      "/wallet/triggerconstantcontract": 3,
    });
    const body = node.requests.records.at(-1)?.body as Record<string, unknown>;
    assert.equal(body.function_selector, "aggregate3((address,bool,bytes)[])");
    assert.equal(body.contract_address, toTronHex(MULTICALL));
  });
});

Deno.test("TRON reader: inside an aggregate, bad tokens fail alone and the rest still read", async () => {
  await withTronNode(async ({ anvil, node }) => {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const usdt = await token(anvil);
    const reverting = toTronBase58(await deployReverting(anvil.rpcUrl));
    const malformed = toTronBase58(await deployMalformed(anvil.rpcUrl, { returnLength: 1 }));
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H1), UINT256_MAX);
    await node.setAccountBalance(H1, INT64_MAX);

    const read = await createTronReader()(
      chainFor(node.url, { multicallAddress: MULTICALL }),
      [
        trx("trx", H1),
        trc20("usdt", H1, usdt),
        trc20("reverting", H1, reverting),
        trc20("malformed", H1, malformed),
        trc20("no-code", H1, holder(77)),
        trx("never", H3),
      ],
    );

    assert.equal(raw(read, "trx"), INT64_MAX);
    assert.equal(raw(read, "usdt"), UINT256_MAX);
    assert.equal(raw(read, "never"), 0n);
    failure(read, "reverting", "permanent", /reverted: balanceOf is disabled/);
    failure(read, "malformed", "permanent", /1 bytes/);
    failure(read, "no-code", "permanent", /returned no data/);
    assert.equal(read.requests, 2);
  });
});

Deno.test("TRON reader: a multicall address without a contract costs one request, then reads per call and says so", async () => {
  await withTronNode(async ({ node }) => {
    await node.setAccountBalance(H1, 4n);
    const read = await createTronReader()(
      chainFor(node.url, { multicallAddress: MULTICALL }),
      [trx("a", H1), trx("b", H2)],
    );
    assert.equal(raw(read, "a"), 4n);
    assert.equal(raw(read, "b"), 0n);
    assert.equal(read.mode, "per-call");
    assert.match(read.note ?? "", /no multicall contract at TEazPvZwDjDtFeJupyo7QunvnrnUjPH8ED/);
    assert.deepEqual(node.requests.byPath, {
      "/wallet/getnowblock": 1,
      "/wallet/triggerconstantcontract": 1,
      "/wallet/getaccount": 2,
    });
  });
});

Deno.test("TRON reader: an aggregate that fails as a whole (node CPU timeout) is split and every balance still reads", async () => {
  await withTronNode(async ({ anvil, node }) => {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const holders = Array.from({ length: 8 }, (_, i) => holder(300 + i));
    for (const h of holders) await node.setAccountBalance(h, 6n);
    node.inject({ kind: "cpu-timeout", times: 1 });

    const read = await createTronReader()(
      chainFor(node.url, { multicallAddress: MULTICALL }),
      holders.map((h, i) => trx(`n${i}`, h)),
    );

    for (const [i] of holders.entries()) assert.equal(raw(read, `n${i}`), 6n);
    assert.match(read.note ?? "", /failed as a whole .*CPU time.*split/);
    // Head, the failed aggregate of 8, then two halves of 4.
    assert.equal(read.requests, 4);
  });
});

Deno.test("TRON reader: pacing keeps requests under maxRps in every one-second window and under maxConcurrency", async () => {
  await withTronNode(async ({ node }) => {
    const holders = Array.from({ length: 30 }, (_, i) => holder(500 + i));
    const read = await createTronReader()(
      chainFor(node.url, { maxRps: 10, maxConcurrency: 2 }),
      holders.map((h, i) => trx(`n${i}`, h)),
    );
    assert.equal(read.requests, 31);
    assert.equal(node.requests.count, 31);
    // 31 requests at 10/s: no window may hold more than 10 (50 ms allowed for loopback jitter).
    assert.ok(node.requests.maxInWindow(950) <= 10, `max ${node.requests.maxInWindow(950)}`);
    assert.ok(node.requests.maxInFlight <= 2, `in flight ${node.requests.maxInFlight}`);
  });
});

Deno.test("TRON reader: one head request per read, returned as the read's block", async () => {
  await withTronNode(async ({ anvil, node }) => {
    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    const usdt = await token(anvil);
    await mine(anvil.rpcUrl, 41);
    const head = await blockNumber(anvil.rpcUrl);

    const perCall = await createTronReader()(chainFor(node.url), [
      trx("a", H1),
      trx("b", H2),
      trc20("c", H1, usdt),
    ]);
    assert.equal(perCall.block, head);
    assert.equal(node.requests.byPath["/wallet/getnowblock"], 1);

    node.requests.reset();
    const multicall = await createTronReader()(
      chainFor(node.url, { multicallAddress: MULTICALL }),
      [trx("a", H1), trx("b", H2), trc20("c", H1, usdt)],
    );
    assert.equal(multicall.block, head);
    assert.equal(node.requests.byPath["/wallet/getnowblock"], 1);
  });
});

Deno.test("TRON reader: confirmations > 0 reads the solidity (confirmed) endpoints only", async () => {
  await withTronNode(async ({ anvil, node }) => {
    const usdt = await token(anvil);
    await node.setAccountBalance(H1, 5n);
    await setTokenBalance(anvil.rpcUrl, toEvmAddress(usdt), toEvmAddress(H1), 6n);

    const read = await createTronReader()(chainFor(node.url, { confirmations: 19 }), [
      trx("a", H1),
      trc20("b", H1, usdt),
    ]);

    assert.equal(raw(read, "a"), 5n);
    assert.equal(raw(read, "b"), 6n);
    assert.deepEqual(node.requests.byPath, {
      "/walletsolidity/getnowblock": 1,
      "/walletsolidity/getaccount": 1,
      "/walletsolidity/triggerconstantcontract": 1,
    });

    await installMulticall3(anvil.rpcUrl, MULTICALL_EVM);
    node.requests.reset();
    const viaMulticall = await createTronReader()(
      chainFor(node.url, { confirmations: 1, multicallAddress: MULTICALL }),
      [trx("a", H1), trc20("b", H1, usdt)],
    );
    assert.equal(viaMulticall.mode, "multicall");
    assert.equal(raw(viaMulticall, "a"), 5n);
    assert.equal(raw(viaMulticall, "b"), 6n);
    assert.deepEqual(node.requests.byPath, {
      "/walletsolidity/getnowblock": 1,
      "/walletsolidity/triggerconstantcontract": 1,
    });
  });
});

Deno.test("TRON reader: an aborted signal ends the read with transient outcomes instead of rejecting", async () => {
  await withTronNode(async ({ node }) => {
    node.inject({ kind: "timeout" });
    await assertAbortEndsRead(
      createTronReader(),
      chainFor(node.url),
      trx("a", H1),
      (controller) => setTimeout(() => controller.abort(), 50),
      /aborted/,
    );
  });
});

Deno.test("TRON reader: no queries, or only invalid ones, means no requests", async () => {
  const none = await createTronReader()(chainFor(closedPortUrl()), []);
  assert.deepEqual(none.outcomes, []);
  assert.equal(none.requests, 0);
  assert.equal(none.block, null);
  const invalid = await createTronReader()(chainFor(closedPortUrl()), [trx("x", "nope")]);
  failure(invalid, "x", "configuration");
  assert.equal(invalid.requests, 0);
});

const LAG = 5n;

interface LaggingEnv {
  primary: TronNode;
  /** A second node on the same anvil whose head is LAG blocks behind the primary's. */
  lagging: TronNode;
  /** The primary's head, after 20 blocks mined. */
  head: bigint;
}

async function withLaggingFallback(fn: (env: LaggingEnv) => Promise<void>): Promise<void> {
  await withTronNode(async ({ anvil, node: primary }) => {
    const lagging = await startTronNode({ anvilRpcUrl: anvil.rpcUrl, headLag: Number(LAG) });
    try {
      await mine(anvil.rpcUrl, 20);
      await fn({ primary, lagging, head: await blockNumber(anvil.rpcUrl) });
    } finally {
      await lagging.stop();
    }
  });
}

Deno.test("TRON reader: a read that fails over mid-way to a lagging node reports that node's lower head", async () => {
  await withLaggingFallback(async ({ primary, lagging, head }) => {
    await primary.setAccountBalance(holder(1), 11n);
    await primary.setAccountBalance(holder(2), 22n);
    await lagging.setAccountBalance(holder(1), 11n);
    await lagging.setAccountBalance(holder(2), 22n);
    // The primary answers the head, then fails every account read: the read moves on.
    primary.inject({ kind: "status", status: 500, path: "/wallet/getaccount" });

    const read = await createTronReader(quick)(
      chainFor(primary.url, { fallbackRpcUrls: [lagging.url] }),
      [trx("a", holder(1)), trx("b", holder(2))],
    );

    assert.equal(raw(read, "a"), 11n);
    assert.equal(raw(read, "b"), 22n);
    assert.equal(primary.requests.byPath["/wallet/getnowblock"], 1);
    assert.equal(lagging.requests.byPath["/wallet/getnowblock"], 1, "asked before it served");
    assert.equal(lagging.requests.byPath["/wallet/getaccount"], 2);
    assert.equal(read.block, head - LAG, `primary head ${head}, fallback ${head - LAG}`);
  });
});

Deno.test("TRON reader: without a failover the read reports the primary's head and never asks the fallback", async () => {
  await withLaggingFallback(async ({ primary, lagging, head }) => {
    await primary.setAccountBalance(holder(3), 33n);

    const read = await createTronReader(quick)(
      chainFor(primary.url, { fallbackRpcUrls: [lagging.url] }),
      [trx("c", holder(3))],
    );

    assert.equal(raw(read, "c"), 33n);
    assert.equal(read.block, head);
    assert.equal(read.requests, 2);
    assert.equal(lagging.requests.count, 0);
  });
});

Deno.test("TRON reader: an unreachable node's error never shows a key in its rpc_url", async () => {
  const read = createTronReader({ fetch: refusingFetch, maxRetries: 0 });
  const query = trx("a", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
  assertNoSecret(await read(secretChain("tron", URL_WITH_SECRETS, null), [query]));
});
