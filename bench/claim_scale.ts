/**
 * `deno task bench -- --claim-scale [--claim-rows 1000000 --claim-chains 10 --claim-reps 15]`
 *
 * What the function's claim costs at scale, and whether rows failing in backoff at the head of the
 * line make it dearer. The claim timed is exactly the one a scheduled run sends: one chain,
 * `{"chain_id", "scheduled": true}`, with the function's lease and minimum interval (config.ts
 * DEFAULTS), built by the function's own store (bench/function_claim.ts); the repetitions go round
 * the chains. Two batch sizes: the function's default (50) and the main benchmark's (1,000).
 *
 * 1,000,000 wallet_balances rows over 10 chains are generated in SQL (generate_series), each synced
 * once (next_sync_at = last check + the minimum interval, as record writes it); a tenth of them are
 * the stalest rows ("the head of the line"). The claims are timed first with every row healthy,
 * then after that tenth has failed through the contract itself (leased as a claim leases, then
 * balance_sync_record with a transient error, four rounds so that their backoff, 240 s, outlasts
 * the measurement). Each claim runs in a transaction that is rolled back, so every repetition sees
 * the same table. Target: backoff within 1.5x of healthy.
 *
 * Each case prints EXPLAIN (ANALYZE, BUFFERS) of the claim of 50 (auto_explain: the call and
 * every statement the claim runs inside it, with the run's values), and stores it in the JSON.
 *
 * Then, at the same size, the RPCs the function makes against hosted Supabase's role timeouts
 * (`statement_timeout` 8 s for authenticator, which service_role keeps): the scheduled claim of
 * 1,000, the record of those 1,000 balances, and balance_sync_metrics(), each timed inside the
 * database (rolled back), with the share of 8 s it takes. Target: each well inside it (<= 25 %).
 *
 * Writes bench/claim_scale.json.
 */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import { type Sql, startCluster } from "../stack/pg.ts";
import { stopOnInterrupt } from "./interrupt.ts";
import { DEFAULTS, SETTING_DEFAULTS } from "../supabase/functions/balance-sync/config.ts";
import { type PlanSession, planSession } from "../stack/nested_plans.ts";
import { scheduledClaim, scheduledClaimRpc } from "./function_claim.ts";
import { BENCH_BATCH_SIZE } from "./options.ts";

const log = (message: string) =>
  console.error(`[claim-scale ${new Date().toISOString()}] ${message}`);

export function parseClaimArgs(args: string[]) {
  const { values } = parseArgs({
    args: args.filter((a) => a !== "--" && a !== "--claim-scale"),
    options: {
      "claim-rows": { type: "string", default: "1000000" },
      "claim-chains": { type: "string", default: "10" },
      "claim-reps": { type: "string", default: "15" },
      "backoff-share": { type: "string", default: "0.1" },
      out: { type: "string", default: `${repoRoot}/bench/claim_scale.json` },
    },
  });
  const rows = Number(values["claim-rows"]);
  const chains = Number(values["claim-chains"]);
  const reps = Number(values["claim-reps"]);
  const share = Number(values["backoff-share"]);
  if (!Number.isInteger(chains) || chains < 1) throw new Error("--claim-chains must be >= 1");
  // Two assets (native and token) per chain: rows must split into whole wallets.
  if (!Number.isInteger(rows) || rows < 2000 || rows % (chains * 2) !== 0) {
    throw new Error(`--claim-rows must be >= 2000 and a multiple of ${chains * 2}`);
  }
  if (!Number.isInteger(reps) || reps < 3) throw new Error("--claim-reps must be >= 3");
  if (!(share > 0 && share < 1)) throw new Error("--backoff-share must be between 0 and 1");
  return { rows, chains, reps, share, out: String(values.out) };
}

/**
 * The table at `config.rows`: every row synced once, as record leaves it (next_sync_at = the
 * check + the minimum interval), a tenth of them (the head of the line) three days stale.
 */
