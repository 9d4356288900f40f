/**
 * balance_sync.dispatch() across ticks: a fair fan-out (no chain starves behind
 * max_runs_per_tick), bounded by the POSTs still unanswered (a stalled pg_net worker) and by
 * failing runs (backoff of 2^k ticks). Each tick is the cron job's command; pg_net's worker is
 * played by moving the queued requests to net._http_response with a chosen status, as the worker
 * does. Runs in pg_cron's database with the real cron job paused, so that only the test ticks.
 */
import assert from "node:assert/strict";
import { sharedCluster, type Sql } from "../../stack/pg.ts";
import { freshDispatch } from "../support/dispatch.ts";
import { seedDueRows } from "./fixtures.ts";

Deno.test.sanitizer({ ops: false, resources: false });
const cluster = sharedCluster({ migrate: true });

const SETTINGS = [
  "rows_per_run",
  "max_runs_per_chain",
  "max_runs_per_tick",
  "net_queue_max",
  "net_queue_stall_seconds",
  "dispatch_backoff_max_seconds",
];

/** A clean slate: no earlier chain, request, answer or dispatch state; the cron job paused. */
async function fresh(sql: Sql, settings: Record<string, string> = {}): Promise<void> {
  await freshDispatch(sql);
  await sql`delete from balance_sync.settings where key = any(${SETTINGS})`;
  for (const [key, value] of Object.entries(settings)) {
    await sql`insert into balance_sync.settings (key, value) values (${key}, ${value}::jsonb)`;
  }
}

async function seedChain(
  sql: Sql,
  name: string | null,
  rows: number,
  maxRps: number | null = null,
): Promise<string> {
  const { chainId } = await seedDueRows(sql, rows, { name: name ?? "unnamed", maxRps });
  if (name === null) await sql`update public.chains set name = null where id = ${chainId}`;
  return chainId;
}

/** One tick: the cron job's command. */
async function tick(sql: Sql): Promise<number> {
  const [{ queued }] = await sql`select balance_sync.dispatch() as queued`;
  return Number(queued);
}

/** The chains of the POSTs waiting in pg_net's queue. */
async function queuedChains(sql: Sql): Promise<string[]> {
  const rows = await sql`select convert_from(body, 'utf8')::jsonb ->> 'chain_id' as chain
                         from net.http_request_queue order by id`;
  return rows.map((r) => r.chain);
}

/**
 * pg_net's worker: takes every queued request and writes its answer (the function's status);
 * returns the chains it POSTed.
 */
async function deliver(sql: Sql, status: number): Promise<string[]> {
  const taken = await sql`
    with taken as (delete from net.http_request_queue returning id, body),
    answered as (
      insert into net._http_response (id, status_code, content_type, content, timed_out)
      select id, ${status}, 'application/json', '{}', false from taken
    )
    select convert_from(body, 'utf8')::jsonb ->> 'chain_id' as chain from taken order by id`;
  return taken.map((r) => r.chain);
}

function count(chains: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const chain of chains) counts[chain] = (counts[chain] ?? 0) + 1;
  return counts;
}

Deno.test("dispatch is fair: 30 chains with due rows (one without a name), 20 POSTs per tick: every chain gets one within 2 ticks", async () => {
  const { sql } = await cluster();
  await fresh(sql);
  const chains: string[] = [];
  for (let i = 0; i < 29; i++) {
    chains.push(await seedChain(sql, `chain-${String(i).padStart(2, "0")}`, 3));
  }
  chains.push(await seedChain(sql, null, 3));

  assert.equal(await tick(sql), 20);
  const first = await deliver(sql, 200); // the runs answered; their rows are still due
  assert.equal(new Set(first).size, 20, "one POST per chain");
  assert.equal(await tick(sql), 20);
  const second = await deliver(sql, 200);
  const waitedLongest = chains.filter((c) => !first.includes(c));
  assert.deepEqual(
    waitedLongest.filter((c) => !second.includes(c)),
    [],
    "the 10 chains left out of the first tick come first in the second",
  );
  assert.deepEqual(chains.filter((c) => !first.includes(c) && !second.includes(c)), []);

  // And it keeps rotating: the third tick serves the chains the second one left out.
  assert.equal(await tick(sql), 20);
  const third = await deliver(sql, 200);
  assert.deepEqual(chains.filter((c) => !second.includes(c) && !third.includes(c)), []);
});

Deno.test("dispatch is bounded: a pg_net worker stopped for 10 ticks holds at most one POST per chain, and none is sent while the queue is backed up", async () => {
  const { sql } = await cluster();
  await fresh(sql, {
    rows_per_run: "10",
    max_runs_per_chain: "3",
    // the ticks of this test come faster than a stall could be seen; tested below
    net_queue_stall_seconds: "3600",
  });
  const small = await seedChain(sql, "stalled-a", 5);
  const paced = await seedChain(sql, "stalled-paced", 50, 2);
  const backlog = await seedChain(sql, "stalled-backlog", 50);

  for (let i = 0; i < 10; i++) await tick(sql);
  assert.deepEqual(count(await queuedChains(sql)), { [small]: 1, [paced]: 1, [backlog]: 3 });
  const [status] = await sql`select in_flight, state from balance_sync.chain_dispatch_status
                             where chain_id = ${backlog}`;
  assert.deepEqual({ ...status }, { in_flight: 3, state: "in_flight" });

  // The worker is back: what was queued is answered, and the next tick sends no more than one
  // tick's worth.
  await deliver(sql, 200);
  assert.equal(await tick(sql), 5);
  await deliver(sql, 200);

  // A stalled worker (one of our POSTs waited longer than net_queue_stall_seconds): nothing more
  // is queued, not even for a chain that has nothing in flight.
  assert.equal(await tick(sql), 5);
  await sql`update balance_sync.settings set value = '0' where key = 'net_queue_stall_seconds'`;
  await sql`update balance_sync.dispatch_requests set queued_at = now() - interval '1 minute'
            where chain_id = ${small}`;
  const newcomer = await seedChain(sql, "stalled-newcomer", 5);
  assert.equal(await tick(sql), 0);
  assert.ok(!(await queuedChains(sql)).includes(newcomer));

  // A queue that other callers filled up to net_queue_max: nothing either.
  await deliver(sql, 200);
  await sql`update balance_sync.settings set value = '3600' where key = 'net_queue_stall_seconds'`;
  await sql`insert into balance_sync.settings (key, value) values ('net_queue_max', '5')`;
  await sql`select net.http_get('http://127.0.0.1:9/other-app') from generate_series(1, 5)`;
  assert.equal(await tick(sql), 0);
  await sql`delete from net.http_request_queue`;
  assert.ok(await tick(sql) > 0, "sends again once the queue drained");
  assert.ok((await queuedChains(sql)).includes(newcomer));
});

