import assert from "node:assert/strict";
import { ReadError } from "../../../supabase/functions/balance-sync/chains/errors.ts";
import {
  createReaderRegistry,
  neverRejecting,
  readers,
} from "../../../supabase/functions/balance-sync/chains/readers.ts";
import type {
  BalanceQuery,
  ChainFamily,
  ChainReader,
} from "../../../supabase/functions/balance-sync/chains/types.ts";
import { chainConfig } from "../../support/chain_reads.ts";

const chain = (rpcUrl = "http://127.0.0.1:9") =>
  chainConfig({ id: "c1", name: "nowhere", family: "evm", rpcUrl });

const queries: BalanceQuery[] = [
  { key: "a", address: "0x0000000000000000000000000000000000000001", token: null },
  { key: "b", address: "0x0000000000000000000000000000000000000002", token: null },
];

Deno.test("a reader that throws resolves with a transient outcome for every query", async () => {
  const throwing: ChainReader = () => {
    throw new TypeError("boom");
  };
  const read = await neverRejecting("evm", throwing)(chain(), queries);
  assert.deepEqual(read.outcomes.map((o) => o.key), ["a", "b"]);
  for (const outcome of read.outcomes) {
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.errorClass, "transient");
    assert.equal(outcome.error.message, "evm read failed unexpectedly: boom");
  }
  assert.equal(read.block, null);
});

Deno.test("a reader that leaves a query out gets an outcome for it, in query order", async () => {
  const forgetful: ChainReader = () =>
    Promise.resolve({
      block: 7n,
      outcomes: [{ key: "b", ok: true, raw: 5n }],
      requests: 1,
      mode: "multicall",
    });
  const read = await neverRejecting("tron", forgetful)(chain(), queries);
  assert.equal(read.block, 7n);
  assert.equal(read.mode, "multicall");
  const [a, b] = read.outcomes;
  assert.equal(a.key, "a");
  assert.ok(!a.ok && a.error instanceof ReadError && /no outcome/.test(a.error.message));
  assert.deepEqual(b, { key: "b", ok: true, raw: 5n });
});

Deno.test("a reader that answers out of query order has its outcomes put in query order", async () => {
  const backwards: ChainReader = () =>
    Promise.resolve({
      block: 7n,
      outcomes: [{ key: "b", ok: true, raw: 2n }, { key: "a", ok: true, raw: 1n }],
      requests: 1,
      mode: "multicall",
    });
  const read = await neverRejecting("evm", backwards)(chain(), queries);
  assert.deepEqual(read.outcomes, [{ key: "a", ok: true, raw: 1n }, {
    key: "b",
    ok: true,
    raw: 2n,
  }]);
});

Deno.test("the registry gives a reader even for an unknown family, failing its queries as configuration", async () => {
  const reader = await readers("solana" as ChainFamily);
  const read = await reader(chain(), queries);
  for (const outcome of read.outcomes) {
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.errorClass, "configuration");
    assert.match(outcome.error.message, /no reader for chain family "solana"/);
  }
});

Deno.test("the registry's EVM reader turns a chain without rpc_url into configuration outcomes", async () => {
  const reader = await readers("evm");
  const read = await reader(chain(""), queries);
  for (const outcome of read.outcomes) {
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.errorClass, "configuration");
    assert.equal(outcome.error.message, "chain nowhere has no rpc_url");
  }
});

Deno.test("a reader module that fails to load fails its chain's queries, and is loaded again next time", async () => {
  let attempts = 0;
  const registry = createReaderRegistry({
    evm: () => {
      attempts++;
      return attempts === 1
        ? Promise.reject(new Error("Cannot find module viem"))
        : Promise.resolve(() =>
          Promise.resolve({
            block: 1n,
            outcomes: queries.map((q) => ({ key: q.key, ok: true as const, raw: 1n })),
            requests: 1,
            mode: "multicall" as const,
          })
        );
    },
    tron: () => Promise.reject(new Error("not used")),
  });
  const first = await (await registry("evm"))(chain(), queries);
  for (const outcome of first.outcomes) {
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.errorClass, "transient");
    assert.match(outcome.error.message, /evm read failed unexpectedly: .*Cannot find module viem/);
  }
  const second = await (await registry("evm"))(chain(), queries);
  assert.equal(attempts, 2);
  assert.ok(second.outcomes.every((o) => o.ok));
});
