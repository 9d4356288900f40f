import assert from "node:assert/strict";
import { type Anvil, getBalance, mine, setBalance, startAnvil } from "../../../stack/anvil.ts";
import {
  deployGasBurner,
  deployMalformed,
  deployReverting,
  deployToken,
  installMulticall3,
  mint,
  setTokenBalance,
  setTokenBalances,
  tokenBalance,
  UINT256_MAX,
} from "../../../stack/contracts/mod.ts";
import {
  closedPortUrl,
  hasMethod,
  type RpcProxy,
  startRpcProxy,
} from "../../../stack/rpc_proxy.ts";
import {
  assertAbortEndsRead,
  assertNoSecret,
  assertUnsetKeyRefused,
  chainConfig,
  coinQuery as native,
  failure,
  raw,
  refusingFetch,
  secretChain,
  secretEnv,
  tokenQuery as erc20,
  URL_WITH_SECRETS,
} from "../../support/chain_reads.ts";
import {
  createEvmReader,
  type EvmReaderSettings,
} from "../../../supabase/functions/balance-sync/chains/evm/reader.ts";
import type {
  BalanceQuery,
  ChainConfig,
} from "../../../supabase/functions/balance-sync/chains/types.ts";
import { toHuman } from "../../../supabase/functions/balance-sync/amount.ts";

const holder = (i: number) => `0x${(0xbeef0000 + i).toString(16).padStart(40, "0")}`;
const H1 = holder(1);
const H2 = holder(2);
const H3 = holder(3);

function chainFor(rpcUrl: string, over: Partial<ChainConfig> = {}): ChainConfig {
  return chainConfig({ id: "chain-1", name: "anvil", family: "evm", rpcUrl, ...over });
}

/** Fast failure settings so fault tests stay short; nothing asserts on time. */
const quick: EvmReaderSettings = { timeoutMs: 400, retryCount: 1, retryDelayMs: 10 };

interface Env {
  anvil: Anvil;
  proxy: RpcProxy;
}

/** A fresh anvil with Multicall3, behind a counting proxy; both stopped however the test ends. */
async function withChain(
  fn: (env: Env) => Promise<void>,
  options: { multicall?: boolean; anvilArgs?: string[] } = {},
) {
  const anvil = await startAnvil({ args: options.anvilArgs });
  let proxy: RpcProxy | undefined;
  try {
    if (options.multicall !== false) await installMulticall3(anvil.rpcUrl);
    proxy = await startRpcProxy({ target: anvil.rpcUrl });
    await fn({ anvil, proxy });
  } finally {
    await proxy?.stop();
    await anvil.stop();
  }
}

Deno.test("EVM reader: native and token balances of 0 and uint256 max come from one aggregate3", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 18 });
    await setBalance(anvil.rpcUrl, H1, UINT256_MAX);
    await setBalance(anvil.rpcUrl, H2, 0n);
    await setTokenBalance(anvil.rpcUrl, token, H1, UINT256_MAX);

    const read = await createEvmReader()(chainFor(proxy.url), [
      native("n-max", H1),
      native("n-zero", H2),
      erc20("t-max", H1, token),
      erc20("t-zero", H2, token),
    ]);

    assert.equal(read.mode, "multicall");
    assert.equal(read.note, undefined);
    assert.equal(raw(read, "n-max"), UINT256_MAX);
    assert.equal(raw(read, "n-zero"), 0n);
    assert.equal(raw(read, "t-max"), UINT256_MAX);
    assert.equal(raw(read, "t-zero"), 0n);
    assert.deepEqual(read.outcomes.map((o) => o.key), ["n-max", "n-zero", "t-max", "t-zero"]);
    // Head + chain checks in one HTTP request, the aggregate in a second.
    assert.equal(read.requests, 2);
    assert.equal(proxy.requests, 2);
    assert.deepEqual(proxy.log.map((l) => l.methods), [
      ["eth_blockNumber", "eth_getCode"],
      ["eth_call"],
    ]);
  });
});

