/**
 * `deno task bench:record`: the database time of one balance_sync_record call of 1,000 results,
 * with the change log, against the same function without it, side by side in one run.
 *
 *   deno task bench:record [-- --rows 1000 --changed-pct 10 --rounds 40 --warmup 5
 *                              --baseline-rev <git rev> --out bench/record_cost.json
 *                              --webhook-endpoints 0]
 *
 * --webhook-endpoints N creates N enabled webhook endpoints (each with changes to deliver) before
 * the rounds: compare two runs, 0 and 3, to see what webhooks cost recording.
 *
 * The function "without the change log" is balance_sync_record as it was at --baseline-rev (the
 * contract file read with `git show`), created next to the current one under another name, so
 * both run in the same database on rows of the same shape. Each round runs four calls, in turn:
 * {current, baseline} × {no balance changed, --changed-pct of them changed}, each on its own
 * --rows rows that the bench leases to the call's worker beforehand (the lease is not timed).
 * DB time is the server's execution time of the call (EXPLAIN ANALYZE: no network, no client);
 * the round trip including commit (where NOTIFY queues its payload) is shown next to it.
 */
import { parseArgs } from "node:util";
import { toHuman } from "../supabase/functions/balance-sync/amount.ts";
import { repoRoot } from "../stack/bin.ts";
import { type Sql, startCluster } from "../stack/pg.ts";
import { insertAsset, insertBalances, insertChain } from "../stack/seed.ts";

