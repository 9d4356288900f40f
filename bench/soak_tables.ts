/**
 * The soak's and the scale soak's figures as markdown tables, from bench/soak.json and
 * bench/scale.json as they are committed (docs/benchmarks.md shows them through
 * tools/docs_figures.ts). Only what the JSON holds: nothing here measures.
 */

/** One chain's figures in bench/soak.json (`chains`, `slow_node`) or bench/scale.json. */
export interface SoakChainJson {
  mode: string;
  max_rps: number | null;
  rows: number;
  requests_per_balance: number;
  p99_staleness_s: number | null;
  max_requests_in_any_1s?: number;
  rps_utilization: number | null;
  floor_s?: number | null;
  floor_from?: string;
  p99_over_floor?: number | null;
}

export interface TargetJson {
  target: string;
  value: string;
  pass: boolean | null;
  why?: string;
}

interface SoakRunJson {
  invocations: number;
  not_200: number;
  no_answer: number;
  wrong_balances: number | null;
  still_leased_at_end: number | null;
  balances: number;
  peak_rss_mb: number;
  invocation_list?: { stopped?: string | null }[];
}

export interface SoakJson {
  rows: number;
  minutes: number;
  chains: Record<string, SoakChainJson>;
  slow_node: Record<string, SoakChainJson> | null;
  raw: {
    conditions: { slow_factor: number };
    targets: TargetJson[];
    run: SoakRunJson;
    slow_node_run: SoakRunJson | null;
  };
}

export interface ScaleJson {
  rows: number;
  minutes: number;
  every_row_synced: boolean;
  never_synced: number;
  wrong_balances: number;
  left_leased: number;
  peak_rss_mb: number;
  max_in_flight_per_chain: Record<string, number>;
  allowed_in_flight_per_chain: Record<string, number>;
  chains: Record<string, SoakChainJson>;
  multicall_floor: { balances_per_s: number; measured_at: string } | null;
  invocations: number;
  not_200: number;
  no_answer: number;
  process_cpu_ms: number;
  targets: TargetJson[];
}

const count = (n: number) => n.toLocaleString("en-US");
const orDash = (v: unknown) => (v === null || v === undefined ? "—" : String(v));
export const verdict = (pass: boolean | null) => (pass === null ? "N/A" : pass ? "MET" : "MISSED");

/** A markdown table; deno fmt aligns it. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** The targets as the soak printed them, with `<=`/`+-` in their typeset form. */
const typeset = (text: string) => text.replaceAll("<=", "≤").replaceAll("+-", "±");

const modeLabel = (c: SoakChainJson) =>
  c.max_rps === null ? c.mode : `${c.mode}, max_rps ${c.max_rps}`;

/** How the runs of the soak (not the slow-node run) ended, e.g. "drained 108, budget 22, cpu 2". */
export function stopReasons(run: SoakRunJson): string {
  const counts = new Map<string, number>();
  for (const inv of run.invocation_list ?? []) {
    const key = inv.stopped ?? "no answer";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
}

export function soakTableLines(soak: SoakJson): string[] {
  const run = soak.raw.run;
  const slow = soak.raw.slow_node_run;
  const out = [
    `${count(soak.rows)} rows, ${soak.minutes} minutes` +
    (slow
      ? `, then ${soak.minutes} minutes with the paced chain's node ${soak.raw.conditions.slow_factor}× slower`
      : "") +
    `; ${run.invocations} invocations${slow ? ` (slow-node run: ${slow.invocations})` : ""}, ` +
    `${run.not_200 + run.no_answer} answered other than 200, ${orDash(run.wrong_balances)} wrong ` +
    `balances, ${orDash(run.still_leased_at_end)} rows left leased, ${
      count(run.balances)
    } balances ` +
    `read${slow ? ` (slow-node run: ${count(slow.balances)})` : ""}. How the runs ended: ` +
    `${stopReasons(run)}.`,
    "",
    ...markdownTable(
      ["target", "soak", "verdict"],
      soak.raw.targets.map((t) => [typeset(t.target), t.value, verdict(t.pass)]),
    ),
    "",
    ...markdownTable(
      [
        "chain",
        "mode",
        "rows",
        "requests / balance",
        "p99 s",
        "busiest sliding 1 s",
        "`rps_utilization`",
        ...(soak.slow_node ? ["slow node p99 s"] : []),
      ],
      Object.entries(soak.chains).map(([name, c]) => [
        name,
        modeLabel(c),
        count(c.rows),
        String(c.requests_per_balance),
        orDash(c.p99_staleness_s),
        orDash(c.max_requests_in_any_1s),
        orDash(c.rps_utilization),
        ...(soak.slow_node ? [orDash(soak.slow_node[name]?.p99_staleness_s)] : []),
      ]),
    ),
  ];
  return out;
}

export function scaleTableLines(scale: ScaleJson): string[] {
  return [
    ...markdownTable(
      [
        "chain",
        "mode",
        "rows",
        "p99 s",
        "floor s",
        "floor from",
        "p99 / floor",
        "`rps_utilization`",
        "POSTs in flight (allowed)",
      ],
      Object.entries(scale.chains).map(([name, c]) => [
        name,
        c.mode,
        count(c.rows),
        orDash(c.p99_staleness_s),
        orDash(c.floor_s),
        orDash(c.floor_from),
        orDash(c.p99_over_floor),
        orDash(c.rps_utilization),
        `${orDash(scale.max_in_flight_per_chain[name])} (${
          orDash(scale.allowed_in_flight_per_chain[name])
        })`,
      ]),
    ),
    "",
    ...markdownTable(
      ["target", "value", "verdict"],
      scale.targets.map((t) => [typeset(t.target), t.value, verdict(t.pass)]),
    ),
    "",
    `\`every_row_synced\` ${scale.every_row_synced}, \`left_leased\` ${scale.left_leased}, ` +
    `\`peak_rss_mb\` ${scale.peak_rss_mb}, ${scale.wrong_balances} wrong balances, ` +
    `${scale.invocations} invocations (${scale.not_200} not 200, ${scale.no_answer} unanswered), ` +
    `process CPU ${count(scale.process_cpu_ms)} ms` +
    (scale.multicall_floor
      ? `; multicall floor ${scale.multicall_floor.balances_per_s} balances/s (the \`deno task bench\` ` +
        `of ${scale.multicall_floor.measured_at}).`
      : "."),
  ];
}