Deno.test("EVM reader: tokens with decimals 0, 6, 18 and 30 read exactly and convert with toHuman", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const cases = [
      { decimals: 0, amount: 123n, human: "123" },
      { decimals: 6, amount: 1_234_567n, human: "1.234567" },
      { decimals: 18, amount: 2n ** 53n + 1n, human: "0.009007199254740993" },
      { decimals: 30, amount: 10n ** 30n * 5n + 1n, human: `5.${"0".repeat(29)}1` },
    ];
    const queries: BalanceQuery[] = [];
    for (const c of cases) {
      const token = await deployToken(anvil.rpcUrl, { decimals: c.decimals });
      await mint(anvil.rpcUrl, token, H1, c.amount);
      queries.push(erc20(`d${c.decimals}`, H1, token));
    }
    const read = await createEvmReader()(chainFor(proxy.url), queries);
    for (const c of cases) {
      const value = raw(read, `d${c.decimals}`);
      assert.equal(value, c.amount);
      assert.equal(toHuman(value, c.decimals), c.human);
    }
  });
});

Deno.test("EVM reader: a token address without code is a permanent 'no contract' error, neighbours still read", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    await mint(anvil.rpcUrl, token, H1, 42n);
    const eoa = holder(77);
    const read = await createEvmReader()(chainFor(proxy.url), [
      erc20("good", H1, token),
      erc20("eoa", H1, eoa),
      erc20("eoa-again", H2, eoa),
    ]);
    assert.equal(raw(read, "good"), 42n);
    failure(read, "eoa", "permanent", /no contract at 0x/i);
    failure(read, "eoa-again", "permanent", /no contract at/);
    // One extra request for the distinct token's eth_getCode.
    assert.equal(read.requests, 3);
    assert.deepEqual(proxy.log.at(-1)?.methods, ["eth_getCode"]);
  });
});

Deno.test("EVM reader: a reverting balanceOf is permanent with its reason, neighbours still read", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    await mint(anvil.rpcUrl, token, H1, 5n);
    const reverting = await deployReverting(anvil.rpcUrl);
    const read = await createEvmReader()(chainFor(proxy.url), [
      erc20("bad", H1, reverting),
      erc20("good", H1, token),
      native("eth", H3),
    ]);
    failure(read, "bad", "permanent", /reverted: balanceOf is disabled/);
    assert.equal(raw(read, "good"), 5n);
    assert.equal(raw(read, "eth"), 0n);
  });
});

Deno.test("EVM reader: malformed balanceOf returns (1, 64 and 0 bytes from a contract) are permanent", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const oneByte = await deployMalformed(anvil.rpcUrl, { returnLength: 1 });
    const twoWords = await deployMalformed(anvil.rpcUrl, { returnLength: 64 });
    const empty = await deployMalformed(anvil.rpcUrl, { returnLength: 0 });
    const read = await createEvmReader()(chainFor(proxy.url), [
      erc20("one", H1, oneByte),
      erc20("two", H1, twoWords),
      erc20("empty", H1, empty),
      native("eth", H1),
    ]);
    failure(read, "one", "permanent", /malformed balanceOf return .*: 1 bytes, expected 32/);
    failure(read, "two", "permanent", /64 bytes, expected 32/);
    failure(read, "empty", "permanent", /malformed balanceOf return .*: empty data/);
    assert.equal(raw(read, "eth"), 0n);
  });
});

Deno.test("EVM reader: a bad checksum or malformed address is a configuration error for that query only", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    await mint(anvil.rpcUrl, token, H1, 9n);
    const good = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01".toLowerCase();
    const badChecksum = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    const badTokenChecksum = token.toLowerCase().replace(/[a-f]/, (c) => c.toUpperCase());
    const read = await createEvmReader()(chainFor(proxy.url), [
      native("bad-holder", badChecksum),
      native("lower-holder", good),
      native("short", "0x1234"),
      native("not-hex", "TXYZ"),
      erc20("bad-token", H1, badTokenChecksum),
      erc20("not-token", H1, "0xnothex"),
      erc20("good", H1, token),
    ]);
    const error = failure(read, "bad-holder", "configuration", /invalid holder address.*checksum/);
    assert.match(error.message, /expected 0x/);
    assert.equal(raw(read, "lower-holder"), 0n);
    failure(read, "short", "configuration", /invalid holder address/);
    failure(read, "not-hex", "configuration", /invalid holder address/);
    failure(read, "bad-token", "configuration", /invalid token address.*checksum/);
    failure(read, "not-token", "configuration", /invalid token address/);
    assert.equal(raw(read, "good"), 9n);
  });
});

