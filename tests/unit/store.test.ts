import assert from "node:assert/strict";
import {
  type ClaimOptions,
  createStore,
  FilterNotFound,
  parseClaim,
  type RpcCall,
  type RpcClient,
  type RpcResponse,
  StoreUnavailable,
  toChainConfig,
} from "../../supabase/functions/balance-sync/db/store.ts";
import { chainConfig } from "../support/chain_reads.ts";

function fakeClient(answer: (fn: string, args: Record<string, unknown>) => Promise<RpcResponse>) {
  const calls: { fn: string; args: Record<string, unknown>; signal?: AbortSignal }[] = [];
  const client: RpcClient = {
    rpc(fn, args) {
      const entry: (typeof calls)[number] = { fn, args };
      calls.push(entry);
      const call: RpcCall = {
        abortSignal(signal) {
          entry.signal = signal;
          return answer(fn, args);
        },
        then: (ok, ko) => answer(fn, args).then(ok, ko),
      };
      return call;
    },
  };
  return { client, calls };
}

const chainRow = {
  id: "c1",
  name: "bsc",
  family: "evm",
  rpc_url: "http://node",
  fallback_rpc_urls: ["http://backup"],
  multicall_address: "0xcA11bde05977b3631167028862bE2a173976CA11",
  confirmations: 2,
  evm_chain_id: 56,
  api_key_env: "BSC_KEY",
  max_rps: "12.5",
  max_concurrency: 4,
};

Deno.test("parseClaim() converts rows and chains into the readers' shapes", () => {
  const claim = parseClaim({
    rows: [{
      id: "r1",
      wallet_id: "w1",
      asset_on_chain_id: "a1",
      asset_id: "x1",
      chain_id: "c1",
      address: "0xabc",
      contract_address: null,
      decimals: 18,
      is_native: true,
      config_error: null,
    }],
    chains: { c1: chainRow, c2: { ...chainRow, id: "c2", family: "solana" } },
    busy: ["r9"],
  });
  assert.deepEqual(claim.rows, [{
    id: "r1",
    walletId: "w1",
    assetOnChainId: "a1",
    assetId: "x1",
    chainId: "c1",
    address: "0xabc",
    contractAddress: null,
    decimals: 18,
    isNative: true,
    configError: null,
  }]);
  assert.deepEqual(claim.chains.get("c1"), {
    id: "c1",
    name: "bsc",
    family: "evm",
    rpcUrl: "http://node",
    fallbackRpcUrls: ["http://backup"],
    multicallAddress: "0xcA11bde05977b3631167028862bE2a173976CA11",
    confirmations: 2,
    evmChainId: 56,
    apiKeyEnv: "BSC_KEY",
    maxRps: 12.5,
    maxConcurrency: 4,
  });
  assert.ok(!claim.chains.has("c2") && !claim.chainErrors.has("c2"), "the claim's rows say why");
  assert.deepEqual(claim.busy, ["r9"]);
});

Deno.test("toChainConfig() defaults the optional columns and refuses a chain without RPC URL", () => {
  const minimal = toChainConfig({ id: "c", name: "t", family: "tron", rpc_url: "http://t" });
  // every optional column at its database default, as the readers' tests assume them
  assert.deepEqual(
    minimal,
    chainConfig({ id: "c", name: "t", family: "tron", rpcUrl: "http://t" }),
  );
  assert.equal(toChainConfig({ ...chainRow, rpc_url: null }), null, "the claim decided it");
  assert.equal(toChainConfig({ ...chainRow, family: "solana" }), null, "the claim decided it");
  assert.match(
    toChainConfig({ ...chainRow, fallback_rpc_urls: [1] }) as string,
    /fallback_rpc_urls/,
  );
});

