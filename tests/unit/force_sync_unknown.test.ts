/** Force-sync naming something that does not exist: 404 before any claim, or unknown_ids. */
import assert from "node:assert/strict";
import { loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { createHandler } from "../../supabase/functions/balance-sync/handler.ts";
import {
  type Claim,
  type ClaimOptions,
  createStore,
  FilterNotFound,
  type RpcCall,
  type RpcResponse,
} from "../../supabase/functions/balance-sync/store.ts";
import { captureLog, chain, FakeReaders, FakeStore, row, syncWithFakes } from "./function_fakes.ts";

const SERVICE_ROLE = "eyJhbGciOiJIUzI1NiJ9.c2VydmljZV9yb2xl.sig-service-role";
const RUN = "0c6f1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
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

function handlerWith(store: FakeStore) {
  const config = loadConfig((name) =>
    ({
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE,
      BALANCE_SYNC_SECRET: "sync-secret-0123456789abcdef",
    })[name]
  );
  const logs: string[] = [];
  const handler = createHandler({
    config,
    store,
    readers: new FakeReaders().registry,
    logSink: (line) => logs.push(line),
    newRunId: () => RUN,
  });
  return { handler, logs };
}

Deno.test("handler answers 404 naming what does not exist, with the field and the run id", async () => {
  const store = new FakeStore([chain("bsc", "evm")], [row("bsc", { address: "0xa" })]);
  store.failOn.claim = new FilterNotFound(`wallet ${MISSING} does not exist`, "wallet_id");
  const { handler, logs } = handlerWith(store);
  const response = await handler(
    new Request("http://function.local/functions/v1/balance-sync", {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_ROLE}` },
      body: JSON.stringify({ wallet_id: MISSING }),
    }),
  );
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), {
    error: `wallet ${MISSING} does not exist`,
    field: "wallet_id",
    run_id: RUN,
  });
  assert.equal(store.lockedRows().length, 0, "nothing leased");
  assert.equal(store.calls.filter((c) => c.op !== "claim").length, 0, "no record or release");
  const warn = logs.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
  assert.equal(warn?.field, "wallet_id");
});

Deno.test("a forced run lists the ids that match no row as unknown_ids and syncs the others", async () => {
  const evm = chain("bsc", "evm");
  const known = row("bsc", { address: "0xa" });
  const store = new FakeStore([evm], [known]);
  const realClaim = store.claim.bind(store);
  store.claim = async (options: ClaimOptions): Promise<Claim> => ({
    ...(await realClaim(options)),
    unknownIds: [MISSING],
  });
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 7n]]) });
  const { log, lines } = captureLog();
  const summary = await syncWithFakes({ store, readers, log }, {}, {
    filter: { wallet_balance_ids: [known.id, MISSING] },
  });
  assert.deepEqual(summary.unknown_ids, [MISSING]);
  assert.equal(summary.synced, 1);
  const finished = lines.find((l) => l.msg === "Balance sync run finished");
  assert.ok(finished && !("unknown_ids" in finished), "the ids stay out of the summary line");
  assert.ok(lines.some((l) => l.msg === "Force-sync named ids that match no row"));
});