Deno.test("EVM reader: a chain whose RPC is down fails only with transient errors and never rejects", async () => {
  const down = closedPortUrl();
  const read = await createEvmReader(quick)(chainFor(down), [
    native("a", H1),
    erc20("b", H1, holder(9)),
    native("bad", "0x12"),
  ]);
  assert.equal(read.block, null);
  const error = failure(read, "a", "transient", /network error reaching http:\/\/127\.0\.0\.2/);
  assert.equal(error.data.url, down);
  failure(read, "b", "transient");
  failure(read, "bad", "configuration");
  // The first attempt and one retry.
  assert.equal(read.requests, 2);
});

Deno.test("EVM reader: a node that never answers times out as transient", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "hang" });
    const read = await createEvmReader({ ...quick, retryCount: 0 })(chainFor(proxy.url), [
      native("a", H1),
    ]);
    const error = failure(read, "a", "transient", /no answer within 400 ms/);
    assert.equal(error.data.url, proxy.url);
  });
});

Deno.test("EVM reader: retries of a hung node stop at the read deadline, with a transient error", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "hang" });
    const read = await createEvmReader({ ...quick, retryCount: 5, readTimeoutMs: 900 })(
      chainFor(proxy.url),
      [native("a", H1)],
    );
    failure(read, "a", "transient", /no answer within 900 ms from http:\/\/127\.0\.0\.1/);
    assert.ok(read.requests < 6, `stopped before all retries (${read.requests} requests)`);
  });
});

Deno.test("EVM reader: 429 with a short Retry-After is retried after the wait and the read succeeds", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 77n);
    proxy.inject({ kind: "status", status: 429, retryAfter: "1", times: 1 });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    assert.equal(raw(read, "a"), 77n);
    assert.deepEqual(proxy.log.map((l) => l.outcome), ["status", "forwarded", "forwarded"]);
    assert.equal(read.requests, 3);
  });
});

Deno.test("EVM reader: 429 with a Retry-After beyond the cap fails the chain at once, carrying the wait", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "status", status: 429, retryAfter: "120" });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [
      native("a", H1),
      native("b", H2),
    ]);
    for (const key of ["a", "b"]) {
      const error = failure(read, key, "transient", /HTTP 429/);
      assert.equal(error.data.status, 429);
      assert.equal(error.data.retryAfterSeconds, 120);
    }
    // It did not retry: waiting 120 s is beyond what a run can afford.
    assert.equal(proxy.requests, 1);
  });
});

Deno.test("EVM reader: 5xx answers are retried, and a persistent 500 is transient with its status", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 5n);
    proxy.inject({ kind: "status", status: 503, times: 1 });
    const recovered = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    assert.equal(raw(recovered, "a"), 5n);

    proxy.clearFaults();
    proxy.inject({ kind: "status", status: 500, match: hasMethod("eth_call") });
    const failed = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    const error = failure(failed, "a", "transient", /HTTP 500/);
    assert.equal(error.data.status, 500);
    assert.notEqual(failed.block, null);
  });
});

Deno.test("EVM reader: HTTP 401 from the node is a configuration error", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "status", status: 401 });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    failure(read, "a", "configuration", /HTTP 401/);
  });
});

Deno.test("EVM reader: a JSON-RPC rate-limit error in a 200 answer is transient with its code", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "rpc-error", code: -32005, message: "limit exceeded" });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    const error = failure(read, "a", "transient", /RPC error -32005.*limit exceeded/);
    assert.equal(error.data.rpcCode, -32005);
  });
});

Deno.test("EVM reader: a garbage body from the node is transient", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "body", body: "<html>oops</html>", contentType: "text/html" });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    failure(read, "a", "transient");
  });
});

Deno.test("EVM reader: a connection that breaks off mid-answer is transient", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "reset" });
    const read = await createEvmReader(quick)(chainFor(proxy.url), [native("a", H1)]);
    failure(read, "a", "transient");
    assert.equal(proxy.requests, 2);
  });
});

Deno.test("EVM reader: one chain down does not touch another chain read at the same time", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 21n);
    const reader = createEvmReader(quick);
    const [down, up] = await Promise.all([
      reader(chainFor(closedPortUrl(), { id: "down" }), [native("a", H1)]),
      reader(chainFor(proxy.url, { id: "up" }), [native("a", H1)]),
    ]);
    failure(down, "a", "transient");
    assert.equal(raw(up, "a"), 21n);
    assert.equal(up.requests, 2);
  });
});

