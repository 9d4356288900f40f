/**
 * The terminal view of `deno task dev`: what pg_cron did, what pg_net delivered (read back from
 * net._http_response), every run the function finished, scheduled or forced (a RunSource: today
 * the function's log, dev/run_log.ts), and the demo balances.
 * loadSnapshot() reads; renderView() and renderStatus() are pure (snapshot in, text out) and fit
 * the terminal: header first, then the chains, then as many balance rows as there is room for.
 */
import type { Sql } from "../tests/support/pg.ts";
import { formatUnits } from "./demo.ts";
import type { RunRecord, RunSource } from "./run_log.ts";

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
  /** Failing rows: when the claim will take the row again (end of backoff and interval). */
  retryAt?: Date | null;
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
             wb.sync_count, wb.error_streak, wb.last_error,
             case when wb.error_streak > 0 and wb.last_error_at is not null then greatest(
               wb.last_error_at + make_interval(secs =>
                 least(30 * power(2, least(wb.error_streak - 1, 7)), 3600)),
               wb.last_checked + make_interval(secs => ${MIN_INTERVAL_SECONDS}))
             end as retry_at
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
      retryAt: b.retry_at,
    })),
  };
}

/** The change of each balance at the last sync that changed it, and when that sync was. */
export class ChangeTracker {
  #last = new Map<string, string | null>();
  #changes = new Map<string, { delta: bigint; at: Date }>();

  observe(snapshot: Snapshot): void {
    for (const row of snapshot.balances) {
      const before = this.#last.get(row.id);
      if (before !== undefined && before !== null && row.raw !== null && before !== row.raw) {
        this.#changes.set(row.id, {
          delta: BigInt(row.raw) - BigInt(before),
          at: row.lastChecked ?? snapshot.at,
        });
      }
      this.#last.set(row.id, row.raw);
    }
  }

  change(id: string): { delta: bigint; at: Date } | null {
    return this.#changes.get(id) ?? null;
  }

  delta(id: string): bigint | null {
    return this.#changes.get(id)?.delta ?? null;
  }
}

export interface ViewContext {
  /** The short command that forces a sync of everything (`deno task dev:sync`). */
  forceCommand: string;
  databaseUrl: string;
  functionLog: string;
  color: boolean;
  /** Every run the function finished. */
  runs?: RunSource;
  /** One line shown under the header (the last transfer or forced sync). */
  notice?: string | null;
  /** Keys the interactive view reacts to; null in --plain. */
  keys?: string | null;
}

export interface ScreenSize {
  columns: number;
  rows: number;
}