const CONTRACT = "supabase/migrations/20261201000900_balance_sync_contract_v2.sql";
/** The last commit whose record function has no change log. */
const DEFAULT_BASELINE_REV = "b39475d95fa027c22b41a3ae939ae7850b3f3a5e";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    rows: { type: "string", default: "1000" },
    "changed-pct": { type: "string", default: "10" },
    rounds: { type: "string", default: "40" },
    warmup: { type: "string", default: "5" },
    "baseline-rev": { type: "string", default: DEFAULT_BASELINE_REV },
    out: { type: "string", default: `${repoRoot}/bench/record_cost.json` },
    "webhook-endpoints": { type: "string", default: "0" },
  },
});
const positive = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} must be a whole number >= 0, got ${flags[name]}`);
  }
  return value;
};
const ROWS = positive("rows");
const CHANGED = Math.round(ROWS * positive("changed-pct") / 100);
const ROUNDS = positive("rounds");
const WARMUP = positive("warmup");
const WEBHOOK_ENDPOINTS = positive("webhook-endpoints");

/** N enabled webhook endpoints, from change id 0 (so each always has something to deliver). */
async function addWebhookEndpoints(sql: Sql, count: number): Promise<void> {
  await sql`update balance_sync.settings set value = 'true' where key = 'webhook_allow_private_addresses'`;
  const key = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
  await sql`select vault.create_secret(${key}, 'record_cost_webhook_key')`;
  for (let i = 0; i < count; i++) {
    await sql`select balance_sync.webhook_create(${`https://127.0.0.1/hook-${i}`},
                'record_cost_webhook_key', p_from_id => 0)`;
  }
}

const log = (message: string) => console.error(`[record-cost] ${message}`);

/** The CREATE of balance_sync_record at `rev`, renamed. */
async function baselineFunction(rev: string, name: string): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["show", `${rev}:${CONTRACT}`],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git show ${rev}:${CONTRACT} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const source = new TextDecoder().decode(out.stdout);
  const start = source.indexOf("create or replace function public.balance_sync_record(");
  const bodyEnd = source.indexOf("\n$$;", source.indexOf("as $$", start));
  if (start < 0 || bodyEnd < 0) throw new Error(`no balance_sync_record in ${rev}:${CONTRACT}`);
  if (source.slice(start, bodyEnd).includes("balance_changes")) {
    throw new Error(`--baseline-rev ${rev} already has the change log`);
  }
  return source.slice(start, bodyEnd + 4).replace("public.balance_sync_record(", `${name}(`);
}

interface Scenario {
  label: string;
  fn: string;
  changed: number;
  ids: string[];
  /** The raw value each row holds now. */
  values: bigint[];
  dbMs: number[];
  roundTripMs: number[];
}

async function lease(sql: Sql, worker: string, ids: string[]): Promise<void> {
  await sql`update public.wallet_balances
            set processing_status = 'processing', locked_by = ${worker},
                locked_until = now() + interval '5 minutes'
            where id = any(${ids}::uuid[])`;
}

// record() requires the block a balance was read at, and never lets a lower one win: one more per call.
let block = 0n;

async function runOnce(sql: Sql, s: Scenario, round: number, timed: boolean): Promise<void> {
  const worker = `${s.label}-${round}`;
  const readAt = (++block).toString();
  await lease(sql, worker, s.ids);
  // The first `changed` rows move by one unit each call; the rest read what is stored.
  const results = s.ids.map((id, i) => {
    if (i < s.changed) s.values[i] += 1n;
    return { id, raw: s.values[i].toString(), human: toHuman(s.values[i], 18), block: readAt };
  });
  const payload = JSON.stringify(results);
  const started = performance.now();
  const [plan] = await sql.unsafe(
    `explain (analyze, timing off, summary on, format json) select ${s.fn}($1, $2::text::jsonb)`,
    [worker, payload],
  );
  const roundTrip = performance.now() - started;
  const executionMs = plan["QUERY PLAN"][0]["Execution Time"] as number;
  const [{ n }] = await sql`select count(*)::int as n from public.wallet_balances
                            where id = any(${s.ids}::uuid[]) and locked_by is null`;
  if (n !== s.ids.length) throw new Error(`${s.label}: ${n} of ${s.ids.length} rows applied`);
  if (timed) {
    s.dbMs.push(executionMs);
    s.roundTripMs.push(roundTrip);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function main(): Promise<void> {
  const cluster = await startCluster();
  try {
    await cluster.createDatabase("record_cost", { migrate: true });
    const sql = cluster.connect("record_cost", { max: 1 });
    await sql.unsafe(await baselineFunction(flags["baseline-rev"]!, "public.record_without_log"));
    const chainId = await insertChain(sql);
    const assetOnChainId = await insertAsset(sql, { chainId, decimals: 18 });
    if (WEBHOOK_ENDPOINTS > 0) await addWebhookEndpoints(sql, WEBHOOK_ENDPOINTS);

    const scenarios: Scenario[] = [];
    for (
      const [fn, tag] of [["public.balance_sync_record", "log"], [
        "public.record_without_log",
        "nolog",
      ]]
    ) {
      for (const changed of [0, CHANGED]) {
        const ids = await insertBalances(sql, { chainId, assetOnChainId, count: ROWS });
        scenarios.push({
          label: `${tag}-${changed}`,
          fn,
          changed,
          ids,
          values: ids.map((_, i) => 10n ** 24n + BigInt(i)),
          dbMs: [],
          roundTripMs: [],
        });
      }
    }
    // First observation of every row, so that "no change" really means equal values.
    for (const s of scenarios) {
      const zero = { ...s, changed: 0 };
      await runOnce(sql, zero, -1, false);
    }
    await sql`vacuum analyze public.wallet_balances`;
    await sql`vacuum analyze balance_sync.balance_changes`;
    log(`${ROWS} results per call, ${CHANGED} changed; ${WARMUP} warm-up + ${ROUNDS} rounds`);

    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // rotate the order so that no scenario always runs first
      for (let k = 0; k < scenarios.length; k++) {
        await runOnce(sql, scenarios[(k + round) % scenarios.length], round, round >= WARMUP);
      }
    }

    const [{ logged }] =
      await sql`select count(*)::int as logged from balance_sync.balance_changes`;
    const expectedLog = ROWS * 2 + CHANGED * (WARMUP + ROUNDS);
    if (logged !== expectedLog) throw new Error(`change rows: ${logged}, expected ${expectedLog}`);

    const by = Object.fromEntries(scenarios.map((s) => [s.label, s]));
    const m = (label: string) => median(by[label].dbMs);
    const figures = {
      rows: ROWS,
      changed: CHANGED,
      rounds: ROUNDS,
      baseline_rev: flags["baseline-rev"],
      webhook_endpoints: WEBHOOK_ENDPOINTS,
      scenarios: scenarios.map((s) => ({
        label: s.label,
        function: s.fn,
        changed: s.changed,
        db_ms_median: Number(median(s.dbMs).toFixed(3)),
        db_ms_p90: Number(quantile(s.dbMs, 0.9).toFixed(3)),
        round_trip_ms_median: Number(median(s.roundTripMs).toFixed(3)),
      })),
      ratios: {
        changes_vs_no_changes_with_log: Number((m(`log-${CHANGED}`) / m("log-0")).toFixed(3)),
        no_changes_with_log_vs_without: Number((m("log-0") / m("nolog-0")).toFixed(3)),
        changes_with_log_vs_without: Number(
          (m(`log-${CHANGED}`) / m(`nolog-${CHANGED}`)).toFixed(3),
        ),
      },
      noise: {
        // the spread of the baseline itself: what "within noise" means in this run
        no_changes_without_log_p90_over_median: Number(
          (quantile(by["nolog-0"].dbMs, 0.9) / m("nolog-0")).toFixed(3),
        ),
      },
    };

    const pad = (s: string, n: number) => s.padEnd(n);
    console.log(`\nbalance_sync_record, ${ROWS} results per call, DB time (EXPLAIN ANALYZE):\n`);
    console.log(
      `| ${pad("function", 26)} | ${pad("changed", 7)} | ${pad("median ms", 9)} | ${
        pad("p90 ms", 8)
      } | ${pad("round trip ms", 13)} |`,
    );
    console.log(
      `| ${"-".repeat(26)} | ${"-".repeat(7)} | ${"-".repeat(9)} | ${"-".repeat(8)} | ${
        "-".repeat(13)
      } |`,
    );
    for (const s of figures.scenarios) {
      console.log(
        `| ${pad(s.label.startsWith("log") ? "with change log" : "without (baseline)", 26)} | ${
          pad(String(s.changed), 7)
        } | ${pad(s.db_ms_median.toFixed(2), 9)} | ${pad(s.db_ms_p90.toFixed(2), 8)} | ${
          pad(s.round_trip_ms_median.toFixed(2), 13)
        } |`,
      );
    }
    console.log(`\n${JSON.stringify(figures.ratios)}  noise: ${JSON.stringify(figures.noise)}`);
    await Deno.writeTextFile(flags.out!, JSON.stringify(figures, null, 2) + "\n");
    log(`wrote ${flags.out}`);
  } finally {
    await cluster.stop();
  }
}

await main();