Deno.test("EVM reader: fallback RPC URLs take over when the primary is down", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 11n);
    const read = await createEvmReader(quick)(
      chainFor(closedPortUrl(), { fallbackRpcUrls: [proxy.url] }),
      [native("a", H1)],
    );
    assert.equal(raw(read, "a"), 11n);
    assert.equal(read.mode, "multicall");
  });
});

Deno.test("EVM reader: a long Retry-After from the primary moves on to the fallback URL instead of failing", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 12n);
    const primary = await startRpcProxy({ target: anvil.rpcUrl });
    try {
      primary.inject({ kind: "status", status: 429, retryAfter: "120" });
      const read = await createEvmReader(quick)(
        chainFor(primary.url, { fallbackRpcUrls: [proxy.url] }),
        [native("a", H1)],
      );
      assert.equal(raw(read, "a"), 12n);
      assert.ok(primary.requests >= 1);
      assert.equal(proxy.requests, 2);
    } finally {
      await primary.stop();
    }
  });
});

Deno.test("EVM reader: without Multicall3 it falls back to batched JSON-RPC, says so, and stays correct", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 18 });
    const reverting = await deployReverting(anvil.rpcUrl);
    const malformed = await deployMalformed(anvil.rpcUrl, { returnLength: 1 });
    await setBalance(anvil.rpcUrl, H1, UINT256_MAX);
    await setTokenBalance(anvil.rpcUrl, token, H2, UINT256_MAX);
    const read = await createEvmReader()(chainFor(proxy.url), [
      native("n", H1),
      native("n0", H3),
      erc20("t", H2, token),
      erc20("t0", H3, token),
      erc20("eoa", H1, holder(55)),
      erc20("rev", H1, reverting),
      erc20("bad", H1, malformed),
    ]);
    assert.equal(read.mode, "json-rpc-batch");
    assert.match(read.note ?? "", /no contract at multicall address 0xcA11/i);
    assert.equal(raw(read, "n"), UINT256_MAX);
    assert.equal(raw(read, "n0"), 0n);
    assert.equal(raw(read, "t"), UINT256_MAX);
    assert.equal(raw(read, "t0"), 0n);
    failure(read, "eoa", "permanent", /no contract at/);
    failure(read, "rev", "permanent", /reverted: balanceOf is disabled/);
    failure(read, "bad", "permanent", /1 bytes, expected 32/);
    // Head; every balance in one batch; eth_getCode for the token without code.
    assert.equal(read.requests, 3);
    assert.equal(proxy.log[1].methods.length, 7);
  }, { multicall: false });
});

Deno.test("EVM reader: Multicall3 present at the head but not yet at the pinned block falls back to JSON-RPC", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 8n);
    await mine(anvil.rpcUrl, 3);
    await installMulticall3(anvil.rpcUrl);
    await mine(anvil.rpcUrl, 1);
    const read = await createEvmReader()(chainFor(proxy.url, { confirmations: 2 }), [
      native("a", H1),
    ]);
    assert.equal(read.mode, "json-rpc-batch");
    assert.match(read.note ?? "", /no contract at multicall address .* at block \d+/);
    assert.equal(raw(read, "a"), 8n);
  }, { multicall: false });
});

Deno.test("EVM reader: a multicall address from the chain row is used instead of the canonical one", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const custom = "0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E";
    await installMulticall3(anvil.rpcUrl, custom);
    await setBalance(anvil.rpcUrl, H1, 3n);
    const read = await createEvmReader()(chainFor(proxy.url, { multicallAddress: custom }), [
      native("a", H1),
    ]);
    assert.equal(read.mode, "multicall");
    assert.equal(raw(read, "a"), 3n);
    const invalid = await createEvmReader()(
      chainFor(proxy.url, { multicallAddress: custom.toLowerCase().replace("a", "A") }),
      [native("a", H1)],
    );
    failure(invalid, "a", "configuration", /invalid multicall address/);
  }, { multicall: false });
});

