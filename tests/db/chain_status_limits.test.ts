/**
 * balance_sync.chain_status shows each chain's learned request sizes and its dispatch backoff, and
 * balance_sync.why() says them where they explain a row, on real PostgreSQL. The sizes are saved
 * through the function's own RPC (balance_sync_save_read_limits), the failed reads through
 * claim and record, and the failing scheduled runs through dispatch() and pg_net's answers.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { insertChain } from "../../stack/seed.ts";
import { freshDispatch } from "../support/dispatch.ts";
import { claim, migratedDb, record, seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
// pg_net and pg_cron live in database `postgres`: the dispatch test runs there
const cluster = sharedCluster({ migrate: true });

const LIMITS = {
  multicall: { size: 49, ceiling: 98, good: 49, clean: 0, since_failure: 0, reason: "out of gas" },
  batch: { size: 9, ceiling: 12, good: 9, clean: 1, since_failure: 1, reason: "HTTP 413" },
  response: {
    size: 99584,
    ceiling: 199168,
    good: 0,
    clean: 0,
    since_failure: 0,
    reason: "RPC error -32003: response size exceeded",
  },
};

async function asServiceRole<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  return await sql.begin(async (tx) => {
    await tx`set local role service_role`;
    return await fn(tx as unknown as Sql);
  }) as T;
}

async function chainStatus(sql: Sql, chainId: string) {
  const [row] = await asServiceRole(
    sql,
    (tx) => tx`select * from balance_sync.chain_status where chain_id = ${chainId}`,
  );
  return row;
}

async function reason(sql: Sql, id: string): Promise<string> {
  const rows = await asServiceRole(sql, (tx) => tx`select * from balance_sync.why(${id}::uuid)`);
  assert.equal(rows.length, 1);
  return rows[0].reason as string;
}

/** A chain of `family` with one row that claim and record have failed with `error`. */
async function failedRow(sql: Sql, family: "evm" | "tron", error: string) {
  const name = `${family}-${crypto.randomUUID().slice(0, 6)}`;
  const { chainId, ids: [id] } = await seedDueRows(sql, 1, { name, family });
  const worker = `run-${crypto.randomUUID()}`;
  const claimed = await claim(sql, worker, { filter: { wallet_balance_ids: [id] } });
  assert.deepEqual(claimed.rows.map((r) => [r.id, r.config_error]), [[id, null]]);
  await record(sql, worker, [{ id, error, error_class: "transient" }]);
  const [row] = await sql`select error_streak, last_error from public.wallet_balances
                          where id = ${id}`;
  assert.deepEqual({ ...row }, { error_streak: 1, last_error: error }, "the failure is recorded");
  return { chainId, id };
}

Deno.test("chain_status: a chain's learned sizes are in its row, a chain that learned none shows nulls, and service_role alone reads them", async () => {
  const { sql } = await migratedDb(cluster, "status_limits");
  const learned = await insertChain(sql, { name: "learned" });
  const untouched = await insertChain(sql, { name: "untouched" });
  const [{ ok }] = await sql`
    select public.balance_sync_save_read_limits(${learned}, ${sql.json(LIMITS)}, true) as ok`;
  assert.equal(ok, true);

  const row = await chainStatus(sql, learned);
  assert.deepEqual(
    {
      multicall: [row.multicall_calls, row.multicall_refused_at, row.multicall_reason],
      batch: [row.batch_calls, row.batch_refused_at, row.batch_reason],
      response: [row.response_bytes, row.response_refused_at, row.response_reason],
    },
    {
      multicall: ["49", "98", "out of gas"],
      batch: ["9", "12", "HTTP 413"],
      response: ["99584", "199168", "RPC error -32003: response size exceeded"],
    },
  );
  assert.ok(row.read_limits_lowered_at instanceof Date, "when a size was last lowered");
  assert.equal(row.chain_name, "learned", "the columns that were there keep their values");
  assert.equal(row.dispatch_state, "idle");
  assert.equal(row.dispatch_failures, 0);

  const none = await chainStatus(sql, untouched);
  assert.equal(none.multicall_calls, null, "nothing learned: the defaults apply");
  assert.equal(none.read_limits_lowered_at, null);

  for (const role of ["anon", "authenticated"]) {
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        await tx`select * from balance_sync.chain_status`;
      }),
      /permission denied/,
      `${role} may not read chain_status`,
    );
  }
  const [{ comment }] =
    await sql`select obj_description('balance_sync.chain_status'::regclass) as comment`;
  assert.match(comment, /multicall_calls/);
  assert.match(comment, /dispatch_backoff_ticks/);
});

