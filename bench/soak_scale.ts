/**
 * bench/scale.json: the soak at scale (`deno task bench -- --soak --rows 100000 --minutes 10`).
 * Every row synced at least once, nothing left leased, the function's peak RSS, the POSTs in
 * flight per chain against what dispatch allows, and each chain's p99 beside its floor on this
 * machine: a multicall chain's rows at the multicall throughput `deno task bench` measured
 * (bench/results.json, run right before on the same machine), a paced chain's rows x requests per
 * balance / max_rps.
 */
import type { Sql } from "../stack/pg.ts";
import { type ChainFigures, type ChainInfo, pacedFloorS, type Target } from "./soak_report.ts";
import type { Invocation } from "./soak_probe.ts";
import { round } from "./soak_probe.ts";
import type { SoakRun } from "./soak_run.ts";
import type { SoakConfig } from "./soak_options.ts";

/** Most intervals [start, end) open at once. */
export function maxOverlap(intervals: readonly { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [[i.start, 1], [i.end, -1]] as const);
  // An interval that ends where another starts does not overlap it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let best = 0;
  for (const [, delta] of events) {
    open += delta;
    best = Math.max(best, open);
  }
  return best;
}

const chainOf = (invocation: Invocation): string | null => {
  const request = invocation.request as { chain_id?: unknown } | null;
  return typeof request?.chain_id === "string" ? request.chain_id : null;
};

/** POSTs in flight at once per chain id, from the deliveries the pg_net stand-in made. */
export function inFlightByChain(invocations: readonly Invocation[], endMs: number) {
  const byChain = new Map<string, { start: number; end: number }[]>();
  for (const i of invocations) {
    const chain = chainOf(i);
    if (chain === null) continue;
    const list = byChain.get(chain) ?? [];
    list.push({ start: i.startedMs, end: i.endedMs > 0 ? i.endedMs : endMs });
    byChain.set(chain, list);
  }
  return new Map([...byChain].map(([chain, list]) => [chain, maxOverlap(list)]));
}

/** What dispatch allows in flight per chain: 1 with max_rps, else max_runs_per_chain. */
export async function allowedInFlight(sql: Sql, chains: ChainInfo[]) {
  const [{ per_chain }] = await sql`
    select balance_sync.setting_number('max_runs_per_chain', 4)::int as per_chain`;
  return new Map(chains.map((c) => [c.id, c.maxRps !== null ? 1 : per_chain as number]));
}

export interface MulticallFloor {
  balances_per_s: number;
  source: string;
  measured_at: string | null;
}

/** The multicall throughput of the latest `deno task bench` (bench/results.json). */
export async function multicallFloor(path: string): Promise<MulticallFloor | null> {
  try {
    const results = JSON.parse(await Deno.readTextFile(path));
    const bps = results?.project_multicall_chains_only?.balances_per_s;
    if (typeof bps !== "number" || bps <= 0) return null;
    return {
      balances_per_s: bps,
      source: `${path}: project_multicall_chains_only.balances_per_s`,
      measured_at: results?.machine?.date ?? null,
    };
  } catch {
    return null;
  }
}

export function buildScaleReport(
  config: SoakConfig,
  chains: ChainInfo[],
  figures: Record<string, ChainFigures>,
  run: SoakRun,
  allowed: Map<string, number>,
  floor: MulticallFloor | null,
) {
  const inFlight = inFlightByChain(run.invocations, run.durationMs + 60_000);
  const check = run.check;
  const perChain = Object.fromEntries(chains.map((chain) => {
    const f = figures[chain.name];
    const paced = f.mode !== "multicall" && f.max_rps !== null;
    const floorS = paced && f.requests_per_balance !== null
      ? pacedFloorS(f.rows, f.requests_per_balance, f.max_rps!)
      : !paced && floor
      ? f.rows / floor.balances_per_s
      : null;
    return [chain.name, {
      mode: f.mode,
      rows: f.rows,
      max_rps: f.max_rps,
      requests_per_balance: f.requests_per_balance,
      p99_staleness_s: f.p99_staleness_s,
      floor_s: floorS === null ? null : round(floorS, 1),
      floor_from: paced ? "rows x requests per balance / max_rps" : "rows / multicall balances/s",
      p99_over_floor: floorS && f.p99_staleness_s !== null
        ? round(f.p99_staleness_s / floorS, 2)
        : null,
      rps_utilization: f.rps_utilization,
      max_requests_in_any_1s: f.max_requests_in_any_1s,
    }];
  }));
  const byName = (map: Map<string, number>) =>
    Object.fromEntries(chains.map((c) => [c.name, map.get(c.id) ?? 0]));
  const report = {
    rows: config.rows,
    minutes: config.minutes,
    every_row_synced: check ? check.neverSynced === 0 && check.synced === check.rows : false,
    never_synced: check?.neverSynced ?? null,
    wrong_balances: check ? check.wrongRaw + check.wrongHuman : null,
    left_leased: check?.stillLeased ?? null,
    peak_rss_mb: run.peakRssMb,
    max_in_flight_per_chain: byName(inFlight),
    allowed_in_flight_per_chain: byName(allowed),
    chains: perChain,
    multicall_floor: floor,
    invocations: run.invocations.length,
    not_200: run.invocations.filter((i) => i.status !== null && i.status !== 200).length,
    no_answer: run.invocations.filter((i) => i.error !== null).length,
    process_cpu_ms: run.cpuMs,
    targets: [] as Target[],
  };
  report.targets = [
    {
      target: "every row synced at least once",
      value: `${report.never_synced ?? "?"} never synced`,
      pass: report.every_row_synced,
    },
    {
      target: "nothing left leased",
      value: `${report.left_leased ?? "?"} leased`,
      pass: report.left_leased === 0,
    },
    {
      target: "function process peak RSS <= 200 MB",
      value: `${report.peak_rss_mb} MB`,
      pass: report.peak_rss_mb <= 200,
    },
    ...chains.map((c) => ({
      target: `${c.name}: POSTs in flight <= allowed ${report.allowed_in_flight_per_chain[c.name]}`,
      value: `${report.max_in_flight_per_chain[c.name]}`,
      pass: report.max_in_flight_per_chain[c.name] <= report.allowed_in_flight_per_chain[c.name],
    })),
  ];
  return report;
}

export type ScaleReport = ReturnType<typeof buildScaleReport>;

export function printScaleReport(report: ScaleReport) {
  const lines = [
    `\nscale: ${report.rows} rows, ${report.minutes} min; peak RSS ${report.peak_rss_mb} MB`,
  ];
  for (const [name, c] of Object.entries(report.chains)) {
    lines.push(
      `  ${name.padEnd(22)} ${String(c.mode).padEnd(10)} rows ${String(c.rows).padEnd(7)} p99 ${
        c.p99_staleness_s ?? "-"
      } s, floor ${c.floor_s ?? "-"} s (${c.floor_from}), p99/floor ${c.p99_over_floor ?? "-"}, ` +
        `in flight ${report.max_in_flight_per_chain[name]} of ${
          report.allowed_in_flight_per_chain[name]
        }`,
    );
  }
  lines.push("\ntargets");
  for (const t of report.targets) {
    const verdict = t.pass === null ? "N/A   " : t.pass ? "MET   " : "MISSED";
    lines.push(`  ${verdict} ${t.target}: ${t.value}`);
  }
  console.log(lines.join("\n"));
}