export async function generate(
  sql: Sql,
  config: { rows: number; chains: number; share: number },
) {
  const wallets = config.rows / (config.chains * 2);
  // Every (1/share)-th wallet's rows are the stalest: the head of the line.
  const every = Math.round(1 / config.share);
  await sql`
    insert into public.chains (name, family, rpc_url, is_active)
    select 'scale-' || g, 'evm', 'http://127.0.0.1:9/', true from generate_series(1, ${config.chains}::int) as g`;
  await sql`
    with a as (insert into public.assets (symbol, name) values ('NAT', 'native'), ('TOK', 'token')
               returning id, symbol)
    insert into public.asset_on_chain (chain_id, asset_id, contract_address, decimals, is_native,
                                       is_active)
    select c.id, a.id,
           case when a.symbol = 'TOK'
                then '0x' || lpad(to_hex(c.evm_n), 40, '0') end,
           case when a.symbol = 'TOK' then 6 else 18 end, a.symbol = 'NAT', true
    from (select id, row_number() over (order by name) as evm_n from public.chains) as c
    cross join a`;
  await sql`
    insert into public.wallets (label)
    select 'scale ' || g from generate_series(0, ${wallets - 1}::int) as g`;
  await sql`
    insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
    select w.id, c.id, '0x' || lpad(to_hex(substr(w.label, 7)::int), 40, '0'), true
    from public.wallets as w cross join public.chains as c`;
  await sql`
    insert into public.wallet_balances (wallet_id, asset_on_chain_id, last_checked, next_sync_at,
                                        sync_count)
    select g.wallet_id, g.asset_on_chain_id, g.checked,
           g.checked + make_interval(secs => ${SETTING_DEFAULTS.minIntervalSeconds}::int), 1
    from (
      select w.id as wallet_id, aoc.id as asset_on_chain_id,
             case when substr(w.label, 7)::int % ${every}::int = 0
                  then now() - interval '3 days' - random() * interval '1 hour'
                  else now() - interval '1 hour' - random() * interval '1 day' end as checked
      from public.wallets as w cross join public.asset_on_chain as aoc
    ) as g`;
  const [{ head }] = await sql`
    select count(*)::int as head from public.wallet_balances
    where last_checked < now() - interval '2 days'`;
  return { wallets, head, every };
}

interface Timing {
  /** Round trip of the claim statement, median and worst, ms (client side, local socket). */
  median_ms: number;
  p90_ms: number;
  max_ms: number;
  /** Inside the database: statement start to the end of the claim, median ms. */
  server_median_ms: number;
  /** Rows each claim returned. */
  claimed: number;
  /** Of those, rows of the head of the line (the tenth that fails in the second case). */
  claimed_from_head: number;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round2 = (n: number) => Math.round(n * 100) / 100;

async function timeClaims(
  sql: Sql,
  chains: string[],
  limit: number,
  reps: number,
  every: number,
): Promise<Timing> {
  const client = await sql.reserve() as unknown as Sql;
  const round: number[] = [];
  const server: number[] = [];
  let claimed = 0;
  let fromHead = 0;
  try {
    for (let i = 0; i < reps + 2; i++) {
      await client`begin`;
      const [{ t0 }] = await client`select clock_timestamp() as t0`;
      const started = performance.now();
      const claim = await scheduledClaim(client, chains[i % chains.length], `bench-${i}`, limit);
      const elapsed = performance.now() - started;
      const [{ ms }] = await client`
        select extract(epoch from clock_timestamp() - ${t0}::timestamptz) * 1000 as ms`;
      const ids = claim.rows.map((r) => r.id);
      const [{ head }] = await client`
        select count(*)::int as head
        from public.wallet_balances as wb join public.wallets as w on w.id = wb.wallet_id
        where wb.id = any(${ids}::uuid[]) and substr(w.label, 7)::int % ${every}::int = 0`;
      await client`rollback`;
      if (i < 2) continue; // warm-up
      round.push(elapsed);
      server.push(Number(ms));
      claimed = ids.length;
      fromHead = head;
    }
  } finally {
    (client as unknown as { release(): void }).release();
  }
  return {
    median_ms: round2(quantile(round, 0.5)),
    p90_ms: round2(quantile(round, 0.9)),
    max_ms: round2(Math.max(...round)),
    server_median_ms: round2(quantile(server, 0.5)),
    claimed,
    claimed_from_head: fromHead,
  };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS), text, of one claim of `limit` rows of `chain`: the plans of the call
 * and of every statement inside it. The session claims a few times first (rolled back), as a
 * pooled connection has: PL/pgSQL may switch to a generic plan after five executions.
 */
async function explainClaim(session: PlanSession, chain: string, limit: number) {
  for (let i = 0; i < 6; i++) {
    await session.sql`begin`;
    await scheduledClaim(session.sql, chain, `explain-warm-${i}`, limit);
    await session.sql`rollback`;
  }
  return await session.explain(
    (s) => scheduledClaim(s, chain, "explain", limit),
    { format: "text", analyze: true },
  );
}

/**
 * Fails the head of the line through the contract's record: each round leases the rows the way a
 * claim does (locked_by, locked_until, processing_status) and records a transient error for each,
 * so the error streak, and with it the backoff, grows by one per round. (A forced claim by
 * wallet_balance_ids would lease them too, but 10,000 ids at a time scan the whole table; and a
 * normal claim takes rows whose short first backoff has already run out.)
 */
async function failHead(sql: Sql, every: number, rounds: number) {
  const chunk = 10_000;
  const head = (await sql`
    select wb.id::text as id
    from public.wallet_balances as wb join public.wallets as w on w.id = wb.wallet_id
    where substr(w.label, 7)::int % ${every}::int = 0
    order by wb.id`).map((r) => r.id as string);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < head.length; i += chunk) {
      const ids = head.slice(i, i + chunk);
      const worker = `fail-${round}-${i}`;
      await sql`
        update public.wallet_balances
        set processing_status = 'processing', locked_by = ${worker},
            locked_until = now() + interval '120 seconds'
        where id = any(${ids}::uuid[])`;
      await record(sql, worker, ids);
    }
  }
  return head;
}