Deno.test("why(): a row whose last error was a refusal for size names the size its chain learned; another error names none", async () => {
  const { sql } = await migratedDb(cluster, "why_limits");

  const gas = await failedRow(sql, "evm", "RPC error -32000: out of gas (https://node.example)");
  await sql`select public.balance_sync_save_read_limits(${gas.chainId}, ${sql.json(LIMITS)}, true)`;
  assert.match(
    await reason(sql, gas.id),
    /^in backoff until .* out of gas .*; chain evm-\w+ now reads 49 calls per aggregate, under the node's gas cap \(learned; 98 was refused: out of gas\)$/,
  );

  const answer = await failedRow(sql, "evm", "RPC error -32003: response size exceeded");
  await sql`select public.balance_sync_save_read_limits(${answer.chainId}, ${
    sql.json(LIMITS)
  }, true)`;
  assert.match(
    await reason(sql, answer.id),
    /; chain evm-\w+ now reads answers of at most 99584 bytes \(learned; 199168 was refused: RPC error -32003: response size exceeded\)$/,
  );

  const energy = await failedRow(sql, "tron", "triggerconstantcontract failed with OutOfEnergy");
  assert.match(
    await reason(sql, energy.id),
    /; chain tron-\w+ has learned no calls per aggregate yet: the default applies$/,
    "a chain that learned nothing says the default applies",
  );
  await sql`select public.balance_sync_save_read_limits(${energy.chainId}, ${
    sql.json(LIMITS)
  }, true)`;
  assert.match(
    await reason(sql, energy.id),
    /now reads 49 calls per aggregate, under the node's energy limit/,
    "on TRON the aggregate is bounded by energy",
  );

  const outage = await failedRow(sql, "evm", "HTTP 500 from https://node.example");
  await sql`select public.balance_sync_save_read_limits(${outage.chainId}, ${
    sql.json(LIMITS)
  }, true)`;
  const words = await reason(sql, outage.id);
  assert.match(words, /^in backoff until .*HTTP 500/);
  assert.doesNotMatch(words, /learned|calls per|bytes/, "an outage is not about size");
});

Deno.test("size_refusal: the readers' refusals for size are told apart from other errors", async () => {
  const { sql } = await migratedDb(cluster, "size_refusal");
  const cases: [string, string | null][] = [
    ["RPC error -32000: out of gas", "multicall"],
    ["RPC error -32000: gas required exceeds allowance (30000000)", "multicall"],
    ["RPC error -32000: intrinsic gas too high", "multicall"],
    ["RPC error -32000: exceeds block gas limit", "multicall"],
    ["triggerconstantcontract failed with REVERT opcode executed: OutOfEnergy", "multicall"],
    ["CPU timeout for 'PUSH1' operation executing", "multicall"],
    ["RPC error -32600: batch too large", "batch"],
    ["RPC error -32600: HTTP 413: request too large", "batch"],
    ["too many requests in the batch", "batch"],
    ["RPC error -32003: response too large", "response"],
    ["RPC error -32003: response size exceeded", "response"],
    ["HTTP 500 from https://node.example", null],
    ["RPC error -32000: execution reverted", null],
    ["HTTP 429: too many requests", null],
    ["no answer within 20000 ms from https://node.example", null],
  ];
  const rows = await sql`select e, balance_sync.size_refusal(e) as kind
                         from unnest(${cases.map(([e]) => e)}::text[]) as e`;
  assert.deepEqual(rows.map((r) => [r.e, r.kind]), cases);
});

