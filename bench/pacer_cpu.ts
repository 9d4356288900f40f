/**
 * CPU per paced TRON request and the pace seen by the node: one per-call read of `--rows` TRX
 * balances per `--max-rps` value (a chain of its own each), against bench/pacer_node.ts in its own
 * process (its CPU is not counted). Prints, and writes to `--out`, the process CPU
 * (process.cpuUsage) of each read divided by its requests, the share of max_rps used between the
 * first and the last start, and the busiest sliding 1 s at the node; with the load average, since
 * a busy machine makes every wake-up dearer.
 *
 *   deno run -A bench/pacer_cpu.ts [--rows 200 --max-rps 10,20 --max-concurrency 4
 *                                   --out bench/pacer_cpu.json]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createTronReader } from "../supabase/functions/balance-sync/chains/tron.ts";
import { tronAddressFromEvm } from "../supabase/functions/balance-sync/chains/tron_address.ts";
import type { ChainConfig } from "../supabase/functions/balance-sync/chains/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "200" },
    "max-rps": { type: "string", default: "10,20" },
    "max-concurrency": { type: "string", default: "4" },
    out: { type: "string", default: "bench/pacer_cpu.json" },
  },
});
const rows = Number(values.rows);
const rates = values["max-rps"].split(",").map(Number);
const maxConcurrency = Number(values["max-concurrency"]);

/** The most timestamps in any window [t, t + windowMs). */
function busiest(timestamps: number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

const node = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("./pacer_node.ts", import.meta.url).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = node.stdout.pipeThrough(new TextDecoderStream()).getReader();
let first = "";
while (!first.includes("\n")) first += (await reader.read()).value ?? "";
const url = `http://127.0.0.1:${Number(first.trim())}`;

const chain = (id: string, maxRps: number): ChainConfig => ({
  id,
  name: "paced",
  family: "tron",
  rpcUrl: url,
  fallbackRpcUrls: [],
  multicallAddress: null,
  confirmations: 0,
  evmChainId: null,
  apiKeyEnv: null,
  maxRps,
  maxConcurrency,
});
const queries = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({
    key: String(from + i),
    address: tronAddressFromEvm(`0x${(from + i + 1).toString(16).padStart(40, "0")}`).base58,
    token: null,
  }));

try {
  const read = createTronReader();
  // Warm-up (module loading, JIT) on a chain of its own, so its pace does not delay the runs.
  await read(chain("warm-up", 1000), queries(20, 1_000_000));
  const runs = [];
  for (const maxRps of rates) {
    const before = ((await (await fetch(`${url}/starts`)).json()) as number[]).length;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const result = await read(chain(`measured-${maxRps}`, maxRps), queries(rows, 0));
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const starts = ((await (await fetch(`${url}/starts`)).json()) as number[]).slice(before);
    const spanS = (starts[starts.length - 1] - starts[0]) / 1000;
    runs.push({
      rows,
      max_rps: maxRps,
      max_concurrency: maxConcurrency,
      failed: result.outcomes.filter((o) => !o.ok).length,
      requests: result.requests,
      wall_s: Number((wallMs / 1000).toFixed(2)),
      cpu_ms: Number(cpuMs.toFixed(1)),
      cpu_ms_per_request: Number((cpuMs / result.requests).toFixed(3)),
      // (requests - 1) intervals over the span between the first and the last start
      rps_utilization: Number(((starts.length - 1) / spanS / maxRps).toFixed(3)),
      busiest_sliding_1s: busiest(starts, 1000),
    });
  }
  const report = {
    command: `deno run -A bench/pacer_cpu.ts ${Deno.args.join(" ")}`.trim(),
    deno: Deno.version.deno,
    load_average: (await Deno.readTextFile("/proc/loadavg").catch(() => "")).split(" ")
      .slice(0, 3).map(Number),
    runs,
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(report, null, 2) + "\n");
} finally {
  node.kill();
  await node.status;
}
