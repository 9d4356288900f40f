/**
 * Drives this project the way production does: scheduled runs (the body pg_cron's dispatch sends,
 * `{}`) POSTed to the real function served over HTTP as its own process, back to back (the 30 s
 * between cron ticks left out, like the seed's sleep), until a run finds nothing due. Everything
 * is counted outside the function: RPC requests at the latency proxies, DB round trips at the
 * PostgREST stand-in, CPU and peak memory from /proc/<pid>.
 */
import type { FunctionServer, Stack } from "../stack/stack.ts";
import { procSample } from "./proc.ts";
import { type BenchWorld, CHAIN_KEYS, type ChainKey } from "./world.ts";

export interface DriveOptions {
  /** Runs in flight at once (1 = one cron job, as the scheduling migration sets up). */
  concurrency: number;
  /** Gives up after this long (a stuck run must not hang the benchmark). */
  timeoutMs: number;
  /** Called with each run's summary (progress). */
  onRun?: (summary: Record<string, unknown>) => void;
}

export interface ChainFigures {
  name: string;
  rows: number;
  /** HTTP requests counted at the chain's proxy. */
  requests: number;
  /** What the function's run summaries say they sent (cross-check). */
  reportedRequests: number;
  /** TRON only: most requests that reached the node within any 1 s window. */
  maxRequestsPerSecond: number | null;
  /** TRON only: most requests within any 10 s window (the sustained rate, jitter averaged out). */
  maxRequestsPer10s: number | null;
  /** TRON only: requests by endpoint, as the stand-in saw them. */
  byPath: Record<string, number> | null;
  configuredMaxRps: number | null;
}

export interface DriveResult {
  wallMs: number;
  runs: number;
  /** Runs that found nothing due (each made exactly one DB round trip: its empty claim). */
  emptyRuns: number;
  /** Claimed batches (a claim that found nothing is not a batch). */
  batches: number;
  claimed: number;
  synced: number;
  failed: number;
  released: number;
  lost: number;
  staleRejected: number;
  /** Requests served by the PostgREST stand-in, all and by function. */
  dbRequests: number;
  dbCalls: Record<string, number>;
  chains: Record<ChainKey, ChainFigures>;
  /** CPU of the thread that runs the function's JavaScript: what the platform's limit counts. */
  cpuMs: number;
  /** CPU of the whole function process (V8's GC and compiler threads, I/O threads too). */
  processCpuMs: number;
  peakRssMb: number;
  /** Non-200 answers (each is retried). */
  failedCalls: { status: number; body: string }[];
  /** Why each run stopped, counted. */
  stopReasons: Record<string, number>;
  /** Wall time of each run (ms), for the budget picture. */
  runMs: number[];
}