for (const multicall of [true, false]) {
  Deno.test(
    `EVM reader: every balance is read at one pinned block, head minus confirmations (${
      multicall ? "multicall" : "JSON-RPC"
    })`,
    async () => {
      await withChain(async ({ anvil, proxy }) => {
        const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
        await setBalance(anvil.rpcUrl, H1, 100n);
        const pinned = await mint(anvil.rpcUrl, token, H1, 1_000n);
        // Later blocks change both balances; a reader at head-2 must not see them.
        await mint(anvil.rpcUrl, token, H1, 1n);
        await setBalance(anvil.rpcUrl, H1, 200n);
        await mint(anvil.rpcUrl, token, H2, 7n);
        assert.equal(await tokenBalance(anvil.rpcUrl, token, H1), 1_001n);
        assert.equal(await getBalance(anvil.rpcUrl, H1), 200n);

        const read = await createEvmReader()(chainFor(proxy.url, { confirmations: 2 }), [
          native("eth", H1),
          erc20("tok", H1, token),
          erc20("tok2", H2, token),
        ]);
        assert.equal(read.mode, multicall ? "multicall" : "json-rpc-batch");
        assert.equal(read.block, pinned);
        assert.equal(raw(read, "tok"), await tokenBalance(anvil.rpcUrl, token, H1, pinned));
        assert.equal(raw(read, "tok"), 1_000n);
        assert.equal(raw(read, "tok2"), 0n);
        assert.equal(raw(read, "eth"), await getBalance(anvil.rpcUrl, H1, pinned));
        // Every balance request after the head request named the pinned block.
        const blockTag = `0x${pinned.toString(16)}`;
        const calls = proxy.log.slice(1).flatMap((l) => l.calls);
        assert.equal(calls.length, multicall ? 1 : 3);
        for (const call of calls) {
          assert.ok(["eth_call", "eth_getBalance"].includes(call.method));
          assert.equal(call.params?.at(-1), blockTag);
        }
      }, { multicall });
    },
  );
}

Deno.test("EVM reader: confirmations beyond the head read block 0", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await mine(anvil.rpcUrl, 2);
    const read = await createEvmReader()(chainFor(proxy.url, { confirmations: 50 }), [
      native("a", H1),
    ]);
    assert.equal(read.block, 0n);
    assert.equal(raw(read, "a"), 0n);
  });
});

Deno.test("EVM reader: a node on another chain id fails every query as configuration", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 1n);
    const wrong = await createEvmReader()(chainFor(proxy.url, { evmChainId: 56 }), [
      native("a", H1),
    ]);
    failure(wrong, "a", "configuration", /chain id 31337.*expects 56/);
    assert.deepEqual(proxy.log[0].methods.sort(), [
      "eth_blockNumber",
      "eth_chainId",
      "eth_getCode",
    ]);

    const right = await createEvmReader()(chainFor(proxy.url, { evmChainId: 31337 }), [
      native("a", H1),
    ]);
    assert.equal(raw(right, "a"), 1n);
  });
});

Deno.test("EVM reader: a gas-burning token sinks its aggregate, and bisection isolates it", async () => {
  // A low block gas limit caps eth_call gas, so the burner starves every call after it.
  await withChain(async ({ anvil, proxy }) => {
    const burner = await deployGasBurner(anvil.rpcUrl);
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    const holders = Array.from({ length: 40 }, (_, i) => holder(100 + i));
    await setTokenBalances(
      anvil.rpcUrl,
      token,
      holders.map((h, i) => ({ holder: h, amount: BigInt(i) })),
    );
    const queries = [
      erc20("burner", H1, burner),
      ...holders.map((h, i) => erc20(`t${i}`, h, token)),
    ];
    const read = await createEvmReader()(chainFor(proxy.url), queries);
    failure(read, "burner", "permanent", /balanceOf on 0x[0-9a-fA-F]{40} reverted/);
    holders.forEach((_, i) => assert.equal(raw(read, `t${i}`), BigInt(i)));
    assert.ok(read.requests > 2, "the failed aggregate was split and sent again");
  }, { anvilArgs: ["--gas-limit", "3000000"] });
});

