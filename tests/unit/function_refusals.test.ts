/**
 * The run's side of "one bad row never stalls the queue": rows the database refuses, successes
 * without a block, and a BALANCE_SYNC_SECRET saved with a line break.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { type RowResult, toChainConfig } from "../../supabase/functions/balance-sync/store.ts";
import { captureLog, chain, FakeReaders, FakeStore, row, syncWithFakes } from "./function_fakes.ts";

Deno.test("run: a row the database refuses counts as failed with the database's reason; the rest is synced", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log, lines } = captureLog();
  const wallet = "40000000-0000-4000-8000-0000000000bb";
  const rows = [
    row("bsc", { walletId: wallet, address: "0xa" }),
    row("bsc", { walletId: wallet, address: "0xb" }),
  ];
  const store = new FakeStore([evm], rows);
  store.refusedIds.add(rows[1].id);
  readers.behaviour.set("bsc", { kind: "balances", balances: new Map([["0xa", 1n], ["0xb", 2n]]) });

  const summary = await syncWithFakes({ store, readers, log }, {}, {
    filter: { wallet_id: wallet },
  });

  assert.deepEqual(store.ops(), ["claim", "record"], "the database released it: no release call");
  assert.equal(summary.synced, 1);
  assert.equal(summary.failed, 1);
  assert.equal(summary.released, 0);
  assert.deepEqual(
    {
      synced: summary.chains.bsc.synced,
      failed: summary.chains.bsc.failed,
      errors: summary.chains.bsc.errors_by_class,
    },
    { synced: 1, failed: 1, errors: { permanent: 1 } },
  );
  const refused = summary.rows!.find((r) => r.id === rows[1].id)!;
  assert.equal(refused.status, "failed");
  assert.equal(refused.error, "refused by the database: wallet is frozen");
  assert.equal(refused.raw, undefined);
  assert.ok(lines.some((l) =>
    l.msg === "Wallet balance not written: the database refused it" &&
    l.wallet_balance_id === rows[1].id
  ));
  assert.equal(store.get(rows[1].id).errorCount, 1);
});

Deno.test("run: a balance read without a block is failed by the run and never sent as a balance", async () => {
  const evm = chain("bsc", "evm");
  const readers = new FakeReaders();
  const { log } = captureLog();
  const rows = [row("bsc", { address: "0xa" })];
  const store = new FakeStore([evm], rows);
  const blockless = () =>
    Promise.resolve<Awaited<ReturnType<typeof readers.reader>>>({
      block: null,
      requests: 1,
      mode: "per-call",
      outcomes: [{ key: rows[0].id, ok: true, raw: 5n }],
    });

  const summary = await syncWithFakes({ store, readers: () => Promise.resolve(blockless), log });

  const sent = store.calls.filter((c) => c.op === "record").flatMap((c) =>
    (c.args as { results: RowResult[] }).results
  );
  assert.equal(sent.length, 1);
  assert.ok("error" in sent[0], "recorded as an error, not as a balance");
  assert.match((sent[0] as { error: string }).error, /no block/);
  assert.equal(summary.synced, 0);
  assert.equal(summary.failed, 1);
});

const base = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-0123456789",
};

Deno.test("loadConfig() trims BALANCE_SYNC_SECRET saved with a trailing newline (HTTP trims header values)", () => {
  const env: Record<string, string> = { ...base, BALANCE_SYNC_SECRET: "cron-secret-0123456789\n" };
  assert.equal(loadConfig((name) => env[name]).syncSecret, "cron-secret-0123456789");
  env.BALANCE_SYNC_SECRET = "  cron-secret-0123456789\r\n";
  assert.equal(loadConfig((name) => env[name]).syncSecret, "cron-secret-0123456789");
});

Deno.test("loadConfig() refuses a BALANCE_SYNC_SECRET with a line break inside, naming the variable", () => {
  const env: Record<string, string> = {
    ...base,
    BALANCE_SYNC_SECRET: "cron-secret-01234\n56789",
  };
  assert.throws(() => loadConfig((name) => env[name]), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.variable, "BALANCE_SYNC_SECRET");
    assert.match(error.message, /^BALANCE_SYNC_SECRET: .*control character/);
    assert.ok(!error.message.includes("cron-secret"), "the value is never in the message");
    return true;
  });
});

Deno.test("toChainConfig() refuses the chain values no check constraint guards any more", () => {
  const chain = (extra: Record<string, unknown>) =>
    toChainConfig({ id: "c", name: "bsc", family: "evm", rpc_url: "http://x", ...extra });
  assert.equal(typeof chain({}), "object");
  assert.equal(typeof chain({ confirmations: 3, max_rps: 0.5, max_concurrency: 2 }), "object");
  assert.match(chain({ confirmations: -1 }) as string, /^confirmations must be .* got -1/);
  assert.match(chain({ max_rps: 0 }) as string, /^max_rps must be > 0/);
  assert.match(chain({ max_concurrency: -2 }) as string, /^max_concurrency must be .* got -2/);
  assert.match(chain({ family: "bitcoin" }) as string, /not supported/);
});