// ---- dispatch backoff: database `postgres`, where pg_net's queue and answers are ----

/** pg_net's worker: every queued POST is answered, with 503 for `failing`, else 200. */
async function answerAll(sql: Sql, failing: string): Promise<number> {
  const taken = await sql`
    with taken as (delete from net.http_request_queue returning id, body),
    answered as (
      insert into net._http_response (id, status_code, content_type, content, timed_out)
      select id,
             case when convert_from(body, 'utf8')::jsonb ->> 'chain_id' = ${failing}
                  then 503 else 200 end,
             'application/json', '{"error":"database unavailable"}', false
      from taken
    )
    select id from taken`;
  return taken.length;
}

Deno.test("chain_status and why(): a chain whose scheduled runs keep failing shows its dispatch backoff, and its due row says when it is POSTed again", async () => {
  const { sql } = await cluster();
  await freshDispatch(sql);
  const suffix = () => crypto.randomUUID().slice(0, 6);
  const { chainId, ids: [id] } = await seedDueRows(sql, 1, { name: `failing-${suffix()}` });
  const { chainId: healthy, ids: [healthyRow] } = await seedDueRows(sql, 1, {
    name: `healthy-${suffix()}`,
  });

  // The failing chain's runs answer 503 twice in a row (its rows stay due); the other's 200.
  await sql`select balance_sync.dispatch()`;
  assert.equal(await answerAll(sql, chainId), 2);
  await sql`select balance_sync.dispatch()`; // settles: 1 failure, the chain waits 2 ticks
  await answerAll(sql, chainId);
  await sql`select balance_sync.dispatch()`; // its POST 2 ticks later
  await answerAll(sql, chainId);
  await sql`select balance_sync.dispatch()`; // settles: 2 failures
  await sql`delete from net.http_request_queue`;
  await sql`delete from balance_sync.dispatch_requests`;

  const row = await chainStatus(sql, chainId);
  assert.deepEqual(
    [
      row.dispatch_state,
      row.dispatch_failures,
      row.dispatch_backoff_ticks,
      row.dispatch_last_status,
    ],
    ["backoff", 2, "4", 503],
  );
  assert.match(row.dispatch_last_error, /database unavailable/);
  assert.ok(row.last_dispatched_at instanceof Date);
  assert.ok(row.dispatch_last_outcome_at instanceof Date);
  assert.equal((await chainStatus(sql, healthy)).dispatch_state, "idle");

  const words = await reason(sql, id);
  assert.match(
    words,
    /^never synced: due, waits for the next run; chain failing-\w+ is in dispatch backoff: its last 2 scheduled runs failed \(latest at .*: HTTP 503 \{"error":"database unavailable"\}\), so it is POSTed every 4 ticks, and again by .* at the latest$/,
  );
  const [{ by }] = await sql`
    select (cd.last_dispatched_at + interval '300 seconds')::text as by
    from balance_sync.chain_dispatch as cd where cd.chain_id = ${chainId}`;
  assert.ok(words.includes(`again by ${by} at the latest`), words);
  assert.doesNotMatch(await reason(sql, healthyRow), /dispatch backoff/);

  // A 2xx ends the backoff, in chain_status and in why().
  await sql`insert into balance_sync.dispatch_requests (request_id, chain_id, timeout_ms)
            values (-901, ${chainId}, 40000)`;
  await sql`insert into net._http_response (id, status_code, content, timed_out)
            values (-901, 200, '{}', false)`;
  await sql`select balance_sync.settle_dispatches()`;
  assert.equal((await chainStatus(sql, chainId)).dispatch_state, "idle");
  assert.doesNotMatch(await reason(sql, id), /dispatch backoff/);
  await sql`update public.chains set is_active = false where id in (${chainId}, ${healthy})`;
});
