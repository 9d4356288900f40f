/**
 * bench/soak.json from one or two soak runs: the per-tick series, the top-level figures the issue
 * names (rows, minutes, chains, max_invocation_cpu_ms, max_log_lines_per_10s, peak_rss_mb,
 * slow_node), and each target checked against them.
 */
import type { Sql } from "../stack/pg.ts";
import { type Invocation, maxInWindow, round } from "./soak_probe.ts";
import type { SoakRun } from "./soak_run.ts";
import type { SoakConfig } from "./soak_options.ts";
import { type BenchWorld, CHAIN_KEYS, type ChainKey } from "./world.ts";

export interface ChainFigures {
  mode: string | null;
  max_rps: number | null;
  rows: number;
  requests_per_balance: number | null;
  /** The worst p99 from the third minute on (from a third of the run in shorter runs). */
  p99_staleness_s: number | null;
  /** The busiest SLIDING 1 s at the chain's proxy: most request starts within any 1,000 ms. */
  max_requests_in_any_1s: number;
  /** requests / (max_rps x seconds the chain had due rows); null without max_rps. */
  rps_utilization: number | null;
  /** Seconds the chain had due rows (from the staleness samples). */
  due_s: number;
}

export interface Target {
  target: string;
  value: string;
  /** null: the run cannot tell (see `why`). */
  pass: boolean | null;
  why?: string;
}

export interface ChainInfo {
  key: ChainKey;
  id: string;
  name: string;
  rows: number;
  maxRps: number | null;
}

/** The invocation's CPU: the run's own figure when it reports one, else the process's (/proc). */
const cpuOf = (i: Invocation) => i.cpuMsReported ?? i.cpuMsProcess;

// deno-lint-ignore no-explicit-any
type ChainSummary = { id?: string; name?: string; rows?: number; [k: string]: any };

function chainEntries(invocation: Invocation): ChainSummary[] {
  const chains = invocation.summary?.chains;
  if (!chains || typeof chains !== "object") return [];
  return Object.values(chains) as ChainSummary[];
}

/** The run read the chain, or its request named it (a per-chain POST that found nothing to do). */
const touches = (invocation: Invocation, chain: ChainInfo) =>
  chainEntries(invocation).some((c) => c.id === chain.id || c.name === chain.name) ||
  (invocation.request !== null && JSON.stringify(invocation.request).includes(chain.id));

const sumOver = (invocations: Invocation[], chain: ChainInfo, field: string) =>
  invocations.reduce(
    (total, i) =>
      total +
      chainEntries(i)
        .filter((c) => c.id === chain.id || c.name === chain.name)
        .reduce((t, c) => t + (typeof c[field] === "number" ? c[field] : 0), 0),
    0,
  );

/** Requests that open a 1 s window holding more than `limit` requests. */
export function windowsAbove(times: readonly number[], windowMs: number, limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let count = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end] < sorted[start] + windowMs) end++;
    if (end - start > limit) count++;
  }
  return count;
}

