/**
 * CPU per paced TRON request and the pace seen by the node: one per-call read of `--rows` TRX
 * balances per `--max-rps` value (a chain of its own each), against bench/pacer_node.ts in its own
 * process (its CPU is not counted). Prints, and writes to `--out`, the process CPU
 * (process.cpuUsage) of each read divided by its requests, the share of max_rps used between the
 * first and the last start, and the busiest sliding 1 s at the node. Each figure is the median of
 * `--repeat` reads. The same read unpaced (`floor`) shows what a request costs without any wait;
 * the load average is printed too, since a busy machine makes every wake-up dearer.
 *
 *   deno run -A bench/pacer_cpu.ts [--rows 200 --max-rps 10,20 --max-concurrency 4 --repeat 3
 *                                   --out bench/pacer_cpu.json]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createTronReader } from "../supabase/functions/balance-sync/chains/tron/reader.ts";
import { tronAddressFromEvm } from "../supabase/functions/balance-sync/chains/tron/address.ts";
import type { ChainConfig } from "../supabase/functions/balance-sync/chains/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "200" },
    "max-rps": { type: "string", default: "10,20" },
    "max-concurrency": { type: "string", default: "4" },
    repeat: { type: "string", default: "3" },
    out: { type: "string", default: "bench/pacer_cpu.json" },
  },
});
const rows = Number(values.rows);
const rates = values["max-rps"].split(",").map(Number);
const maxConcurrency = Number(values["max-concurrency"]);
const repeat = Math.max(1, Number(values.repeat));
const FLOOR_RPS = 1_000_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  let chainNo = 0;
  const measure = async (maxRps: number) => {
    const before = ((await (await fetch(`${url}/starts`)).json()) as number[]).length;
    // Built before the clock starts: encoding the bench's own addresses is not the read's CPU.
    const measured = queries(rows, 0);
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const result = await read(chain(`measured-${chainNo++}`, maxRps), measured);
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const starts = ((await (await fetch(`${url}/starts`)).json()) as number[]).slice(before);
    const spanS = (starts[starts.length - 1] - starts[0]) / 1000;
    return {
      failed: result.outcomes.filter((o) => !o.ok).length,
      requests: result.requests,
      wallS: wallMs / 1000,
      cpuMsPerRequest: cpuMs / result.requests,
      // (requests - 1) intervals over the span between the first and the last start
      utilization: (starts.length - 1) / spanS / maxRps,
      busiest: busiest(starts, 1000),
    };
  };
  const runs = [];
  for (const maxRps of [FLOOR_RPS, ...rates]) {
    const samples = [];
    for (let i = 0; i < repeat; i++) samples.push(await measure(maxRps));
    const paced = maxRps !== FLOOR_RPS;
    runs.push({
      max_rps: paced ? maxRps : null,
      rows,
      max_concurrency: maxConcurrency,
      reads: repeat,
      failed: samples.reduce((n, s) => n + s.failed, 0),
      requests_per_read: samples[0].requests,
      wall_s: Number(median(samples.map((s) => s.wallS)).toFixed(2)),
      cpu_ms_per_request: Number(median(samples.map((s) => s.cpuMsPerRequest)).toFixed(3)),
      cpu_ms_per_request_each: samples.map((s) => Number(s.cpuMsPerRequest.toFixed(3))),
      rps_utilization: paced ? Number(median(samples.map((s) => s.utilization)).toFixed(3)) : null,
      busiest_sliding_1s: Math.max(...samples.map((s) => s.busiest)),
    });
  }
  const report = {
    command: `deno run -A bench/pacer_cpu.ts ${Deno.args.join(" ")}`.trim(),
    deno: Deno.version.deno,
    load_average: (await Deno.readTextFile("/proc/loadavg").catch(() => "")).split(" ")
      .slice(0, 3).map(Number),
    // the first run is the floor: the same read without pacing
    runs,
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(report, null, 2) + "\n");
} finally {
  node.kill();
  await node.status;
}
