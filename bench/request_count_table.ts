/**
 * The rows of the request-count benchmarks (request_counts.ts, request_counts_tron.ts), their
 * table and the command-line flags both take. A module of its own so that the TRON part, which request_counts.ts loads while it runs,
 * does not import request_counts.ts back.
 */

/** One printed line. The TRON script returns the same shape. */
export interface BenchRow {
  family: "evm" | "tron";
  scenario: string;
  balances: number;
  requests: number;
  /** Upper bound the issue sets for requests per balance. */
  target: number;
  wallMs: number;
  /** CPU of the read in this process: median of 3 (in-process stand-ins may add to it). */
  cpuMs?: number;
  mode?: string;
  errors: number;
}

export interface BenchOptions {
  holders: number;
  latencyMs: number;
}

/** The flags both scripts take, for parseArgs: --latency=MS (of each request) --holders=N. */
export const BENCH_FLAGS = {
  latency: { type: "string", default: "0" },
  holders: { type: "string", default: "1000" },
} as const;

export const benchOptions = (values: { latency: string; holders: string }): BenchOptions => ({
  holders: Number(values.holders),
  latencyMs: Number(values.latency),
});

/** The rows as a table on stdout. */
export function print(rows: BenchRow[]): void {
  const line = (cells: string[]) => console.log(cells.join(" | "));
  line([
    "family",
    "scenario",
    "balances",
    "HTTP requests",
    "requests/balance",
    "target",
    "ok",
    "wall ms",
    "cpu ms",
    "cpu µs/balance",
  ]);
  for (const r of rows) {
    const perBalance = r.requests / r.balances;
    line([
      r.family,
      r.scenario,
      String(r.balances),
      String(r.requests),
      perBalance.toFixed(4),
      `<= ${Number(r.target.toFixed(4))}`,
      perBalance <= r.target && r.errors === 0 ? "yes" : `NO (${r.errors} wrong)`,
      r.wallMs.toFixed(0),
      r.cpuMs === undefined ? "-" : r.cpuMs.toFixed(0),
      r.cpuMs === undefined ? "-" : (r.cpuMs * 1000 / r.balances).toFixed(1),
    ]);
  }
}

/** Prints the rows; exits 1 when one took more requests than its target or read a value wrong. */
export function report(rows: BenchRow[]): void {
  print(rows);
  if (rows.some((r) => r.requests / r.balances > r.target || r.errors > 0)) Deno.exit(1);
}
