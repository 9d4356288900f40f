/**
 * The terminal view of `deno task dev`: what pg_cron did, what the last run reported (read back
 * from net._http_response, where pg_net puts the function's answer), and the demo balances.
 * loadSnapshot() reads; renderView() is pure (snapshot in, text out).
 */
import type { Sql } from "../tests/support/pg.ts";
import { formatUnits } from "./demo.ts";
import { forceSyncCurl } from "./state.ts";

/** The function's default minimum interval between two syncs of a row (BALANCE_SYNC_MIN_...). */
const MIN_INTERVAL_SECONDS = 30;

export interface ChainStats {
  id: string;
  name: string;
  family: string;
  rows: number;
  synced: number;
  failing: number;
  due: number;
  processing: number;
}

export interface CronStats {
  version: string;
  schedule: string | null;
  lastStatus: string | null;
  lastMessage: string | null;
  lastStart: Date | null;
  runs: number;
  failedRuns: number;
}

export interface ChainRunSummary {
  rows?: number;
  synced?: number;
  failed?: number;
  block?: string | null;
  mode?: string | null;
  rpc_requests?: number;
  note?: string;
}

export interface LastRun {
  id: string;
  at: Date;
  statusCode: number | null;
  error: string | null;
  /** The function's JSON summary, when it answered with one. */
  summary: {
    synced?: number;
    failed?: number;
    claimed?: number;
    duration_ms?: number;
    stopped?: string;
    chains?: Record<string, ChainRunSummary>;
  } | null;
  /** Requests pg_net answered so far. */
  total: number;
}

export interface BalanceRow {
  id: string;
  wallet: string;
  chain: string;
  family: string;
  symbol: string;
  decimals: number | null;
  raw: string | null;
  lastChecked: Date | null;
  syncCount: number;
  errorStreak: number;
  lastError: string | null;
}

export interface Snapshot {
  at: Date;
  chains: ChainStats[];
  cron: CronStats | null;
  lastRun: LastRun | null;
  balances: BalanceRow[];
}

export async function loadSnapshot(sql: Sql): Promise<Snapshot> {
  const [chains, cron, lastRun, balances, [{ now }]] = await Promise.all([
    sql`
      select c.id::text, c.name, coalesce(c.family, '?') as family,
             count(wb.id)::int as rows,
             count(wb.id) filter (where wb.last_checked is not null and wb.error_streak = 0)::int
               as synced,
             count(wb.id) filter (where wb.error_streak > 0)::int as failing,
             count(wb.id) filter (
               where (wb.processing_status is distinct from 'processing'
                      or wb.locked_until is null or wb.locked_until <= now())
                 and (wb.last_checked is null
                      or wb.last_checked <= now() - make_interval(secs => ${MIN_INTERVAL_SECONDS}))
                 and (wb.error_streak <= 0 or wb.last_error_at is null
                      or wb.last_error_at <= now() - make_interval(secs =>
                           least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)))
             )::int as due,
             count(wb.id) filter (
               where wb.processing_status = 'processing' and wb.locked_until > now())::int
               as processing
      from public.chains as c
      left join public.asset_on_chain as aoc on aoc.chain_id = c.id and aoc.is_active
      left join public.wallet_balances as wb on wb.asset_on_chain_id = aoc.id
      where c.is_active
      group by c.id, c.name, c.family
      order by c.name`,
    sql`
      select (select extversion from pg_extension where extname = 'pg_cron') as version,
             j.schedule, d.status, d.return_message, d.start_time,
             (select count(*)::int from cron.job_run_details as r where r.jobid = j.jobid) as runs,
             (select count(*)::int from cron.job_run_details as r
              where r.jobid = j.jobid and r.status = 'failed') as failed_runs
      from cron.job as j
      left join lateral (
        select * from cron.job_run_details as r where r.jobid = j.jobid
        order by r.runid desc limit 1
      ) as d on true
      where j.jobname = 'balance-sync'`,
    sql`
      select r.id::text, r.created, r.status_code, r.content, r.error_msg, r.timed_out,
             (select count(*)::int from net._http_response) as total
      from net._http_response as r
      order by r.id desc limit 1`,
    sql`
      select wb.id::text, coalesce(w.label, w.id::text) as wallet, c.name as chain, c.family,
             a.symbol, aoc.decimals, wb.on_chain_balance_raw::text as raw, wb.last_checked,
             wb.sync_count, wb.error_streak, wb.last_error
      from public.wallet_balances as wb
      join public.wallets as w on w.id = wb.wallet_id
      join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
      join public.assets as a on a.id = aoc.asset_id
      join public.chains as c on c.id = aoc.chain_id
      order by w.label, c.family, a.symbol`,
    sql`select now()`,
  ]);

  let summary: LastRun["summary"] = null;
  const last = lastRun[0];
  if (last?.content) {
    try {
      const parsed = JSON.parse(last.content);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) summary = parsed;
    } catch { /* not JSON: shown as the error below */ }
  }
  return {
    at: now,
    chains: chains.map((c) => ({
      id: c.id,
      name: c.name,
      family: c.family,
      rows: c.rows,
      synced: c.synced,
      failing: c.failing,
      due: c.due,
      processing: c.processing,
    })),
    cron: cron[0]
      ? {
        version: cron[0].version,
        schedule: cron[0].schedule,
        lastStatus: cron[0].status,
        lastMessage: cron[0].return_message,
        lastStart: cron[0].start_time,
        runs: cron[0].runs,
        failedRuns: cron[0].failed_runs,
      }
      : null,
    lastRun: last
      ? {
        id: last.id,
        at: last.created,
        statusCode: last.status_code,
        error: last.error_msg ??
          (last.status_code !== null && last.status_code >= 300
            ? String(last.content ?? "").slice(0, 200)
            : null),
        summary,
        total: last.total,
      }
      : null,
    balances: balances.map((b) => ({
      id: b.id,
      wallet: b.wallet,
      chain: b.chain,
      family: b.family,
      symbol: b.symbol,
      decimals: b.decimals,
      raw: b.raw,
      lastChecked: b.last_checked,
      syncCount: b.sync_count,
      errorStreak: b.error_streak,
      lastError: b.last_error,
    })),
  };
}

