/** The benchmark's command line, and the function configuration it implies. */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import type { Sql } from "../stack/pg.ts";
import type { Mix } from "./world.ts";

export const BENCH_USAGE = `Usage: deno task bench [options]

Drains a seeded table with this project and with the seed's sequential strategy, under injected
latency, and writes the comparison (docs/benchmarks.md). Installs the pinned tools first.

Options (defaults in brackets):
  --rows N                   rows of the main drain [10000]
  --rpc-latency MS           added to every RPC request [50]
  --db-latency MS            added to every database request [5]
  --seed-rows N              rows the seed strategy is timed on [400]
  --batch-size N             BALANCE_SYNC_BATCH_SIZE [1000]
  --concurrency N            scheduled runs at once [1]
  --mix E,T,P                shares of EVM, TRON multicall, TRON plain rows [45,45,10]
  --tron-max-rps N           pacing of the TRON chains, or "default" [10]
  --tron-max-concurrency N   requests in flight per TRON chain, or "default" []
  --log-level LEVEL          the function's BALANCE_SYNC_LOG_LEVEL [info]
  --cold-runs N              cold starts measured [3]
  --scale-sizes N,N          extra drains for the scale curve, "" for none [1000]
  --scale-100k               add a 100,000-row drain (long)
  --timeout-s N              give up after this long [900]
  --out FILE                 where the results go [bench/results.json]
  -h, --help                 print this and exit

Other benchmarks:
  --soak [--rows N] [--minutes M] [--slow-factor F] ...
                             the real scheduling path every 30 s under load; writes
                             bench/soak.json and bench/soak_staleness.svg (all options:
                             bench/soak_options.ts)
  --claim-scale              the function's scheduled claim at 1,000,000 rows, healthy vs
                             10 % in backoff, with EXPLAIN (ANALYZE, BUFFERS) of it
  deno task bench:views      chain_status and the metrics function at 100,000 rows
  deno task bench:indexes    which paths' plans read each index of wallet_balances
  deno task bench:record     record cost with and without the change log`;

/** The command line is not valid: print the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** null: --help was asked for. */
export function parseBenchArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: args.filter((a) => a !== "--"),
      strict: true,
      allowPositionals: false,
      options: BENCH_OPTIONS,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) return null;
  return benchConfig(flags);
}

const BENCH_OPTIONS = {
  rows: { type: "string", default: "10000" },
  "rpc-latency": { type: "string", default: "50" },
  "db-latency": { type: "string", default: "5" },
  "seed-rows": { type: "string", default: "400" },
  "batch-size": { type: "string", default: "1000" },
  concurrency: { type: "string", default: "1" },
  mix: { type: "string", default: "45,45,10" },
  "tron-max-rps": { type: "string", default: "10" },
  "tron-max-concurrency": { type: "string", default: "" },
  "log-level": { type: "string", default: "info" },
  "cold-runs": { type: "string", default: "3" },
  // The scale curve: these sizes besides --rows (whose drain is reused); "" for none.
  "scale-sizes": { type: "string", default: "1000" },
  "scale-100k": { type: "boolean", default: false },
  "timeout-s": { type: "string", default: "900" },
  out: { type: "string", default: `${repoRoot}/bench/results.json` },
  help: { type: "boolean", short: "h", default: false },
} as const;

type BenchFlags = ReturnType<typeof parseArgs<{ options: typeof BENCH_OPTIONS }>>["values"];

function benchConfig(flags: BenchFlags) {
  const int = (name: keyof typeof flags, min = 0): number => {
    const value = Number(flags[name]);
    if (!Number.isInteger(value) || value < min) {
      throw new UsageError(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
    }
    return value;
  };
  const optionalNumber = (name: keyof typeof flags): number | null => {
    const raw = String(flags[name]);
    if (raw === "" || raw === "default") return null;
    const value = Number(raw);
    if (!(value > 0)) throw new UsageError(`--${name} must be a positive number or "default"`);
    return value;
  };

  for (const size of String(flags["scale-sizes"]).split(",").filter((s) => s.trim() !== "")) {
    if (!(Number.isInteger(Number(size)) && Number(size) >= 3)) {
      throw new UsageError(`--scale-sizes must be whole numbers >= 3, got ${size}`);
    }
  }
  const mix = String(flags.mix).split(",").map(Number);
  if (mix.length !== 3 || mix.some((n) => !(n >= 0)) || mix.every((n) => n === 0)) {
    throw new UsageError(
      `--mix must be three shares evm,tron_multicall,tron_plain; got ${flags.mix}`,
    );
  }
  return {
    rows: int("rows", 3),
    rpcLatencyMs: int("rpc-latency"),
    dbLatencyMs: int("db-latency"),
    // The seed works in batches of 50; the sample is whole batches.
    seedRows: Math.ceil(int("seed-rows", 1) / 50) * 50,
    batchSize: int("batch-size", 1),
    concurrency: int("concurrency", 1),
    mix: { evm: mix[0], tron_multicall: mix[1], tron_plain: mix[2] } as Mix,
    tronMaxRps: optionalNumber("tron-max-rps"),
    tronMaxConcurrency: optionalNumber("tron-max-concurrency"),
    logLevel: String(flags["log-level"]),
    coldRuns: int("cold-runs", 1),
    scaleSizes: [
      ...String(flags["scale-sizes"]).split(",").filter((s) => s.trim() !== "").map(Number),
      ...(flags["scale-100k"] ? [100_000] : []),
    ],
    timeoutMs: int("timeout-s", 1) * 1000,
    out: String(flags.out),
  };
}

export type BenchConfig = ReturnType<typeof benchConfig>;

/** The function's configuration for the benchmark (see config.ts). */
export const benchFunctionEnv = (batchSize: number, logLevel: string): Record<string, string> => ({
  BALANCE_SYNC_BATCH_SIZE: String(batchSize),
  BALANCE_SYNC_LOG_LEVEL: logLevel,
});

/**
 * The database's settings for the benchmark (balance_sync.settings, which the runs follow). The
 * minimum interval is raised from 30 s to a day so that every row is synced exactly once: with
 * 30 s, rows synced early in a drain that takes longer than 30 s fall due again, and the table
 * never drains.
 */
export const BENCH_SETTINGS: Record<string, string> = { min_interval_seconds: "86400" };

export async function applyBenchSettings(sql: Sql): Promise<void> {
  for (const [key, value] of Object.entries(BENCH_SETTINGS)) {
    await sql`update balance_sync.settings set value = ${value}::jsonb where key = ${key}`;
  }
}

/** BALANCE_SYNC_BATCH_SIZE of the main benchmark's drains (`--batch-size`'s default). */
export const BENCH_BATCH_SIZE = Number(BENCH_OPTIONS["batch-size"].default);
