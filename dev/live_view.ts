/**
 * The terminal view of `deno task dev`: what pg_cron did, what pg_net delivered (read back from
 * net._http_response), each chain (balance_sync.chain_status), the recent runs, scheduled and
 * forced (balance_sync.run_history), the last balance changes (balance_sync.balance_changes) and
 * the demo balances, with why a row is not fresh (balance_sync.stale_rows) and, from the
 * function's log (dev/run_log.ts), which run failed it.
 * loadSnapshot() reads; renderView() and renderStatus() are pure (snapshot in, text out) and fit
 * the terminal: header first, then the chains, runs and changes, then as many balance rows as
 * there is room for.
 */
import type { Sql } from "../stack/pg.ts";
import { formatUnits } from "./demo.ts";
import type { ChainRunSummary, RunFacts, RunRecord } from "./run_log.ts";

export interface ChainStats {
  id: string;
  name: string;
  family: string;
  /** balance_sync.chain_status: active rows, and those fresh, due, leased and failing. */
  rows: number;
  fresh: number;
  failing: number;
  due: number;
  processing: number;
  /** Age of the oldest-but-1 % last_checked, in seconds (null before any sync). */
  stalenessP99: number | null;
  /** The last run that touched this chain (chain_status), and what it did there (its summary). */
  lastRun:
    | { runId: string; kind: string; status: string; at: Date; chain: ChainRunSummary | null }
    | null;
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
  /** From balance_sync.stale_rows, for rows that are not fresh: due, leased, backoff, ... */
  state?: string | null;
  errorClass?: string | null;
  /** Rows in backoff: when the claim will take the row again. */
  retryAt?: Date | null;
  /** The row's last change in balance_sync.balance_changes (a first observation is none). */
  lastChange?: { deltaRaw: string; at: Date } | null;
}

/** One row of balance_sync.balance_changes, with the wallet's label and the asset. */
export interface BalanceChange {
  id: string;
  wallet: string;
  family: string;
  symbol: string;
  decimals: number | null;
  deltaRaw: string;
  /** The row's first observation (no previous value): the delta is the whole balance. */
  first: boolean;
  block: string | null;
  at: Date;
}

export interface Snapshot {
  at: Date;
  chains: ChainStats[];
  cron: CronStats | null;
  lastRun: LastRun | null;
  /** balance_sync.run_history, newest first. */
  runs: RunRecord[];
  runCounts: { scheduled: number; forced: number };
  /** balance_sync.balance_changes, newest first. */
  changes: BalanceChange[];
  balances: BalanceRow[];
}

/** How many recent runs and balance changes the view reads. */
export const RECENT_RUNS = 5;
export const RECENT_CHANGES = 8;

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Reads everything the view shows. `recent` widens the runs and changes read (--plain reads more,
 * so that every run and change between two reads is printed).
 */