Deno.test("dispatch backs off: a function answering 500 gets one POST per chain every 2^k ticks, and a 2xx ends the backoff", async () => {
  const { sql } = await cluster();
  await fresh(sql, { rows_per_run: "10", max_runs_per_chain: "3" });
  const a = await seedChain(sql, "failing-a", 50); // a backlog: 3 runs in flight when healthy
  const b = await seedChain(sql, "failing-b", 5);

  const posts: Record<string, number[]> = { [a]: [], [b]: [] };
  for (let t = 1; t <= 20; t++) {
    await tick(sql);
    for (const chain of await deliver(sql, 500)) posts[chain].push(t);
  }
  // Tick 1: a's 3 runs and b's one fail together (one failure each); then one POST per chain on
  // ticks 3 (2^1 later), 7 (2^2), 15 (2^3); the next would be tick 31.
  assert.deepEqual(posts[a], [1, 1, 1, 3, 7, 15]);
  assert.deepEqual(posts[b], [1, 3, 7, 15]);

  const [state] = await sql`select failures, backoff_ticks, state, last_status
                            from balance_sync.chain_dispatch_status where chain_id = ${a}`;
  assert.deepEqual({ ...state }, {
    failures: 4,
    backoff_ticks: "16",
    state: "backoff",
    last_status: 500,
  });

  // Backoff never exceeds dispatch_backoff_max_seconds (5 minutes by default): here 0.
  await sql`insert into balance_sync.settings (key, value)
            values ('dispatch_backoff_max_seconds', '0')`;
  assert.equal(await tick(sql), 2, "one probe per chain in backoff");
  await deliver(sql, 200);
  await sql`delete from balance_sync.settings where key = 'dispatch_backoff_max_seconds'`;
  assert.equal(await tick(sql), 4, "healthy again: a gets its 3 runs, b its one");
  const [healthy] = await sql`select failures, backoff_ticks, state
                              from balance_sync.chain_dispatch_status where chain_id = ${a}`;
  assert.deepEqual({ ...healthy }, { failures: 0, backoff_ticks: null, state: "in_flight" });
});

Deno.test("dispatch: a POST taken off the queue and never answered counts until 30 s past its timeout, then as a failure", async () => {
  const { sql } = await cluster();
  await fresh(sql);
  const chain = await seedChain(sql, "lost-answer", 5);
  assert.equal(await tick(sql), 1);
  await sql`delete from net.http_request_queue`; // taken by the worker, no answer yet
  assert.equal(await tick(sql), 0, "unanswered and younger than its timeout");
  await sql`update balance_sync.dispatch_requests
            set queued_at = now() - make_interval(secs => timeout_ms / 1000.0 + 31)`;
  await tick(sql);
  const [state] = await sql`select failures, last_error from balance_sync.chain_dispatch_status
                            where chain_id = ${chain}`;
  assert.deepEqual({ ...state }, { failures: 1, last_error: "no answer (lost)" });
});

Deno.test("dispatch state: only the owner and service_role may read it, not the API roles", async () => {
  const c = await cluster();
  const api = c.connect("postgres", { user: "authenticator", max: 1 });
  for (const role of ["anon", "authenticated"]) {
    for (
      const query of [
        "select * from balance_sync.chain_dispatch_status",
        "select * from balance_sync.dispatch_requests",
        "select * from balance_sync.chain_dispatch",
        "select balance_sync.settle_dispatches()",
      ]
    ) {
      await assert.rejects(
        api.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe(query);
        }),
        (error: { code?: string }) => error.code === "42501",
        `${role}: ${query}`,
      );
    }
  }
  await api.begin(async (tx) => {
    await tx.unsafe("set local role service_role");
    await tx.unsafe("select * from balance_sync.chain_dispatch_status");
  });
});

Deno.test("dispatch stamps each POST with its tick (x-balance-sync-tick-at), the time record dates the next sync from", async () => {
  const { sql } = await cluster();
  await fresh(sql);
  await seedChain(sql, "stamped", 3);
  assert.equal(await tick(sql), 1);
  const [row] = await sql`
    select headers ->> 'x-balance-sync-tick-at' as tick,
           abs(extract(epoch from (headers ->> 'x-balance-sync-tick-at')::timestamptz - now()))
             as off_s
    from net.http_request_queue`;
  assert.match(row.tick, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  assert.ok(Number(row.off_s) < 60, `the tick is now (${row.off_s} s off)`);
});