Deno.test("store calls the contract functions with their named arguments", async () => {
  const { client, calls } = fakeClient((fn) =>
    Promise.resolve({
      data: fn === "balance_sync_claim"
        ? { rows: [], chains: {}, busy: [] }
        : fn === "balance_sync_record"
        ? {
          applied: 1,
          errored: 1,
          stale_rejected: 1,
          lost: 0,
          stale_ids: ["r"],
          lost_ids: [],
          invalid: [],
          refused: [{
            index: 0,
            id: "r",
            reason: "refused by the database: numeric field overflow",
          }],
        }
        : 2,
      error: null,
      status: 200,
    })
  );
  const store = createStore(client, { timeoutMs: 1000 });
  await store.claim({
    runId: "w",
    limit: 7,
    leaseSeconds: 60,
    filter: { chain_id: "c" },
  });
  const outcome = await store.record("w", [{ id: "r", raw: "1", human: "1", block: null }]);
  const released = await store.release("w", ["r"]);

  assert.deepEqual(calls.map((c) => [c.fn, c.args]), [
    ["balance_sync_claim", {
      p_worker: "w",
      p_limit: 7,
      p_lease_seconds: 60,
      p_filter: { chain_id: "c" },
      // null: the database's setting min_interval_seconds decides
      p_min_interval_seconds: null,
    }],
    ["balance_sync_record", {
      p_worker: "w",
      p_results: [{ id: "r", raw: "1", human: "1", block: null }],
    }],
    ["balance_sync_release", { p_worker: "w", p_ids: ["r"] }],
  ]);
  assert.ok(calls.every((c) => c.signal instanceof AbortSignal), "every call has a timeout");
  assert.deepEqual(outcome, {
    applied: 1,
    errored: 1,
    staleRejected: 1,
    lost: 0,
    staleIds: ["r"],
    lostIds: [],
    invalid: [],
    refused: [{ index: 0, id: "r", reason: "refused by the database: numeric field overflow" }],
    chainLeasesLost: [],
  });
  assert.equal(released, 2);
});

Deno.test("store reads the run's settings and the chain lease's state of claim and record", async () => {
  const answers: Record<string, unknown> = {
    balance_sync_run_settings: {
      min_interval_seconds: 45,
      rows_per_run: 300,
      pg_net_timeout_ms: 20_000,
    },
    balance_sync_claim: {
      rows: [],
      chains: {},
      busy: [],
      chain_lease: "lost",
      chain_lease_holder: "run-b",
      chain_lease_locked_until: "2026-12-06T00:00:00+00:00",
    },
    balance_sync_record: { applied: 1, chain_lease: "lost", chain_leases_lost: ["c"] },
  };
  const { client, calls } = fakeClient((fn) =>
    Promise.resolve({ data: answers[fn], error: null, status: 200 })
  );
  const store = createStore(client, { timeoutMs: 1000 });

  assert.deepEqual(await store.runSettings(), {
    minIntervalSeconds: 45,
    rowsPerRun: 300,
    pgNetTimeoutMs: 20_000,
  });
  assert.deepEqual(calls[0].args, {});
  const claim = await store.claim({ runId: "w", limit: 1, leaseSeconds: 60 });
  assert.equal(claim.chainLease, "lost");
  assert.equal(claim.chainLeaseHolder, "run-b");
  assert.equal(claim.chainLeaseLockedUntil, "2026-12-06T00:00:00+00:00");
  const outcome = await store.record("w", []);
  assert.equal(outcome.chainLease, "lost");
  assert.deepEqual(outcome.chainLeasesLost, ["c"]);

  answers.balance_sync_run_settings = { min_interval_seconds: 30, rows_per_run: 0 };
  await assert.rejects(store.runSettings(), /rows_per_run must be a whole number >= 1, got 0/);
});

Deno.test("store turns API errors, network errors and bad answers into StoreUnavailable", async () => {
  const permission = createStore(
    fakeClient(() =>
      Promise.resolve({
        data: null,
        error: { message: "permission denied for function balance_sync_claim", code: "42501" },
        status: 403,
      })
    ).client,
    { timeoutMs: 1000 },
  );
  await assert.rejects(
    permission.claim({ runId: "w", limit: 1, leaseSeconds: 1 }),
    (error: unknown) => {
      assert.ok(error instanceof StoreUnavailable);
      assert.equal(error.operation, "balance_sync_claim");
      assert.equal(error.code, "42501");
      assert.equal(error.status, 403);
      return true;
    },
  );

  const thrown = createStore(
    fakeClient(() => Promise.reject(new TypeError("fetch failed"))).client,
    { timeoutMs: 1000 },
  );
  await assert.rejects(thrown.release("w", []), /balance_sync_release: fetch failed/);

  const malformed = createStore(
    fakeClient(() => Promise.resolve({ data: "nope", error: null, status: 200 })).client,
    { timeoutMs: 1000 },
  );
  await assert.rejects(malformed.record("w", []), /unexpected response/);
});