export async function loadSnapshot(
  sql: Sql,
  recent: { runs: number; changes: number } = { runs: RECENT_RUNS, changes: RECENT_CHANGES },
): Promise<Snapshot> {
  const [chains, cron, lastRun, runs, runCounts, changes, balances, [{ now }]] = await Promise.all([
    sql`
      select cs.chain_id::text as id, cs.chain_name as name, coalesce(cs.family, '?') as family,
             cs.active_rows::int as rows, cs.fresh_rows::int as fresh,
             cs.failing_rows::int as failing, cs.due_rows::int as due,
             cs.leased_rows::int as processing, cs.staleness_p99_seconds as p99,
             cs.last_run_id, cs.last_run_status, cs.last_run_started_at,
             r.kind as last_run_kind, r.chains -> cs.chain_id::text as last_run_chain
      from balance_sync.chain_status as cs
      left join balance_sync.runs as r on r.run_id = cs.last_run_id
      where cs.is_active
      order by cs.chain_name`,
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
      select run_id, kind, status, started_at, finished_at, claimed, synced, failed, busy,
             duration_ms, stopped, chains
      from balance_sync.run_history
      order by started_at desc
      limit ${recent.runs}`,
    sql`select kind, count(*)::int as n from balance_sync.runs group by kind`,
    sql`
      select bc.id::text, coalesce(w.label, bc.wallet_id::text) as wallet,
             coalesce(c.family, '?') as family, coalesce(a.symbol, '?') as symbol, aoc.decimals,
             bc.delta_raw::text as delta_raw, bc.previous_raw is null as first,
             bc.block::text as block, bc.observed_at
      from balance_sync.balance_changes as bc
      left join public.wallets as w on w.id = bc.wallet_id
      left join public.asset_on_chain as aoc on aoc.id = bc.asset_on_chain_id
      left join public.assets as a on a.id = aoc.asset_id
      left join public.chains as c on c.id = bc.chain_id
      order by bc.id desc
      limit ${recent.changes}`,
    sql`
      select wb.id::text, coalesce(w.label, w.id::text) as wallet, c.name as chain, c.family,
             a.symbol, aoc.decimals, wb.on_chain_balance_raw::text as raw, wb.last_checked,
             wb.sync_count, wb.error_streak, wb.last_error,
             s.state, s.error_class, s.retry_at,
             lc.delta_raw as last_delta_raw, lc.observed_at as last_change_at
      from public.wallet_balances as wb
      join public.wallets as w on w.id = wb.wallet_id
      join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
      join public.assets as a on a.id = aoc.asset_id
      join public.chains as c on c.id = aoc.chain_id
      left join balance_sync.stale_rows as s on s.wallet_balance_id = wb.id
      left join lateral (
        select bc.delta_raw::text as delta_raw, bc.observed_at
        from balance_sync.balance_changes as bc
        where bc.wallet_id = wb.wallet_id and bc.wallet_balance_id = wb.id
          and bc.previous_raw is not null
        order by bc.observed_at desc, bc.id desc
        limit 1
      ) as lc on true
      order by w.label, c.family, a.symbol`,
    sql`select now()`,
  ]);

  const last = lastRun[0];
  const counts = Object.fromEntries(runCounts.map((r) => [r.kind, r.n]));
  return {
    at: now,
    chains: chains.map((c) => ({
      id: c.id,
      name: c.name,
      family: c.family,
      rows: c.rows,
      fresh: c.fresh,
      failing: c.failing,
      due: c.due,
      processing: c.processing,
      stalenessP99: c.p99,
      lastRun: c.last_run_id
        ? {
          runId: c.last_run_id,
          kind: c.last_run_kind ?? "?",
          status: c.last_run_status,
          at: c.last_run_started_at,
          chain: c.last_run_chain ?? null,
        }
        : null,
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
        total: last.total,
      }
      : null,
    runs: runs.map((r) => ({
      runId: r.run_id,
      kind: r.kind === "forced" ? "forced" : "scheduled",
      status: r.status,
      startedAt: r.started_at,
      at: r.finished_at ?? r.started_at,
      claimed: num(r.claimed),
      synced: num(r.synced),
      failed: num(r.failed),
      busy: num(r.busy),
      durationMs: r.duration_ms,
      stopped: r.stopped,
      chains: r.chains ?? {},
    })),
    runCounts: { scheduled: counts.scheduled ?? 0, forced: counts.forced ?? 0 },
    changes: changes.map((ch) => ({
      id: ch.id,
      wallet: ch.wallet,
      family: ch.family,
      symbol: ch.symbol,
      decimals: ch.decimals,
      deltaRaw: ch.delta_raw,
      first: ch.first,
      block: ch.block,
      at: ch.observed_at,
    })),
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
      state: b.state,
      errorClass: b.error_class,
      retryAt: b.retry_at,
      lastChange: b.last_delta_raw === null
        ? null
        : { deltaRaw: b.last_delta_raw, at: b.last_change_at },
    })),
  };
}

/**
 * The change of each balance at the last sync that changed it, and when that sync was: from the
 * change log when the snapshot carries it, else from the difference between two snapshots.
 */
export class ChangeTracker {
  #last = new Map<string, string | null>();
  #changes = new Map<string, { delta: bigint; at: Date }>();

  observe(snapshot: Snapshot): void {
    for (const row of snapshot.balances) {
      if (row.lastChange !== undefined) {
        if (row.lastChange === null) this.#changes.delete(row.id);
        else {
          this.#changes.set(row.id, {
            delta: BigInt(row.lastChange.deltaRaw),
            at: row.lastChange.at,
          });
        }
        this.#last.set(row.id, row.raw);
        continue;
      }
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
  /** What only the function's log says: the run that failed a row. */
  runs?: RunFacts;
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

/** Cuts a line to `width` visible characters, ending a cut line with "…", keeping colour codes balanced. */
export function fitLine(line: string, width: number): string {
  let visible = 0;
  let out = "";
  let colored = false;
  let lastChar = { at: 0, length: 0 };
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
    if (visible >= width) {
      if (width > 0) {
        out = out.slice(0, lastChar.at) + "…" + out.slice(lastChar.at + lastChar.length);
      }
      break;
    }
    lastChar = { at: out.length, length: ch.length };
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
  if (ctx.notice) out.push(`  ${paint(c, "36", ctx.notice)}`);
  return out;
}

/** "12s", "4m", "-": seconds as the view shows them. */
function seconds(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "-";
  const s = Math.max(0, Math.round(value));
  if (s < 100) return `${s}s`;
  if (s < 6000) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

const shortKind = (kind: string) => kind === "forced" ? "forced" : "sched";

function statusWord(c: boolean, status: string): string {
  const word = status.trim();
  return word === "finished" ? status : paint(c, word === "running" ? "36" : "31", status);
}

/** From balance_sync.chain_status, and the last run's figures on the chain from run_history. */
function chainLines(snapshot: Snapshot, ctx: ViewContext): string[] {
  const c = ctx.color;
  const out = [
    paint(
      c,
      "4",
      `${pad("chain", 22)}${padStart("rows", 5)}${padStart("fresh", 6)}${padStart("fail", 5)}${
        padStart("due", 4)
      }${padStart("p99", 5)}  last run on this chain`,
    ),
  ];
  for (const chain of snapshot.chains) {
    const last = chain.lastRun;
    const figures: ChainRunSummary = last?.chain ?? {};
    const detail = last
      ? [
        `${clock(last.at)} ${shortKind(last.kind)}` +
        (last.status === "finished" ? "" : ` ${statusWord(c, last.status)}`),
        figures.block ? `blk ${figures.block}` : null,
        figures.rpc_requests !== undefined ? `${figures.rpc_requests} rpc` : null,
        figures.mode ?? null,
        // the fail column already counts failing rows: the run's own count comes last
        figures.failed ? paint(c, "31", `${figures.failed} failed`) : null,
      ].filter(Boolean).join(" · ")
      : "-";
    out.push(
      `${pad(chain.name, 22)}${padStart(String(chain.rows), 5)}${padStart(String(chain.fresh), 6)}${
        chain.failing
          ? paint(c, "31", padStart(String(chain.failing), 5))
          : padStart(String(chain.failing), 5)
      }${padStart(String(chain.due), 4)}${padStart(seconds(chain.stalenessP99), 5)}  ${detail}`,
    );
  }
  return out;
}

/** One run of balance_sync.run_history (the stop reason last: cut first on a narrow terminal). */
export function runLine(run: RunRecord, c = false): string {
  return `${clock(run.startedAt)} ${pad(shortKind(run.kind), 7)}` +
    `${statusWord(c, pad(run.status, 10))}${run.runId.slice(0, 8)}` +
    (run.status === "running" ? "" : `  ${runCounts(c, run)}`) +
    (run.stopped && run.status !== "running" ? ` · ${run.stopped}` : "");
}

function runLines(snapshot: Snapshot, ctx: ViewContext, limit: number): string[] {
  const { scheduled, forced } = snapshot.runCounts;
  const title = paint(
    ctx.color,
    "4",
    `recent runs (run_history: ${scheduled} scheduled, ${forced} forced)`,
  );
  if (snapshot.runs.length === 0) return [`${title}  none yet`];
  return [title, ...snapshot.runs.slice(0, limit).map((run) => runLine(run, ctx.color))];
}

const CHANGE_HEADER = `${pad("when", 9)}${pad("wallet", 7)}${pad("chain", 6)}${pad("asset", 6)}${
  padStart("delta", 24)
}  block`;

const familyName = (family: string) =>
  family === "tron" ? "TRON" : family === "evm" ? "EVM" : family;

/** One row of balance_sync.balance_changes: when, wallet, asset, signed delta, block. */
export function changeLine(change: BalanceChange, c = false): string {
  const delta = BigInt(change.deltaRaw);
  const amount = change.decimals === null
    ? `${change.deltaRaw} raw`
    : formatUnits(delta, change.decimals);
  return `${pad(clock(change.at), 9)}${pad(change.wallet, 7)}${pad(familyName(change.family), 6)}${
    pad(change.symbol, 6)
  }${paint(c, delta > 0n ? "32" : "33", padStart(delta > 0n ? `+${amount}` : amount, 24))}  ${
    change.block ?? "-"
  }${change.first ? "  first sync" : ""}`;
}

function changeLines(snapshot: Snapshot, ctx: ViewContext, limit: number): string[] {
  if (snapshot.changes.length === 0) {
    return [
      paint(ctx.color, "4", "last balance changes") +
      `  none yet: ${ctx.keys ? "press t, then f" : "deno task dev:transfer, then dev:sync"}`,
    ];
  }
  return [
    paint(ctx.color, "4", CHANGE_HEADER),
    ...snapshot.changes.slice(0, limit).map((change) => changeLine(change, ctx.color)),
  ];
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
  const chain = familyName(row.family);
  const head = `${pad(row.wallet, 7)}${pad(chain, 6)}${pad(row.symbol, 6)}`;
  if (row.errorStreak > 0 && row.lastError) {
    const failure = ctx.runs?.rowFailure(row.id);
    const parts = [
      `✗ ${row.errorClass ?? failure?.errorClass ?? "error"} ×${row.errorStreak}`,
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
 * The whole screen, fitted to `size`: the header first, then the chains, the recent runs and the
 * last balance changes (fewer of each on a short terminal), then the balances (as many as fit; the
 * rest counted), then the commands.
 */
export function renderView(
  snapshot: Snapshot,
  changes: ChangeTracker,
  ctx: ViewContext,
  size: ScreenSize = { columns: 80, rows: 24 },
): string {
  const short = size.rows < 40;
  const header = headerLines(snapshot, ctx);
  const chains = chainLines(snapshot, ctx);
  const runs = runLines(snapshot, ctx, short ? 3 : RECENT_RUNS);
  const changed = changeLines(snapshot, ctx, short ? 4 : RECENT_CHANGES);
  let footer = footerLines(ctx);
  // Failing rows first: on a short terminal they are the ones to see.
  const rows = [
    ...snapshot.balances.filter((row) => row.errorStreak > 0),
    ...snapshot.balances.filter((row) => row.errorStreak <= 0),
  ].map((row) => balanceLine(row, snapshot, changes, ctx));
  const top = [...header, ...chains, ...runs, ...changed];
  let room = size.rows - top.length - footer.length - 1;
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
  return [...top, ...balances, ...footer]
    .slice(0, Math.max(1, size.rows))
    .map((line) => fitLine(line, size.columns))
    .join("\n");
}

/** One status line for --plain. */
export function renderStatus(snapshot: Snapshot): string {
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
  const { scheduled, forced } = snapshot.runCounts;
  parts.push(`runs: ${scheduled} scheduled, ${forced} forced`);
  const failing = snapshot.chains.reduce((n, chain) => n + chain.failing, 0);
  const due = snapshot.chains.reduce((n, chain) => n + chain.due, 0);
  parts.push(`${failing} failing, ${due} due`);
  return `[status] ${parts.join(" · ")}`;
}

/**
 * --plain: the first call prints the whole view; later calls print only what changed since the
 * previous call (runs that ended, new balance changes, balances, failures, notices) and then one
 * status line, or nothing when nothing changed (a status line at most every `quietMs` then).
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
    // Oldest first, and a run once it has ended (a running run has no figures yet).
    for (const run of [...snapshot.runs].reverse()) {
      if (run.status === "running") continue;
      items.set(
        `run:${run.runId}`,
        `${run.kind} run ${run.runId.slice(0, 8)} ${clock(run.at)} ${run.status}: ${
          runCounts(false, run)
        }`,
      );
    }
    for (const change of [...snapshot.changes].reverse()) {
      items.set(`change:${change.id}`, `change ${changeLine(change)}`);
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
    return [...out, first ? "" : null, renderStatus(snapshot)]
      .filter((line) => line !== null).join("\n") + "\n";
  }
}