function modeOf(run: SoakRun, chain: ChainInfo): string | null {
  const counts = new Map<string, number>();
  for (const invocation of run.invocations) {
    for (const c of chainEntries(invocation)) {
      if ((c.id === chain.id || c.name === chain.name) && typeof c.mode === "string") {
        counts.set(c.mode, (counts.get(c.mode) ?? 0) + 1);
      }
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** From when the staleness target applies: the third minute, or a third of a shorter run. */
export const targetFromS = (durationMs: number) =>
  durationMs >= 180_000 ? 120 : round(durationMs / 3000, 1);

/**
 * Seconds the chain had due rows: each interval between two staleness samples counts when the
 * sample that opens it saw due rows.
 */
export function dueSeconds(
  samples: readonly { t_s: number; due: number | null }[],
  endS: number,
): number {
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const until = i + 1 < samples.length ? samples[i + 1].t_s : endS;
    if ((samples[i].due ?? 0) > 0) total += Math.max(0, until - samples[i].t_s);
  }
  return total;
}

/** Share of max_rps a chain used while it had due rows; null without max_rps or due time. */
export function rpsUtilization(requests: number, maxRps: number | null, dueS: number) {
  if (maxRps === null || maxRps <= 0 || dueS <= 0) return null;
  return requests / (maxRps * dueS);
}

/** The paced chain's floor: its rows x requests per balance / max_rps. */
export const pacedFloorS = (rows: number, requestsPerBalance: number, maxRps: number) =>
  rows * requestsPerBalance / maxRps;

function chainFigures(run: SoakRun, chains: ChainInfo[]): Record<string, ChainFigures> {
  const fromS = targetFromS(run.durationMs);
  const result: Record<string, ChainFigures> = {};
  for (const chain of chains) {
    const balances = sumOver(run.invocations, chain, "synced") +
      sumOver(run.invocations, chain, "failed");
    const requests = run.requestTimes[chain.key].length;
    const p99s = run.samples.filter((s) => s.t_s >= fromS)
      .flatMap((s) => s.chains.filter((c) => c.chain_id === chain.id).map((c) => c.p99_s));
    result[chain.name] = {
      // A chain no run has read yet: the mode its configuration gives.
      mode: modeOf(run, chain) ?? (chain.key === "tron_plain" ? "per-call" : "multicall"),
      max_rps: chain.maxRps,
      rows: chain.rows,
      requests_per_balance: balances > 0 ? round(requests / balances, 4) : null,
      p99_staleness_s: p99s.length ? Math.max(...p99s) : null,
      max_requests_in_any_1s: maxInWindow(run.requestTimes[chain.key], 1000),
      ...utilizationOf(run, chain),
    };
  }
  return result;
}

function utilizationOf(run: SoakRun, chain: ChainInfo) {
  const samples = run.samples.map((s) => ({
    t_s: s.t_s,
    due: s.chains.find((c) => c.chain_id === chain.id)?.due ?? null,
  }));
  const dueS = dueSeconds(samples, run.durationMs / 1000);
  // Requests within the soak's own time (not the drain of the last runs after it).
  const requests = run.requestTimes[chain.key].filter((t) => t <= run.durationMs).length;
  const u = rpsUtilization(requests, chain.maxRps, dueS);
  return { rps_utilization: u === null ? null : round(u, 3), due_s: round(dueS, 1) };
}

function tickSeries(run: SoakRun, chains: ChainInfo[]) {
  const answered = (i: Invocation) => i.endedMs > 0;
  const last = run.samples[run.samples.length - 1];
  const atTicks = run.samples.filter((s) => s.tick !== null || s === last);
  return atTicks.map((sample) => {
    const fire = sample.tick === null ? undefined : run.fires[sample.tick];
    const from = fire ? fire.atMs : Infinity;
    const next = fire ? run.fires[fire.tick + 1] : undefined;
    const to = next ? next.atMs : Infinity;
    const fired = fire
      ? run.invocations.filter((i) => i.startedMs >= from && i.startedMs < to)
      : [];
    const perChain: Record<string, unknown> = {};
    for (const chain of chains) {
      const staleness = sample.chains.find((c) => c.chain_id === chain.id);
      const mine = fired.filter((i) => touches(i, chain));
      const times = run.requestTimes[chain.key].filter((t) => t >= from && t < to);
      perChain[chain.name] = {
        p50_s: staleness?.p50_s ?? null,
        p99_s: staleness?.p99_s ?? null,
        max_s: staleness?.max_s ?? null,
        due: staleness?.due ?? null,
        never_synced: staleness?.never_synced ?? null,
        leased: staleness?.leased ?? null,
        ...(fire
          ? {
            invocations: mine.length,
            synced: sumOver(mine, chain, "synced"),
            failed: sumOver(mine, chain, "failed"),
            released: sumOver(mine, chain, "released"),
            max_cpu_ms: Math.max(0, ...mine.map(cpuOf)),
            max_log_lines_per_10s: Math.max(0, ...mine.map((i) => run.logs.maxPer10s(i.runId))),
            requests: times.length,
            max_requests_in_1s: maxInWindow(times, 1000),
          }
          : {}),
      };
    }
    return {
      tick: fire ? fire.tick : null,
      t_s: sample.t_s,
      rss_mb: sample.rss_mb,
      process_cpu_ms: sample.cpu_ms,
      ...(fire
        ? {
          command_ms: fire.ms,
          command_error: fire.error,
          invocations: fired.length,
          answered: fired.filter(answered).length,
          not_200: fired.filter((i) => answered(i) && i.status !== 200).length,
          no_answer: fired.filter((i) => i.error !== null).length,
          max_cpu_ms: Math.max(0, ...fired.map(cpuOf)),
          max_log_lines_per_10s: Math.max(0, ...fired.map((i) => run.logs.maxPer10s(i.runId))),
        }
        : {}),
      chains: perChain,
    };
  });
}

function invocationRows(run: SoakRun) {
  return run.invocations.map((i) => ({
    seq: i.seq,
    started_s: round(i.startedMs / 1000, 2),
    ms: round(i.endedMs - i.startedMs),
    request: i.request,
    status: i.status,
    error: i.error,
    run_id: i.runId,
    claimed: i.summary?.claimed ?? null,
    synced: i.summary?.synced ?? null,
    failed: i.summary?.failed ?? null,
    released: i.summary?.released ?? null,
    stopped: i.summary?.stopped ?? null,
    cpu_ms_reported: i.cpuMsReported,
    cpu_ms_process: Math.round(i.cpuMsProcess),
    overlapped: i.overlapped,
    log_lines: run.logs.byRun.get(i.runId ?? "")?.times.length ?? 0,
    max_log_lines_per_10s: run.logs.maxPer10s(i.runId),
    longest_log_line: run.logs.byRun.get(i.runId ?? "")?.longestLine ?? 0,
  }));
}

function runExtras(run: SoakRun, chains: ChainInfo[]) {
  const reported = run.invocations.filter((i) => i.cpuMsReported !== null).length;
  const last = run.samples[run.samples.length - 1];
  return {
    duration_s: run.durationMs / 1000,
    /** Rows of each chain that no run had read when the soak ended. */
    never_synced_at_end: Object.fromEntries(
      chains.map((c) => [c.name, last?.chains.find((x) => x.chain_id === c.id)?.never_synced ?? 0]),
    ),
    cpu_source: reported === run.invocations.length && reported > 0
      ? "cpu_ms of each run summary: the CPU of the thread running the function's JavaScript " +
        "(the clock the Edge Runtime's limit counts), from the run's start to its end, other " +
        "runs in the same isolate included"
      : reported > 0
      ? `cpu_ms of the run summary where present (${reported} of ${run.invocations.length}), ` +
        "else /proc CPU of the function process over the invocation"
      : "/proc CPU (utime + stime) of the function process from the POST to its answer: " +
        "exact for an invocation alone in the process, an upper bound when invocations overlap",
    invocations: run.invocations.length,
    overlapped_invocations: run.invocations.filter((i) => i.overlapped).length,
    not_200: run.invocations.filter((i) => i.status !== null && i.status !== 200).length,
    no_answer: run.invocations.filter((i) => i.error !== null).length,
    abandoned_in_flight: run.abandoned,
    // After the run: balances that differ from the chains, and leases nobody gave back.
    wrong_balances: run.check ? run.check.wrongRaw + run.check.wrongHuman : null,
    still_leased_at_end: run.check ? run.check.stillLeased : null,
    process_cpu_ms: run.cpuMs,
    balances: chains.reduce(
      (t, c) => t + sumOver(run.invocations, c, "synced") + sumOver(run.invocations, c, "failed"),
      0,
    ),
    longest_log_line_chars: run.logs.longestLine,
    /** Per rate-limited chain: requests that opened a 1 s window holding more than max_rps. */
    windows_above_max_rps: Object.fromEntries(
      chains.filter((c) => c.maxRps !== null).map((c) => [
        c.name,
        windowsAbove(run.requestTimes[c.key], 1000, c.maxRps!),
      ]),
    ),
    max_log_lines_per_10s_all_invocations: maxInWindow(run.logs.allTimes, 10_000),
    peak_rss_mb: run.peakRssMb,
    ticks: tickSeries(run, chains),
    staleness_samples: run.samples.map((sample) => ({
      t_s: sample.t_s,
      tick: sample.tick,
      rss_mb: sample.rss_mb,
      chains: Object.fromEntries(
        sample.chains.map((c) => [c.name, { p50_s: c.p50_s, p99_s: c.p99_s, max_s: c.max_s }]),
      ),
    })),
    invocation_list: invocationRows(run),
  };
}

export async function chainInfos(sql: Sql, world: BenchWorld): Promise<ChainInfo[]> {
  const limits = await sql`select id::text as id, max_rps::float8 as max_rps from public.chains`;
  const maxRps = new Map(limits.map((r) => [r.id as string, r.max_rps as number | null]));
  return CHAIN_KEYS.filter((k) => world.chains[k].rows > 0).map((key) => ({
    key,
    id: world.chains[key].id,
    name: world.chains[key].name,
    rows: world.chains[key].rows,
    maxRps: maxRps.get(world.chains[key].id) ?? null,
  }));
}

export function buildSoakReport(
  config: SoakConfig,
  chains: ChainInfo[],
  main: SoakRun,
  slow: SoakRun | null,
) {
  const mainChains = chainFigures(main, chains);
  const slowChains = slow ? chainFigures(slow, chains) : null;
  const report = {
    rows: config.rows,
    minutes: config.minutes,
    chains: mainChains,
    max_invocation_cpu_ms: Math.round(Math.max(0, ...main.invocations.map(cpuOf))),
    max_log_lines_per_10s: Math.max(
      0,
      ...main.invocations.map((i) => main.logs.maxPer10s(i.runId)),
    ),
    peak_rss_mb: main.peakRssMb,
    slow_node: slowChains,
    raw: {
      conditions: {
        tick_s: config.tickMs / 1000,
        rpc_latency_ms: config.rpcLatencyMs,
        db_latency_ms: config.dbLatencyMs,
        mix: config.mix,
        tron_max_rps: config.tronMaxRps,
        log_level: config.logLevel,
        slow_factor: config.slowFactor,
        sample_s: config.sampleMs / 1000,
        staleness_target_from_s: targetFromS(main.durationMs),
        note: "staleness is sampled just before each tick's command (ticks), every sample_s " +
          "in between (staleness_samples) and once at the end; p99_staleness_s is the worst " +
          "p99 of all samples from staleness_target_from_s on. A never-synced row counts " +
          "from the run's start. Each run has a fresh function " +
          "process, warmed by one forced run of one row per chain before the clock starts.",
      },
      targets: [] as Target[],
      run: runExtras(main, chains),
      slow_node_run: slow ? runExtras(slow, chains) : null,
    },
  };
  report.raw.targets = evaluateTargets(report, chains);
  return report;
}

export type SoakReport = ReturnType<typeof buildSoakReport>;

const fmt = (n: number | null, digits = 1) => n === null ? "-" : n.toFixed(digits);

interface RunFacts {
  longest_log_line_chars: number;
  windows_above_max_rps?: Record<string, number>;
  duration_s: number;
  never_synced_at_end: Record<string, number>;
}

/** Staleness a multicall chain must keep at 30 s ticks: read in full every tick. */
export const MULTICALL_P99_S = 40;
/** A paced chain's p99 bound: this times its floor, plus a tick. */
export const PACED_FLOOR_FACTOR = 1.1;
/** Share of max_rps a paced chain must use while it has due rows. */
export const PACED_UTILIZATION = 0.95;

export function evaluateTargets(
  report: Omit<SoakReport, "raw"> & {
    raw: { run: RunFacts; slow_node_run: RunFacts | null };
  },
  chains: ChainInfo[],
): Target[] {
  const targets: Target[] = [];
  // A chain with rows no run ever read has a p99 that is only the soak's age.
  const unread = (run: RunFacts | null, name: string) =>
    run ? run.never_synced_at_end[name] ?? 0 : 0;
  const fromS = "from the third minute on";
  for (const chain of chains) {
    const f = report.chains[chain.name];
    if (f.mode === "multicall") {
      targets.push({
        target: `${chain.name} (multicall): p99 staleness <= ${MULTICALL_P99_S} s ${fromS}`,
        value: `${fmt(f.p99_staleness_s)} s`,
        pass: f.p99_staleness_s !== null && f.p99_staleness_s <= MULTICALL_P99_S,
      });
    } else if (f.max_rps !== null && f.requests_per_balance === null) {
      targets.push({
        target: `${chain.name} (paced, ${f.max_rps} rps): p99 within its bound`,
        value: "no balance of this chain was read",
        pass: false,
      });
    } else if (f.max_rps !== null && f.requests_per_balance !== null) {
      const floor = pacedFloorS(f.rows, f.requests_per_balance, f.max_rps);
      const bound = PACED_FLOOR_FACTOR * floor + 30;
      const left = unread(report.raw.run, chain.name);
      const judged = left === 0 || report.raw.run.duration_s > bound;
      targets.push({
        target: `soak at least 2 paced floors (${chain.name}: ${f.rows} rows x ` +
          `${f.requests_per_balance} req/balance / ${f.max_rps} rps = ${floor.toFixed(0)} s)`,
        value: `${report.raw.run.duration_s} s`,
        pass: report.raw.run.duration_s >= 2 * floor,
      });
      targets.push({
        target: `${chain.name} (paced, ${f.max_rps} rps): >= ${PACED_UTILIZATION * 100} % of ` +
          "max_rps used while it had due rows (requests at the proxy)",
        value: f.rps_utilization === null
          ? "-"
          : `${(f.rps_utilization * 100).toFixed(1)} % over ${f.due_s} s`,
        pass: f.rps_utilization !== null && f.rps_utilization >= PACED_UTILIZATION,
      });
      targets.push({
        target: `${chain.name} (paced, ${f.max_rps} rps): p99 <= ${PACED_FLOOR_FACTOR} x floor ` +
          `${floor.toFixed(0)} s + 30 s = ${bound.toFixed(0)} s`,
        value: `${fmt(f.p99_staleness_s)} s`,
        pass: judged ? f.p99_staleness_s !== null && f.p99_staleness_s <= bound : null,
        ...(judged ? {} : {
          why:
            `${left} of its rows were never read and the soak (${report.raw.run.duration_s} s) ` +
            `is shorter than the bound: its p99 is the soak's age`,
        }),
      });
    }
    if (f.max_rps !== null && f.mode !== "multicall") {
      targets.push({
        target: `${chain.name}: no sliding 1 s window above max_rps ${f.max_rps}`,
        value: `busiest sliding 1 s ${f.max_requests_in_any_1s}` + (
          report.raw.run.windows_above_max_rps?.[chain.name]
            ? `; ${
              report.raw.run.windows_above_max_rps[chain.name]
            } requests opened a 1 s window above it`
            : ""
        ),
        pass: f.max_requests_in_any_1s <= f.max_rps,
      });
    }
  }
  targets.push({
    target: "every invocation <= 1,000 CPU ms",
    value: `${report.max_invocation_cpu_ms} ms`,
    pass: report.max_invocation_cpu_ms <= 1000,
  });
  targets.push({
    target: "every invocation <= 100 log lines per 10 s, each <= 10,000 characters",
    value:
      `${report.max_log_lines_per_10s} lines, longest ${report.raw.run.longest_log_line_chars}`,
    pass: report.max_log_lines_per_10s <= 100 && report.raw.run.longest_log_line_chars <= 10_000,
  });
  targets.push({
    target: "function process peak RSS <= 200 MB",
    value: `${report.peak_rss_mb} MB`,
    pass: report.peak_rss_mb <= 200,
  });
  if (report.slow_node) {
    for (const chain of chains) {
      const f = report.chains[chain.name];
      const s = report.slow_node[chain.name];
      if (f.mode !== "multicall" || f.p99_staleness_s === null || s.p99_staleness_s === null) {
        continue;
      }
      const change = (s.p99_staleness_s - f.p99_staleness_s) / f.p99_staleness_s;
      const left = unread(report.raw.run, chain.name) +
        unread(report.raw.slow_node_run, chain.name);
      targets.push({
        ...(left > 0
          ? {
            pass: null,
            why: `${left} of its rows were never read (both runs together): ` +
              "each p99 is the soak's age, so they compare nothing",
          }
          : {}),
        target: `${chain.name}: p99 within +-10 % with the paced chain's node 10x slower`,
        value: `${fmt(f.p99_staleness_s)} s -> ${fmt(s.p99_staleness_s)} s (${
          (change * 100).toFixed(0)
        } %)`,
        pass: left > 0 ? null : Math.abs(change) <= 0.1,
      });
    }
  }
  return targets;
}

export function printSoakReport(report: SoakReport) {
  const lines: string[] = [];
  const runs = [["soak", report.raw.run], ["slow node", report.raw.slow_node_run]] as const;
  for (const [label, run] of runs) {
    if (!run) continue;
    lines.push(`\n${label}: p99 staleness (s) before each tick, invocations, CPU, log lines`);
    const names = Object.keys(report.chains);
    const headers = ["t_s", ...names, "POSTs", "max cpu ms", "max lines/10s"];
    const widths = headers.map((h) => Math.max(8, h.length + 2));
    const row = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("");
    lines.push(row(headers));
    for (const tick of run.ticks) {
      const chains = tick.chains as Record<string, { p99_s: number | null }>;
      lines.push(row([
        String(tick.t_s),
        ...names.map((n) => fmt(chains[n].p99_s)),
        String(tick.invocations ?? ""),
        String(tick.max_cpu_ms ?? ""),
        String(tick.max_log_lines_per_10s ?? ""),
      ]));
    }
    lines.push(
      `  ${run.invocations} invocations (${run.overlapped_invocations} overlapping, ` +
        `${run.not_200} not 200, ${run.no_answer} unanswered), ${run.balances} balances ` +
        `(${run.wrong_balances ?? "?"} wrong, ${run.still_leased_at_end ?? "?"} still leased), ` +
        `process CPU ${run.process_cpu_ms} ms, peak RSS ${run.peak_rss_mb} MB; CPU: ${run.cpu_source}`,
    );
  }
  lines.push("\nchains (p99 = worst from the third minute on; a shorter run: its last two thirds)");
  for (const [name, f] of Object.entries(report.chains)) {
    const s = report.slow_node?.[name];
    lines.push(
      `  ${name.padEnd(22)} ${String(f.mode).padEnd(10)} max_rps ${String(f.max_rps).padEnd(5)} ` +
        `rows ${String(f.rows).padEnd(6)} req/balance ${
          String(f.requests_per_balance).padEnd(7)
        } ` +
        `p99 ${fmt(f.p99_staleness_s).padStart(6)} s  busiest 1 s ${f.max_requests_in_any_1s}` +
        (s ? `  | slow node: p99 ${fmt(s.p99_staleness_s)} s` : ""),
    );
  }
  lines.push("\ntargets");
  for (const t of report.raw.targets) {
    const verdict = t.pass === null ? "N/A   " : t.pass ? "MET   " : "MISSED";
    lines.push(`  ${verdict} ${t.target}: ${t.value}${t.why ? ` (${t.why})` : ""}`);
  }
  console.log(lines.join("\n"));
}
