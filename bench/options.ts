/** The benchmark's command line, and the function configuration it implies. */
import { parseArgs } from "node:util";
import { repoRoot } from "../tests/support/bin.ts";
import type { Mix } from "./world.ts";

export function parseBenchArgs(args: string[]) {
  const { values: flags } = parseArgs({
    args: args.filter((a) => a !== "--"),
    options: {
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
    },
  });

  const int = (name: keyof typeof flags, min = 0): number => {
    const value = Number(flags[name]);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
    }
    return value;
  };
  const optionalNumber = (name: keyof typeof flags): number | null => {
    const raw = String(flags[name]);
    if (raw === "" || raw === "default") return null;
    const value = Number(raw);
    if (!(value > 0)) throw new Error(`--${name} must be a positive number or "default"`);
    return value;
  };

  for (const size of String(flags["scale-sizes"]).split(",").filter((s) => s.trim() !== "")) {
    if (!(Number.isInteger(Number(size)) && Number(size) >= 3)) {
      throw new Error(`--scale-sizes must be whole numbers >= 3, got ${size}`);
    }
  }
  const mix = String(flags.mix).split(",").map(Number);
  if (mix.length !== 3 || mix.some((n) => !(n >= 0)) || mix.every((n) => n === 0)) {
    throw new Error(`--mix must be three shares evm,tron_multicall,tron_plain; got ${flags.mix}`);
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

export type BenchConfig = ReturnType<typeof parseBenchArgs>;

/**
 * The function's configuration for the benchmark (see config.ts). The minimum interval is raised
 * from 30 s to a day so that every row is synced exactly once: with 30 s, rows synced early in a
 * drain that takes longer than 30 s fall due again, and the table never drains.
 */
export const benchFunctionEnv = (batchSize: number, logLevel: string): Record<string, string> => ({
  BALANCE_SYNC_BATCH_SIZE: String(batchSize),
  BALANCE_SYNC_LOG_LEVEL: logLevel,
  BALANCE_SYNC_MIN_INTERVAL_SECONDS: "86400",
});