Deno.test("toChainConfig() refuses the chain values no check constraint guards any more", () => {
  const chain = (extra: Record<string, unknown>) =>
    toChainConfig({ id: "c", name: "bsc", family: "evm", rpc_url: "http://x", ...extra });
  assert.equal(typeof chain({}), "object");
  assert.equal(typeof chain({ confirmations: 3, max_rps: 0.5, max_concurrency: 2 }), "object");
  assert.match(chain({ confirmations: -1 }) as string, /^confirmations must be .* got -1/);
  assert.match(chain({ max_rps: 0 }) as string, /^max_rps must be > 0/);
  assert.match(chain({ max_concurrency: -2 }) as string, /^max_concurrency must be .* got -2/);
  assert.equal(chain({ family: "bitcoin" }), null, "decided by the claim");
});

Deno.test("parseClaim() fails alone a row that comes without config_error and without what a read needs", () => {
  const complete = { id: "r1", asset_on_chain_id: "a", chain_id: "c1", config_error: null };
  const claim = parseClaim({
    rows: [
      { ...complete, address: "0xa", decimals: 6, is_native: false, contract_address: "0xt" },
      { ...complete, id: "r2", address: null, decimals: null, is_native: false },
      { ...complete, id: "r3", address: "0xa", decimals: 18, is_native: true },
      { ...complete, id: "r4", config_error: "decimals is not set", address: "0xa" },
    ],
    chains: { c1: chainRow },
  });
  assert.deepEqual(claim.rows.map((r) => r.configError), [
    null,
    "claim answered a row without config_error and without address, contract_address, decimals",
    null,
    "decimals is not set",
  ]);
});

const MISSING = "00000000-0000-4000-8000-00000000dead";

function storeAnswering(response: RpcResponse) {
  const calls: string[] = [];
  const store = createStore({
    rpc(fn) {
      calls.push(fn);
      const call: RpcCall = {
        abortSignal: () => Promise.resolve(response),
        then: (ok, ko) => Promise.resolve(response).then(ok, ko),
      };
      return call;
    },
  }, { timeoutMs: 1000 });
  return { store, calls };
}

const claimOptions: ClaimOptions = {
  runId: "w",
  limit: 1,
  leaseSeconds: 1,
  minIntervalSeconds: 1,
  filter: { wallet_id: MISSING },
};

Deno.test("store turns the claim's no_data_found into FilterNotFound with the filter key", async () => {
  const { store } = storeAnswering({
    data: null,
    error: { message: `wallet ${MISSING} does not exist`, code: "P0002", details: "wallet_id" },
    status: 404,
  });
  await assert.rejects(store.claim(claimOptions), (error: unknown) => {
    assert.ok(error instanceof FilterNotFound);
    assert.equal(error.message, `wallet ${MISSING} does not exist`);
    assert.equal(error.field, "wallet_id");
    return true;
  });
});

Deno.test("store passes unknown_ids of a claim through", async () => {
  const { store } = storeAnswering({
    data: { rows: [], chains: {}, busy: [], unknown_ids: [MISSING] },
    error: null,
    status: 200,
  });
  const claim = await store.claim(claimOptions);
  assert.deepEqual(claim.unknownIds, [MISSING]);
});

Deno.test("store: a database without balance_sync_run_settings answers null; other errors still throw", async () => {
  let error = { message: "Could not find the function", code: "PGRST202" };
  const store = createStore(
    fakeClient(() => Promise.resolve({ data: null, error, status: 404 })).client,
    { timeoutMs: 1000 },
  );
  assert.equal(await store.runSettings(), null);
  error = { message: "permission denied", code: "42501" };
  await assert.rejects(store.runSettings(), StoreUnavailable);
});