/** Hosted Supabase cancels a statement of authenticator / service_role after this. */
const HOSTED_STATEMENT_TIMEOUT_MS = 8000;
/** "Well inside" the timeout: each RPC at most this share of it. */
const TIMEOUT_SHARE_TARGET = 0.25;

/** Median server time of `statement`, run in a rolled-back transaction `reps` times after 1 warm-up. */
async function serverMs(
  sql: Sql,
  reps: number,
  statement: (client: Sql, i: number) => Promise<void>,
): Promise<number> {
  const client = await sql.reserve();
  const times: number[] = [];
  try {
    for (let i = 0; i < reps + 1; i++) {
      await client`begin`;
      const [{ t0 }] = await client`select clock_timestamp() as t0`;
      await statement(client as unknown as Sql, i);
      const [{ ms }] = await client`
        select extract(epoch from clock_timestamp() - ${t0}::timestamptz) * 1000 as ms`;
      await client`rollback`;
      if (i > 0) times.push(Number(ms));
    }
  } finally {
    client.release();
  }
  return round2(quantile(times, 0.5));
}

/** The function's RPCs at this size against the hosted statement timeout. */
async function rpcTimeouts(sql: Sql, chains: string[], reps: number) {
  const claimMs = await serverMs(sql, reps, async (client, i) => {
    await scheduledClaim(client, chains[i % chains.length], `timeout-claim-${i}`, 1000);
  });
  // The record is timed alone: its claim runs first in the same transaction, outside the clock.
  const recordTimes: number[] = [];
  const client = await sql.reserve();
  try {
    for (let i = 0; i < reps + 1; i++) {
      await client`begin`;
      const worker = `timeout-record-${i}`;
      const claim = await scheduledClaim(
        client as unknown as Sql,
        chains[i % chains.length],
        worker,
        1000,
      );
      const results = claim.rows.map((r, n) => ({
        id: r.id,
        raw: String(1_000_000 + n),
        human: "1",
        block: "1000",
      }));
      const [{ t0 }] = await client`select clock_timestamp() as t0`;
      const [{ outcome }] = await client`
        select public.balance_sync_record(${worker}, ${client.json(results)}) as outcome`;
      const [{ ms }] = await client`
        select extract(epoch from clock_timestamp() - ${t0}::timestamptz) * 1000 as ms`;
      await client`rollback`;
      if (results.length !== 1000) throw new Error(`claimed ${results.length}, not 1000`);
      if (outcome.synced + (outcome.stale_rejected ?? 0) === 0) {
        throw new Error(`record applied nothing: ${JSON.stringify(outcome).slice(0, 300)}`);
      }
      if (i > 0) recordTimes.push(Number(ms));
    }
  } finally {
    client.release();
  }
  const recordMs = round2(quantile(recordTimes, 0.5));
  // On a table this large /metrics reads the snapshot the balance-sync-status job takes (outside
  // any API timeout); take it as the job would, and time that too.
  const [{ has }] = await sql`
    select to_regprocedure('balance_sync.refresh_chain_status_snapshot()') is not null as has`;
  let snapshotMs: number | null = null;
  if (has) {
    const started = performance.now();
    await sql`select balance_sync.refresh_chain_status_snapshot()`;
    snapshotMs = round2(performance.now() - started);
  }
  const metricsMs = await serverMs(sql, reps, async (c) => {
    await c`select public.balance_sync_metrics()`;
  });
  const rpcs = { claim_1000: claimMs, record_1000: recordMs, metrics: metricsMs };
  return {
    status_snapshot_refresh_ms: snapshotMs,
    statement_timeout_ms: HOSTED_STATEMENT_TIMEOUT_MS,
    target: `each <= ${TIMEOUT_SHARE_TARGET * 100} % of the timeout`,
    server_median_ms: rpcs,
    share_of_timeout: Object.fromEntries(
      Object.entries(rpcs).map(([k, v]) => [k, round2(v / HOSTED_STATEMENT_TIMEOUT_MS)]),
    ),
    met: Object.values(rpcs).every((v) => v <= TIMEOUT_SHARE_TARGET * HOSTED_STATEMENT_TIMEOUT_MS),
  };
}