/** Runs keep claiming rows and giving every one back. */
export class NoProgressError extends Error {
  override name = "NoProgressError";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function driveScheduledRuns(
  stack: Stack,
  fn: Pick<FunctionServer, "call" | "pid">,
  world: BenchWorld,
  options: DriveOptions,
): Promise<DriveResult> {
  for (const key of CHAIN_KEYS) {
    world.chains[key].proxy.resetCounts();
    world.chains[key].tronNode?.requests.reset();
  }
  const dbBefore = stack.postgrest.requests;
  const callsBefore = new Map(stack.postgrest.calls);
  const procBefore = await procSample(fn.pid);

  const result: DriveResult = {
    wallMs: 0,
    runs: 0,
    emptyRuns: 0,
    batches: 0,
    claimed: 0,
    synced: 0,
    failed: 0,
    released: 0,
    lost: 0,
    staleRejected: 0,
    dbRequests: 0,
    dbCalls: {},
    chains: {} as Record<ChainKey, ChainFigures>,
    cpuMs: 0,
    processCpuMs: 0,
    peakRssMb: 0,
    failedCalls: [],
    stopReasons: {},
    runMs: [],
  };
  const reported: Record<string, number> = {};
  const deadline = performance.now() + options.timeoutMs;

  const caller = async () => {
    let failuresInARow = 0;
    let idleRunsInARow = 0;
    while (performance.now() < deadline) {
      const callStarted = performance.now();
      const response = await fn.call({});
      if (response.status !== 200) {
        result.failedCalls.push({ status: response.status, body: response.text.slice(0, 300) });
        if (++failuresInARow >= 5) throw new Error(`5 failed runs in a row: ${response.text}`);
        await sleep(200);
        continue;
      }
      failuresInARow = 0;
      const summary = response.body;
      options.onRun?.(summary);
      result.runs++;
      result.runMs.push(performance.now() - callStarted);
      result.batches += summary.batches;
      result.claimed += summary.claimed;
      result.synced += summary.synced;
      result.failed += summary.failed;
      result.released += summary.released;
      result.lost += summary.lost;
      result.staleRejected += summary.stale_rejected;
      result.stopReasons[summary.stopped] = (result.stopReasons[summary.stopped] ?? 0) + 1;
      for (const chain of Object.values(summary.chains) as { id: string; rpc_requests: number }[]) {
        reported[chain.id] = (reported[chain.id] ?? 0) + chain.rpc_requests;
      }
      if (summary.claimed === 0) {
        result.emptyRuns++;
        return;
      }
      // Rows claimed and all given back, run after run: the drain would never end.
      if (summary.synced + summary.failed === 0) {
        if (++idleRunsInARow >= 3) {
          const notes = Object.values(
            summary.chains as Record<string, { name: string; note?: string }>,
          )
            .map((c) => `${c.name}: ${c.note ?? "-"}`).join("; ");
          throw new NoProgressError(
            `3 runs in a row claimed rows and synced none (${summary.released} released; ${notes})`,
          );
        }
      } else {
        idleRunsInARow = 0;
      }
    }
    throw new Error(`runs did not drain the table within ${options.timeoutMs} ms`);
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  result.wallMs = performance.now() - started;

  const procAfter = await procSample(fn.pid);
  result.processCpuMs = procAfter.cpuMs - procBefore.cpuMs;
  result.cpuMs = procAfter.mainThreadCpuMs - procBefore.mainThreadCpuMs;
  // Where a thread's clock cannot be read, the whole process's (more, never less).
  if (!Number.isFinite(result.cpuMs)) result.cpuMs = result.processCpuMs;
  result.peakRssMb = procAfter.peakRssMb;
  result.dbRequests = stack.postgrest.requests - dbBefore;
  for (const [name, count] of stack.postgrest.calls) {
    const delta = count - (callsBefore.get(name) ?? 0);
    if (delta > 0) result.dbCalls[name] = delta;
  }
  const limits = await stack.sql`
    select id::text as id, max_rps::float8 as max_rps from public.chains`;
  const maxRps = new Map(limits.map((r) => [r.id as string, r.max_rps as number | null]));
  for (const key of CHAIN_KEYS) {
    const chain = world.chains[key];
    result.chains[key] = {
      name: chain.name,
      rows: chain.rows,
      requests: chain.proxy.requests,
      reportedRequests: reported[chain.id] ?? 0,
      maxRequestsPerSecond: chain.tronNode ? chain.tronNode.requests.maxInWindow(1000) : null,
      maxRequestsPer10s: chain.tronNode ? chain.tronNode.requests.maxInWindow(10_000) : null,
      byPath: chain.tronNode ? { ...chain.tronNode.requests.byPath } : null,
      configuredMaxRps: chain.family === "tron" ? maxRps.get(chain.id) ?? null : null,
    };
  }
  return result;
}

export interface ColdStart {
  /** Spawning the process to its "Listening" line. */
  listeningMs: number;
  /** Spawning the process to the answer of its first request. */
  firstResponseMs: number;
  /** The run's own duration_ms inside that first answer. */
  firstRunMs: number;
}

/**
 * Cold start of a fresh process: spawn to the first answer. The first request is a forced run of
 * the given rows (one per chain: auth, body, one claim, every reader loaded on first use and
 * reading, one record), so the figure includes loading viem and tronweb and the injected latency
 * of those reads. The caller resets the rows afterwards.
 */
export async function coldStart(
  stack: Stack,
  env: Record<string, string>,
  rowIds: string[],
): Promise<ColdStart> {
  const fn = await stack.serveFunction({ env });
  try {
    const started = performance.now();
    const response = await fn.call({ wallet_balance_ids: rowIds });
    const firstResponseMs = fn.startupMs + (performance.now() - started);
    if (response.status !== 200 || response.body.synced !== rowIds.length) {
      throw new Error(`cold start request failed: ${response.status} ${response.text}`);
    }
    return { listeningMs: fn.startupMs, firstResponseMs, firstRunMs: response.body.duration_ms };
  } finally {
    await fn.stop();
  }
}
