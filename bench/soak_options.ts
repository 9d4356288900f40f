/** The soak's command line (`deno task bench -- --soak ...`). */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import type { Mix } from "./world.ts";

export function parseSoakArgs(args: string[]) {
  const { values: flags } = parseArgs({
    args: args.filter((a) => a !== "--" && a !== "--soak"),
    options: {
      rows: { type: "string", default: "30000" },
      // Default: at least two floors of the paced chain (pacedFloorMinutes), at least 6.
      minutes: { type: "string" },
      // pg_cron 1.5's '30 seconds'; the command is fired by the soak itself (Debian has 1.4).
      "tick-s": { type: "string", default: "30" },
      // Staleness samples between ticks (the picture, and the worst p99 of each chain).
      "sample-s": { type: "string", default: "5" },
      "rpc-latency": { type: "string", default: "50" },
      "db-latency": { type: "string", default: "5" },
      mix: { type: "string", default: "45,45,10" },
      "tron-max-rps": { type: "string", default: "10" },
      // How much slower the paced chain's node is in the second soak; 1 skips that soak (the
      // default of a scale run).
      "slow-factor": { type: "string" },
      "log-level": { type: "string", default: "info" },
      // Default bench/soak.json; bench/scale.json for a scale run.
      out: { type: "string" },
      // A scale run (bench/soak_scale.ts): implied by --rows >= SCALE_ROWS.
      scale: { type: "boolean", default: false },
      chart: { type: "string", default: `${repoRoot}/bench/soak_staleness.svg` },
      // Also render the chart as PNG (same name, .png).
      png: { type: "boolean", default: false },
      // Only draw the picture again from the soak.json at --out.
      "chart-only": { type: "boolean", default: false },
    },
  });
  const number = (name: keyof typeof flags, min: number, whole = true): number => {
    const value = Number(flags[name]);
    if (!Number.isFinite(value) || value < min || (whole && !Number.isInteger(value))) {
      throw new Error(
        `--${name} must be a ${whole ? "whole " : ""}number >= ${min}, got ${flags[name]}`,
      );
    }
    return value;
  };
  const mix = String(flags.mix).split(",").map(Number);
  if (mix.length !== 3 || mix.some((n) => !(n >= 0)) || mix.every((n) => n === 0)) {
    throw new Error(`--mix must be three shares evm,tron_multicall,tron_plain; got ${flags.mix}`);
  }
  const tickS = number("tick-s", 1);
  const rows = number("rows", 3);
  const mixShares = { evm: mix[0], tron_multicall: mix[1], tron_plain: mix[2] } as Mix;
  const tronMaxRps = number("tron-max-rps", 0.1, false);
  if (flags.minutes === undefined) {
    flags.minutes = String(defaultMinutes(rows, mixShares, tronMaxRps));
  }
  const minutes = number("minutes", 0.5, false);
  const scale = Boolean(flags.scale) || rows >= SCALE_ROWS;
  flags["slow-factor"] ??= scale ? "1" : "10";
  if (minutes * 60 < tickS) throw new Error(`--minutes must cover at least one tick`);
  return {
    rows,
    minutes,
    tickMs: tickS * 1000,
    sampleMs: number("sample-s", 1) * 1000,
    rpcLatencyMs: number("rpc-latency", 0),
    dbLatencyMs: number("db-latency", 0),
    mix: mixShares,
    tronMaxRps,
    slowFactor: number("slow-factor", 1),
    logLevel: String(flags["log-level"]),
    scale,
    out: String(flags.out ?? `${repoRoot}/bench/${scale ? "scale" : "soak"}.json`),
    chart: String(flags.chart),
    png: Boolean(flags.png),
    chartOnly: Boolean(flags["chart-only"]),
  };
}

/** A soak of this many rows or more is a scale run: bench/scale.json, no slow-node variant. */
export const SCALE_ROWS = 100_000;

/**
 * Requests per balance of the paced (per-call) TRON chain: one per balance, plus the head block
 * read once per batch (the soak measures about 1.02).
 */
export const PACED_REQUESTS_PER_BALANCE = 1.02;

/** The paced chain's floor in minutes: its rows x requests per balance / max_rps. */
export function pacedFloorMinutes(rows: number, mix: Mix, tronMaxRps: number): number {
  const total = mix.evm + mix.tron_multicall + mix.tron_plain;
  const pacedRows = Math.round(rows * mix.tron_plain / total);
  return pacedRows * PACED_REQUESTS_PER_BALANCE / tronMaxRps / 60;
}

/** Default soak length: two paced floors (the paced p99 target needs them), at least 6 minutes. */
export function defaultMinutes(rows: number, mix: Mix, tronMaxRps: number): number {
  return Math.max(6, Math.ceil(2 * pacedFloorMinutes(rows, mix, tronMaxRps) + 0.5));
}

export type SoakConfig = ReturnType<typeof parseSoakArgs>;