/** Balance changes seen between snapshots, shown for a while after they happen. */
export class ChangeTracker {
  #last = new Map<string, string | null>();
  #changes = new Map<string, { delta: bigint; at: number }>();

  constructor(readonly showForMs = 90_000) {}

  observe(snapshot: Snapshot, now = Date.now()): void {
    for (const row of snapshot.balances) {
      const before = this.#last.get(row.id);
      if (before !== undefined && before !== null && row.raw !== null && before !== row.raw) {
        this.#changes.set(row.id, { delta: BigInt(row.raw) - BigInt(before), at: now });
      }
      this.#last.set(row.id, row.raw);
    }
    for (const [id, change] of this.#changes) {
      if (now - change.at > this.showForMs) this.#changes.delete(id);
    }
  }

  delta(id: string): bigint | null {
    return this.#changes.get(id)?.delta ?? null;
  }
}

export interface ViewContext {
  gatewayUrl: string;
  functionUrl: string;
  serviceRoleKey: string;
  databaseUrl: string;
  functionLog: string;
  color: boolean;
  /** Latest warning or error the function logged, if any. */
  lastFunctionProblem?: string | null;
  /** One line shown under the header (e.g. the last transfer). */
  notice?: string | null;
}

const paint = (on: boolean, code: string, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

const pad = (text: string, width: number) =>
  text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
const padStart = (text: string, width: number) =>
  text.length >= width ? text : " ".repeat(width - text.length) + text;

function ago(now: Date, then: Date | null): string {
  if (!then) return "never";
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

const clock = (d: Date) => d.toTimeString().slice(0, 8);

/** Seconds until the next firing of a "* * * * *" job, or of an "N seconds" job (approximate). */
export function secondsToNextRun(schedule: string | null, now: Date, lastStart: Date | null) {
  if (!schedule) return null;
  if (schedule.trim() === "* * * * *") return 60 - now.getSeconds();
  const seconds = /^(\d+) seconds?$/.exec(schedule.trim());
  if (seconds) {
    const every = Number(seconds[1]);
    if (!lastStart) return every;
    const due = lastStart.getTime() + every * 1000 - now.getTime();
    return Math.max(0, Math.ceil(due / 1000));
  }
  return null;
}

export function describeSchedule(schedule: string | null, version: string): string {
  if (!schedule) return "no balance-sync job";
  if (schedule.trim() === "* * * * *") {
    return `every minute ('* * * * *': pg_cron ${version} has no second intervals; 1.5+ runs every 30 s)`;
  }
  return `every ${schedule.replace(/^(\d+) seconds?$/, "$1 s")} (pg_cron ${version})`;
}

export function renderView(snapshot: Snapshot, changes: ChangeTracker, ctx: ViewContext): string {
  const c = ctx.color;
  const now = snapshot.at;
  const out: string[] = [];
  const cron = snapshot.cron;
  out.push(
    `${paint(c, "1", "balance-sync local stack")}  ${clock(now)}   ` +
      `pg_cron runs the sync ${cron ? describeSchedule(cron.schedule, cron.version) : "(no job)"}`,
  );
  if (cron) {
    const next = secondsToNextRun(cron.schedule, now, cron.lastStart);
    const status = cron.lastStatus === null
      ? "no run yet"
      : `last run ${cron.lastStart ? clock(cron.lastStart) : "?"} ${
        cron.lastStatus === "succeeded"
          ? paint(c, "32", "succeeded")
          : paint(c, "31", cron.lastStatus)
      }`;
    out.push(
      `  next pg_cron run in ${next ?? "?"} s · ${status} · ${cron.runs} runs` +
        (cron.failedRuns ? `, ${paint(c, "31", `${cron.failedRuns} failed`)}` : ""),
    );
    if (cron.lastStatus === "failed" && cron.lastMessage) {
      out.push(`  ${paint(c, "31", cron.lastMessage.slice(0, 160))}`);
    }
  }
  const run = snapshot.lastRun;
  if (!run) {
    out.push("  pg_net: no request answered yet");
  } else if (run.summary && run.statusCode === 200) {
    const s = run.summary;
    out.push(
      `  last sync ${clock(run.at)} (${ago(now, run.at)}): HTTP 200 · claimed ${s.claimed ?? 0}, ` +
        `synced ${s.synced ?? 0}, failed ${s.failed ?? 0} in ${s.duration_ms ?? "?"} ms · ` +
        `${run.total} answered by pg_net`,
    );
  } else {
    out.push(
      `  last sync ${clock(run.at)}: ${
        paint(c, "31", run.statusCode ? `HTTP ${run.statusCode}` : "no answer")
      } ${run.error ?? ""}`.trimEnd(),
    );
  }
  if (ctx.notice) out.push(`  ${paint(c, "36", ctx.notice)}`);
  out.push("");

  out.push(
    paint(
      c,
      "4",
      `${pad("chain", 24)}${padStart("rows", 5)}${padStart("synced", 8)}${padStart("failing", 8)}${
        padStart("due", 5)
      }  last run on this chain`,
    ),
  );
  for (const chain of snapshot.chains) {
    const cs = run?.summary?.chains?.[chain.id];
    const detail = cs
      ? [
        `synced ${cs.synced ?? 0}`,
        cs.failed ? paint(c, "31", `failed ${cs.failed}`) : null,
        cs.block ? `block ${cs.block}` : null,
        cs.mode ?? null,
        cs.rpc_requests !== undefined ? `${cs.rpc_requests} rpc` : null,
      ].filter(Boolean).join(" · ")
      : "-";
    out.push(
      `${pad(chain.name, 24)}${padStart(String(chain.rows), 5)}${
        padStart(String(chain.synced), 8)
      }${
        chain.failing
          ? paint(c, "31", padStart(String(chain.failing), 8))
          : padStart(String(chain.failing), 8)
      }${padStart(String(chain.due), 5)}  ${detail}`,
    );
  }
  out.push("");

  out.push(
    paint(
      c,
      "4",
      `${pad("wallet", 8)}${pad("chain", 6)}${pad("asset", 6)}${padStart("balance", 22)}  ${
        pad("checked", 12)
      }${padStart("syncs", 5)}`,
    ),
  );
  for (const row of snapshot.balances) {
    const chain = row.family === "tron" ? "TRON" : row.family === "evm" ? "EVM" : row.family;
    const head = `${pad(row.wallet, 8)}${pad(chain, 6)}${pad(row.symbol, 6)}`;
    if (row.errorStreak > 0 && row.lastError) {
      out.push(head + paint(c, "31", `error ×${row.errorStreak}: ${row.lastError}`.slice(0, 70)));
      continue;
    }
    const balance = row.raw === null || row.decimals === null
      ? "-"
      : formatUnits(BigInt(row.raw), row.decimals);
    const delta = changes.delta(row.id);
    const change = delta === null || row.decimals === null ? "" : "  " + paint(
      c,
      delta > 0n ? "32" : "33",
      `${delta > 0n ? "▲ +" : "▼ "}${formatUnits(delta, row.decimals)}`,
    );
    out.push(
      `${head}${padStart(balance, 22)}  ${pad(ago(now, row.lastChecked), 12)}${
        padStart(String(row.syncCount), 5)
      }${change}`,
    );
  }
  out.push("");
  out.push(`Move demo funds:   deno task dev:transfer`);
  out.push(`Force a sync now:  ${forceSyncCurl(ctx.functionUrl, ctx.serviceRoleKey)}`);
  out.push(`Database:          psql "${ctx.databaseUrl}"`);
  out.push(`Function log:      ${ctx.functionLog}`);
  if (ctx.lastFunctionProblem) {
    out.push(paint(c, "33", `Function said:     ${ctx.lastFunctionProblem.slice(0, 200)}`));
  }
  out.push("Ctrl-C stops everything.");
  return out.join("\n");
}
