/**
 * The benchmark's tables from bench/results.json: what `deno task bench` prints and what
 * docs/benchmarks.md shows (tools/docs_figures.ts). Reads results only, so it loads no stack.
 */
import { CHAIN_KEYS } from "./chain_keys.ts";
import type { Results } from "./report.ts";

const fmt = (value: unknown, digits = 3): string => {
  if (value === null || value === undefined) return "-";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    return value.toFixed(digits).replace(/\.?0+$/, "") || "0";
  }
  return String(value);
};

/** "fewer/less" ratios for costs (seed / project), "x" for throughput (project / seed). */
const ratio = (project: number | null, seed: number | null, higherIsBetter: boolean) => {
  if (project === null || seed === null || project === 0 || seed === 0) return "-";
  const r = higherIsBetter ? project / seed : seed / project;
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}x${higherIsBetter ? "" : " less"}`;
};

type Row = [string, string, string, string];

export function tableLines(results: Results): string[] {
  const p = results.project as unknown as Record<string, number | null>;
  const s = results.seed_strategy as unknown as Record<string, number | null>;
  const mc = results.project_multicall_chains_only;
  /** One figure of both strategies; `better` adds the ratio in the project's favour. */
  const both = (label: string, key: string, digits = 3, better?: "higher" | "lower"): Row => [
    label,
    fmt(p[key], digits),
    fmt(s[key], digits),
    better ? ratio(p[key], s[key], better === "higher") : "",
  ];
  const rows: Row[] = [
    ["figure", "this project", "seed strategy", "ratio"],
    both("balances synced (rows)", "synced"),
    both("wall time (s)", "wall_s", 1),
    both("balances/s", "balances_per_s", 1, "higher"),
    both("RPC requests/balance, EVM", "evm_rpc_requests_per_balance", 4, "lower"),
    both(
      "RPC requests/balance, TRON multicall",
      "tron_multicall_rpc_requests_per_balance",
      4,
      "lower",
    ),
    both("RPC requests/balance, TRON plain", "tron_plain_rpc_requests_per_balance", 4, "lower"),
    [
      "DB round trips/batch",
      fmt(p.db_round_trips_per_batch, 2),
      `${fmt(s.db_round_trips_per_batch, 1)} (batch of 50)`,
      "",
    ],
    both("DB round trips/balance", "db_round_trips_per_balance", 4, "lower"),
    both("CPU ms/1,000 balances", "cpu_ms_per_1000_balances", 1, "lower"),
    [
      "CPU ms/1,000 balances, warm drain",
      fmt(results.project.warm.cpu_ms_per_1000_balances, 1),
      "",
      "",
    ],
    both("peak RSS (MB)", "peak_rss_mb", 1),
    ["cold start, spawn to first answer (ms)", fmt(p.cold_start_ms), "-", ""],
    ...(mc
      ? [
        [
          "balances/s, multicall chains only",
          fmt(mc.balances_per_s, 1),
          fmt(mc.seed_strategy_balances_per_s, 1),
          ratio(mc.balances_per_s, mc.seed_strategy_balances_per_s, true),
        ] as Row,
        ["CPU ms/1,000, multicall chains only", fmt(mc.cpu_ms_per_1000_balances, 1), "", ""] as Row,
        [
          "balances/s, multicall chains only, warm drain",
          fmt(mc.warm.balances_per_s, 1),
          fmt(mc.seed_strategy_balances_per_s, 1),
          ratio(mc.warm.balances_per_s, mc.seed_strategy_balances_per_s, true),
        ] as Row,
        [
          "CPU ms/1,000, multicall chains only, warm drain",
          fmt(mc.warm.cpu_ms_per_1000_balances, 1),
          "",
          "",
        ] as Row,
      ]
      : []),
    both("wrong balances", "wrong_balances"),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const out = [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`];
  for (const r of rows.slice(1)) out.push(line(r));
  out.push("");
  out.push("| target | value | met |");
  out.push("|---|---|---|");
  for (const t of results.targets) {
    out.push(
      `| ${t.figure} ${t.target} | ${JSON.stringify(t.value)} | ${t.met ? "MET" : "MISSED"} |`,
    );
  }
  if (results.scale.length > 0) {
    out.push("");
    out.push(
      "| rows | wall s | balances/s | RPC requests (evm / tron mc / tron plain) | DB round trips | CPU ms/1k |",
    );
    out.push("|---|---|---|---|---|---|");
    for (const s of results.scale) {
      out.push(
        `| ${fmt(s.rows)} | ${fmt(s.wall_s, 1)} | ${fmt(s.balances_per_s, 1)} | ${
          CHAIN_KEYS.map((k) => fmt(s.rpc_requests[k])).join(" / ")
        } | ${fmt(s.db_round_trips)} | ${fmt(s.cpu_ms_per_1000_balances, 1)} |`,
      );
    }
  }
  return out;
}

/** Prints the heading line and the table, as `deno task bench` shows them. */
export function printTable(results: Results): void {
  const m = results.machine;
  console.log(
    `balance-sync benchmark, ${
      m.date.slice(0, 10)
    }, ${m.cores} cores ${m.arch} (${m.cpu_model}); ` +
      `${results.rows} rows, latency rpc ${results.latency_ms.rpc} ms / db ${results.latency_ms.db} ms`,
  );
  for (const line of tableLines(results)) console.log(line);
}