async function record(sql: Sql, worker: string, ids: string[]) {
  const results = ids.map((id) => ({
    id,
    error: "bench: node did not answer",
    error_class: "transient",
  }));
  const [{ outcome }] = await sql`
    select public.balance_sync_record(${worker}, ${sql.json(results)}) as outcome`;
  if (outcome.errored !== ids.length) {
    throw new Error(
      `record stored ${outcome.errored} of ${ids.length} errors: ${
        JSON.stringify(outcome).slice(0, 300)
      }`,
    );
  }
}

export async function runClaimScale(args: string[]) {
  const config = parseClaimArgs(args);
  const started = performance.now();
  log(`config ${JSON.stringify(config)}`);
  const cluster = await startCluster();
  const removeInterrupt = stopOnInterrupt(log, () => cluster.stop());
  try {
    const url = await cluster.createDatabase("claim_scale", { migrate: true });
    const sql = cluster.connect(new URL(url).pathname.slice(1), { max: 2 });
    const dbName = new URL(url).pathname.slice(1);

    const generating = performance.now();
    const { wallets, head, every } = await generate(sql, config);
    await sql`vacuum analyze`;
    const generateS = (performance.now() - generating) / 1000;
    log(
      `generated ${config.rows} rows (${wallets} wallets, head of the line ${head}) in ${
        generateS.toFixed(1)
      } s`,
    );
    const chains = (await sql`select id::text as id from public.chains order by name`)
      .map((r) => r.id as string);
    const sent = await scheduledClaimRpc(chains[0], "bench", DEFAULTS.batchSize);
    log(`claim as the function sends it: ${sent.fn}(${JSON.stringify(sent.args)})`);

    // The function's batch size, and the main benchmark's.
    const sizes = [DEFAULTS.batchSize, BENCH_BATCH_SIZE];
    const session = await planSession(cluster, dbName);
    const measure = async (label: string) => {
      const result: Record<string, Timing> = {};
      for (const size of sizes) {
        const name = `claim_${size}_scheduled_one_chain`;
        result[name] = await timeClaims(sql, chains, size, config.reps, every);
        log(`  ${name}: median ${result[name].median_ms} ms`);
      }
      const plan = await explainClaim(session, chains[0], DEFAULTS.batchSize);
      log(
        `  EXPLAIN (ANALYZE, BUFFERS) of the claim of ${DEFAULTS.batchSize}, ${label}: ` +
          `${plan.length} statements`,
      );
      return { result, plan };
    };

    log("timing claims, every row healthy");
    const { result: healthy, plan: healthyPlan } = await measure("healthy");
    log("timing the function's RPCs against the hosted statement timeout");
    const timeouts = await rpcTimeouts(sql, chains, 5);
    const failing = performance.now();
    const failed = await failHead(sql, every, 4);
    await sql`vacuum analyze public.wallet_balances`;
    const failS = (performance.now() - failing) / 1000;
    const [state] = await sql`
      select count(*) filter (where error_streak > 0)::int as in_backoff,
             max(error_streak)::int as streak
      from public.wallet_balances`;
    log(
      `failed ${failed.length} rows through the contract (streak ${state.streak}) in ${
        failS.toFixed(1)
      } s`,
    );
    log(`timing claims, ${state.in_backoff} rows in backoff at the head of the line`);
    const { result: backoff, plan: backoffPlan } = await measure("backoff");
    await session.end();

    // The verdict uses the time inside the database: the claim's own cost, without the client's
    // share of a loaded 2-core machine; the round trips are listed beside it.
    const cases = Object.keys(healthy).map((name) => ({
      claim: name,
      healthy_server_ms: healthy[name].server_median_ms,
      backoff_server_ms: backoff[name].server_median_ms,
      ratio: round2(backoff[name].server_median_ms / healthy[name].server_median_ms),
      healthy_round_trip_ms: healthy[name].median_ms,
      backoff_round_trip_ms: backoff[name].median_ms,
      round_trip_ratio: round2(backoff[name].median_ms / healthy[name].median_ms),
      within_1_5x: backoff[name].server_median_ms <= 1.5 * healthy[name].server_median_ms,
    }));
    const results = {
      rows: config.rows,
      chains: config.chains,
      rows_in_backoff: state.in_backoff,
      backoff_error_streak: state.streak,
      claim_rpc: {
        fn: sent.fn,
        args: {
          ...sent.args,
          p_worker: "<run id>",
          p_filter: { chain_id: "<chain>", scheduled: true },
        },
        note: "built by the function's store (db/store.ts) from run/chain_loop.ts's options and " +
          "config.ts DEFAULTS; p_limit as timed: " + sizes.join(", "),
      },
      repetitions: config.reps,
      generate_s: round2(generateS),
      fail_head_s: round2(failS),
      note: "each claim in a transaction rolled back; median of the repetitions after 2 " +
        "warm-ups, going round the chains; server ms: the database's clock before and after the " +
        "claim (one extra local round trip included); round trip: the claim seen from the " +
        "function's store on a local socket",
      target: "backoff within 1.5x of healthy (server ms)",
      side_by_side: cases,
      hosted_statement_timeout: timeouts,
      healthy,
      backoff,
      explain_analyze_buffers: {
        note: `the scheduled claim of ${DEFAULTS.batchSize} rows of one chain: auto_explain's ` +
          "text plan of the call (last) and of each statement the claim runs inside it",
        healthy: healthyPlan,
        backoff: backoffPlan,
      },
    };
    await sql.end();
    const backoffLabel = `${state.in_backoff.toLocaleString("en")} in backoff`;
    console.log(
      `\nclaim ms at ${config.rows.toLocaleString("en")} rows, ${config.chains} chains ` +
        `(median of ${config.reps}; in the database, and round trip):\n` +
        `${"claim".padEnd(34)}${"healthy".padStart(10)}${backoffLabel.padStart(20)}` +
        `${"ratio".padStart(8)}${"round trip".padStart(24)}  target <= 1.5x`,
    );
    for (const c of cases) {
      console.log(
        `${c.claim.padEnd(34)}${c.healthy_server_ms.toFixed(1).padStart(10)}${
          c.backoff_server_ms.toFixed(1).padStart(20)
        }${c.ratio.toFixed(2).padStart(8)}${
          `${c.healthy_round_trip_ms.toFixed(1)} / ${c.backoff_round_trip_ms.toFixed(1)}`
            .padStart(24)
        }  ${c.within_1_5x ? "MET" : "MISSED"}`,
      );
    }
    for (const [label, set] of [["healthy", healthy], ["backoff", backoff]] as const) {
      for (const [name, t] of Object.entries(set)) {
        console.log(
          `  ${label} ${name}: claimed ${t.claimed} (${t.claimed_from_head} from the head of ` +
            `the line), p90 ${t.p90_ms} ms, server ${t.server_median_ms} ms`,
        );
      }
    }
    for (const [label, plan] of [["healthy", healthyPlan], ["backoff", backoffPlan]] as const) {
      console.log(
        `\nEXPLAIN (ANALYZE, BUFFERS) of the scheduled claim of ${DEFAULTS.batchSize}, ${label} ` +
          `(each statement inside the claim, then the call):\n${plan.join("\n----\n")}`,
      );
    }
    console.log(
      `\nRPCs at ${config.rows.toLocaleString("en")} rows vs hosted statement_timeout ` +
        `${HOSTED_STATEMENT_TIMEOUT_MS} ms (median in the database; ${timeouts.target}):`,
    );
    for (const [name, ms] of Object.entries(timeouts.server_median_ms)) {
      const share = timeouts.share_of_timeout[name];
      console.log(
        `  ${name.padEnd(14)}${ms.toFixed(1).padStart(10)} ms  ${
          (share * 100).toFixed(1).padStart(5)
        } %  ${share <= TIMEOUT_SHARE_TARGET ? "MET" : "MISSED"}`,
      );
    }
    if (timeouts.status_snapshot_refresh_ms !== null) {
      console.log(
        `  (the balance-sync-status job's snapshot, which /metrics reads at this size, took ` +
          `${
            timeouts.status_snapshot_refresh_ms.toFixed(0)
          } ms, in pg_cron, outside the API timeout)`,
      );
    }
    await Deno.writeTextFile(config.out, JSON.stringify(results, null, 2) + "\n");
    log(`wrote ${config.out} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    removeInterrupt();
    await cluster.stop();
  }
}

if (import.meta.main) await runClaimScale(Deno.args);