Deno.test("EVM reader: chunk size splits calls into several aggregate3 calls but one HTTP request", async () => {
  await withChain(async ({ anvil, proxy }) => {
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    const holders = Array.from({ length: 1000 }, (_, i) => holder(1000 + i));
    await setTokenBalances(
      anvil.rpcUrl,
      token,
      holders.map((h, i) => ({ holder: h, amount: BigInt(i) * 10n ** 20n })),
    );
    for (let i = 0; i < 20; i++) await setBalance(anvil.rpcUrl, holders[i], BigInt(i) + 1n);
    const queries = holders.flatMap((h, i) => [native(`n${i}`, h), erc20(`t${i}`, h, token)]);

    const read = await createEvmReader()(chainFor(proxy.url), queries, { chunkSize: 250 });
    assert.equal(read.outcomes.length, 2000);
    holders.forEach((_, i) => {
      assert.equal(raw(read, `t${i}`), BigInt(i) * 10n ** 20n);
      assert.equal(raw(read, `n${i}`), i < 20 ? BigInt(i) + 1n : 0n);
    });
    assert.equal(read.requests, 2);
    assert.equal(proxy.log[1].methods.length, 8);
    assert.ok(read.requests / 2000 <= 0.005);
  });
});

Deno.test("EVM reader: the API key secret fills a {apiKey} URL placeholder or an x-api-key header and never shows in errors", async () => {
  await withChain(async ({ anvil, proxy }) => {
    await setBalance(anvil.rpcUrl, H1, 4n);
    const seen: { url: string; key: string | null }[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      seen.push({ url, key: new Headers(init?.headers).get("x-api-key") });
      return fetch(url.replace(/\/k\/[^/]+$/, ""), init);
    };
    const env = (
      name: string,
    ) => (name === "MY_RPC_KEY" ? "s3cr3t-key-0123456789abcdef" : undefined);

    const withPlaceholder = await createEvmReader({ fetchFn })(
      chainFor(`${proxy.url}/k/{apiKey}`, { apiKeyEnv: "MY_RPC_KEY" }),
      [native("a", H1)],
      { env },
    );
    assert.equal(raw(withPlaceholder, "a"), 4n);
    assert.ok(
      seen.every((s) => s.url.endsWith("/k/s3cr3t-key-0123456789abcdef") && s.key === null),
    );

    seen.length = 0;
    const withHeader = await createEvmReader({ fetchFn })(
      chainFor(proxy.url, { apiKeyEnv: "MY_RPC_KEY" }),
      [native("a", H1)],
      { env },
    );
    assert.equal(raw(withHeader, "a"), 4n);
    assert.ok(seen.every((s) => s.key === "s3cr3t-key-0123456789abcdef"));

    const down = await createEvmReader(quick)(
      chainFor(`${closedPortUrl()}/k/{apiKey}`, { apiKeyEnv: "MY_RPC_KEY" }),
      [native("a", H1)],
      { env },
    );
    const error = failure(down, "a", "transient");
    assert.doesNotMatch(JSON.stringify({ m: error.message, d: error.data }), /s3cr3t/);

    await assertUnsetKeyRefused(createEvmReader(), chainFor(proxy.url), native("a", H1));
  });
});

Deno.test("EVM reader: an aborted signal ends the read with transient outcomes instead of rejecting", async () => {
  await withChain(async ({ proxy }) => {
    proxy.inject({ kind: "hang" });
    await assertAbortEndsRead(
      createEvmReader(),
      chainFor(proxy.url),
      native("a", H1),
      (controller) => controller.abort(new DOMException("run budget exhausted", "TimeoutError")),
      /read aborted: run budget exhausted/,
    );
  });
});

Deno.test("EVM reader: no queries means no requests", async () => {
  const read = await createEvmReader()(chainFor(closedPortUrl()), []);
  assert.deepEqual(read.outcomes, []);
  assert.equal(read.requests, 0);
  assert.equal(read.block, null);
});

const BEEF = "0x000000000000000000000000000000000000bEEF";

Deno.test("EVM reader: an unreachable node's error never shows the API key put into its URL", async () => {
  const read = createEvmReader({ fetchFn: refusingFetch, retryCount: 0 });
  assertNoSecret(
    await read(secretChain("evm", "http://node.invalid/v2/{apiKey}", "RPC_KEY"), [
      native("a", BEEF),
    ], { env: secretEnv }),
  );
  assertNoSecret(await read(secretChain("evm", URL_WITH_SECRETS, null), [native("a", BEEF)]));
});