const paint = (on: boolean, code: string, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

const pad = (text: string, width: number) =>
  text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
const padStart = (text: string, width: number) =>
  text.length >= width ? text : " ".repeat(width - text.length) + text;

/** Cuts a line to `width` visible characters, keeping colour codes balanced. */
export function fitLine(line: string, width: number): string {
  let visible = 0;
  let out = "";
  let colored = false;
  for (let i = 0; i < line.length;) {
    // deno-lint-ignore no-control-regex
    const esc = /^\x1b\[[0-9;]*m/.exec(line.slice(i));
    if (esc) {
      out += esc[0];
      colored = esc[0] !== "\x1b[0m";
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (visible >= width) break;
    out += ch;
    visible++;
    i += ch.length;
  }
  return colored ? out + "\x1b[0m" : out;
}

/** "8s", "3m", "2h": compact ages for the balance table. */
function age(now: Date, then: Date | null): string {
  if (!then) return "-";
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 100) return `${s}s`;
  if (s < 6000) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
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

const shortSchedule = (schedule: string | null) =>
  !schedule
    ? "no job"
    : schedule.trim() === "* * * * *"
    ? "every minute"
    : `every ${schedule.replace(/^(\d+) seconds?$/, "$1 s")}`;

function runCounts(c: boolean, run: RunRecord): string {
  return `claimed ${run.claimed}, synced ${run.synced}, ` +
    (run.failed ? paint(c, "31", `failed ${run.failed}`) : "failed 0") +
    (run.busy ? `, busy ${run.busy}` : "") +
    (run.durationMs !== null ? ` in ${run.durationMs} ms` : "");
}

/** The header: what pg_cron, pg_net and the function did last. Always shown first. */
function headerLines(snapshot: Snapshot, ctx: ViewContext): string[] {
  const c = ctx.color;
  const now = snapshot.at;
  const cron = snapshot.cron;
  const out: string[] = [];
  const next = cron ? secondsToNextRun(cron.schedule, now, cron.lastStart) : null;
  out.push(
    `${paint(c, "1", "balance-sync local stack")}  ${clock(now)}  pg_cron ${
      cron ? `${cron.version} ${shortSchedule(cron.schedule)}` : "(no job)"
    }${next !== null ? `, next in ${next} s` : ""}`,
  );
  if (cron) {
    const status = cron.lastStatus === null
      ? "no cron run yet"
      : `cron ${cron.lastStart ? clock(cron.lastStart) : "?"} ${
        cron.lastStatus === "succeeded"
          ? paint(c, "32", "succeeded")
          : paint(c, "31", cron.lastStatus)
      }`;
    const run = snapshot.lastRun;
    const delivery = !run
      ? "pg_net: nothing answered yet"
      : run.statusCode === 200
      ? `pg_net: ${run.total} answered, last HTTP 200`
      : `pg_net: ${run.total} answered, last ${
        paint(c, "31", run.statusCode ? `HTTP ${run.statusCode}` : "no answer")
      } ${run.error ?? ""}`.trimEnd();
    out.push(
      `  ${status} · ${cron.runs} runs` +
        (cron.failedRuns ? `, ${paint(c, "31", `${cron.failedRuns} failed`)}` : "") +
        ` · ${delivery}`,
    );
    if (cron.lastStatus === "failed" && cron.lastMessage) {
      out.push(`  ${paint(c, "31", cron.lastMessage)}`);
    }
  }
  for (const kind of ["scheduled", "forced"] as const) {
    const run = ctx.runs?.lastRun(kind);
    if (!run) {
      if (kind === "scheduled") out.push("  scheduled: no run finished yet");
      continue;
    }
    out.push(
      `  ${pad(kind, 9)} ${clock(run.at)}: ${runCounts(c, run)} · ` +
        `${ctx.runs!.runCount(kind)} runs`,
    );
  }
  if (ctx.notice) out.push(`  ${paint(c, "36", ctx.notice)}`);
  return out;
}

function chainLines(snapshot: Snapshot, ctx: ViewContext): string[] {
  const c = ctx.color;
  const out = [
    paint(
      c,
      "4",
      `${pad("chain", 22)}${padStart("rows", 5)}${padStart("synced", 7)}${padStart("fail", 5)}${
        padStart("due", 4)
      }  last run on this chain`,
    ),
  ];
  for (const chain of snapshot.chains) {
    const last = ctx.runs?.lastOnChain(chain.id);
    const detail = last
      ? [
        `${clock(last.run.at)} ${last.run.kind === "forced" ? "forced" : "sched"}`,
        last.chain.failed ? paint(c, "31", `failed ${last.chain.failed}`) : null,
        last.chain.block ? `blk ${last.chain.block}` : null,
        last.chain.rpc_requests !== undefined ? `${last.chain.rpc_requests} rpc` : null,
        last.chain.mode ?? null,
      ].filter(Boolean).join(" · ")
      : "-";
    out.push(
      `${pad(chain.name, 22)}${padStart(String(chain.rows), 5)}${
        padStart(String(chain.synced), 7)
      }${
        chain.failing
          ? paint(c, "31", padStart(String(chain.failing), 5))
          : padStart(String(chain.failing), 5)
      }${padStart(String(chain.due), 4)}  ${detail}`,
    );
  }
  return out;
}

const BALANCE_HEADER = `${pad("wallet", 7)}${pad("chain", 6)}${pad("asset", 6)}${
  padStart("balance", 21)
}${padStart("age", 5)}  last change, at the sync`;

/** One balance row: its balance and last change, or why it fails and when it is retried. */
export function balanceLine(
  row: BalanceRow,
  snapshot: Snapshot,
  changes: ChangeTracker,
  ctx: Pick<ViewContext, "color" | "runs">,
): string {
  const c = ctx.color;
  const chain = row.family === "tron" ? "TRON" : row.family === "evm" ? "EVM" : row.family;
  const head = `${pad(row.wallet, 7)}${pad(chain, 6)}${pad(row.symbol, 6)}`;
  if (row.errorStreak > 0 && row.lastError) {
    const failure = ctx.runs?.rowFailure(row.id);
    const parts = [
      `✗ ${failure?.errorClass ?? "error"} ×${row.errorStreak}`,
      row.retryAt ? `retry ${clock(row.retryAt)}` : null,
      row.lastError,
      failure?.runId ? `run ${failure.runId.slice(0, 8)}` : null,
    ].filter(Boolean);
    return head + paint(c, "31", parts.join(" · "));
  }
  const balance = row.raw === null || row.decimals === null
    ? "-"
    : formatUnits(BigInt(row.raw), row.decimals);
  const change = changes.change(row.id);
  const mark = change === null || row.decimals === null ? "" : "  " + paint(
    c,
    change.delta > 0n ? "32" : "33",
    `${change.delta > 0n ? "▲+" : "▼"}${formatUnits(change.delta, row.decimals)} ${
      clock(change.at)
    }`,
  );
  return `${head}${padStart(balance, 21)}${padStart(age(snapshot.at, row.lastChecked), 5)}${mark}`;
}

/** Most important first: the view drops lines from the end when the terminal is short. */
function footerLines(ctx: ViewContext): string[] {
  return [
    ctx.keys
      ? `${ctx.keys} · elsewhere: ${ctx.forceCommand}`
      : `force a sync of every row: ${ctx.forceCommand}`,
    `psql ${ctx.databaseUrl.replace(/\?sslmode=disable$/, "")}`,
    `function log: ${ctx.functionLog}`,
  ];
}

/**
 * The whole screen, fitted to `size`: the header first, then the chains, then the balances (as
 * many as fit; the rest counted), then the commands.
 */
export function renderView(
  snapshot: Snapshot,
  changes: ChangeTracker,
  ctx: ViewContext,
  size: ScreenSize = { columns: 80, rows: 24 },
): string {
  const header = headerLines(snapshot, ctx);
  const chains = chainLines(snapshot, ctx);
  let footer = footerLines(ctx);
  const rows = snapshot.balances.map((row) => balanceLine(row, snapshot, changes, ctx));
  let room = size.rows - header.length - chains.length - footer.length - 1;
  while (room < rows.length && footer.length > 1) {
    footer = footer.slice(0, -1);
    room++;
  }
  let balances = [paint(ctx.color, "4", BALANCE_HEADER), ...rows];
  if (rows.length > room) {
    const shown = Math.max(0, room - 1);
    balances = [
      balances[0],
      ...rows.slice(0, shown),
      `… ${rows.length - shown} more rows: a taller terminal shows them`,
    ];
  }
  return [...header, ...chains, ...balances, ...footer]
    .slice(0, Math.max(1, size.rows))
    .map((line) => fitLine(line, size.columns))
    .join("\n");
}

/** One status line for --plain. */
export function renderStatus(snapshot: Snapshot, ctx: ViewContext): string {
  const cron = snapshot.cron;
  const parts = [clock(snapshot.at)];
  if (cron) {
    parts.push(
      `pg_cron ${cron.runs} runs${cron.failedRuns ? ` (${cron.failedRuns} failed)` : ""}` +
        (cron.lastStatus ? `, last ${cron.lastStatus}` : ""),
    );
    const next = secondsToNextRun(cron.schedule, snapshot.at, cron.lastStart);
    if (next !== null) parts.push(`next in ${next} s`);
  }
  for (const kind of ["scheduled", "forced"] as const) {
    const run = ctx.runs?.lastRun(kind);
    if (run) parts.push(`${kind} ${clock(run.at)}: ${runCounts(false, run)}`);
  }
  const failing = snapshot.chains.reduce((n, chain) => n + chain.failing, 0);
  const due = snapshot.chains.reduce((n, chain) => n + chain.due, 0);
  parts.push(`${failing} failing, ${due} due`);
  return `[status] ${parts.join(" · ")}`;
}

/**
 * --plain: the first call prints the whole view; later calls print only what changed since the
 * previous call (new runs, balances, failures, notices) and then one status line, or nothing when
 * nothing changed (a status line at most every `quietMs` then).
 */
export class PlainReporter {
  #seen = new Map<string, string>();
  #first = true;
  #lastPrint = 0;

  constructor(readonly quietMs = 60_000) {}

  report(snapshot: Snapshot, changes: ChangeTracker, ctx: ViewContext, now = Date.now()): string {
    const plainCtx = { ...ctx, color: false, keys: null };
    const items = new Map<string, string>();
    const cron = snapshot.cron;
    if (cron?.lastStatus === "failed") {
      items.set(
        "cron",
        `pg_cron run ${cron.lastStart ? clock(cron.lastStart) : "?"} failed: ${
          cron.lastMessage ?? ""
        }`,
      );
    }
    for (const kind of ["scheduled", "forced"] as const) {
      const run = ctx.runs?.lastRun(kind);
      if (run) {
        items.set(
          `run:${kind}`,
          `${kind} run ${run.runId.slice(0, 8)} ${clock(run.at)}: ${runCounts(false, run)}`,
        );
      }
    }
    if (ctx.notice) items.set("notice", ctx.notice);
    for (const row of snapshot.balances) {
      const line = balanceLine(row, snapshot, changes, plainCtx);
      // The age column moves every second: compare without it.
      const key = row.errorStreak > 0
        ? `${row.errorStreak}|${row.lastError}|${row.retryAt?.getTime()}`
        : `${row.raw}|${row.syncCount > 0}|${changes.change(row.id)?.at.getTime()}`;
      items.set(`row:${row.id}`, `${key}\u0000${line}`);
    }

    const out: string[] = [];
    if (this.#first) {
      out.push(renderView(snapshot, changes, plainCtx, { columns: 200, rows: 1000 }));
    } else {
      for (const [id, value] of items) {
        const [key, line] = value.includes("\u0000") ? value.split("\u0000") : [value, value];
        const before = this.#seen.get(id);
        const beforeKey = before?.includes("\u0000") ? before.split("\u0000")[0] : before;
        if (beforeKey !== key) out.push(line);
      }
    }
    this.#seen = items;
    const first = this.#first;
    this.#first = false;
    if (out.length === 0 && now - this.#lastPrint < this.quietMs) return "";
    this.#lastPrint = now;
    return [...out, first ? "" : null, renderStatus(snapshot, plainCtx)]
      .filter((line) => line !== null).join("\n") + "\n";
  }
}
