/**
 * One soak run: the real scheduling path, tick by tick.
 *
 * Every tick the cron job's own command runs (read from cron.job; Debian's pg_cron 1.4 only
 * fires on the minute, so the soak fires it every 30 s itself), whatever it queues in pg_net's
 * queue is delivered by the pg_net stand-in's dispatcher, concurrently, to the function served
 * as its own process. Before each tick the staleness of every chain is sampled; every delivery,
 * log line and RPC request is recorded for the report (soak_report.ts).
 */
import { startNetDispatcher } from "../stack/standins/net_dispatcher.ts";
import type { Stack } from "../stack/stack.ts";
import { procSample } from "./proc.ts";
import {
  type ChainStaleness,
  type Invocation,
  LogTracker,
  recordInvocations,
  round,
  stalenessByChain,
} from "./soak_probe.ts";
import {
  type BenchWorld,
  CHAIN_KEYS,
  type ChainKey,
  resetRows,
  type Verification,
  verify,
} from "./world.ts";

export interface SoakRunOptions {
  label: string;
  /** The cron job's command, e.g. `select balance_sync.dispatch()`. */
  command: string;
  functionEnv: Record<string, string>;
  tickMs: number;
  /** Staleness is also sampled this often between ticks (the picture). */
  sampleMs: number;
  durationMs: number;
  /** After the last tick, how long to wait for invocations still in flight. */
  drainMs?: number;
  log: (message: string) => void;
}

export interface Sample {
  /** The tick this sample was taken just before, or null (between ticks, or the last one). */
  tick: number | null;
  t_s: number;
  chains: ChainStaleness[];
  rss_mb: number;
  peak_rss_mb: number;
  /** CPU of the function process since the run started. */
  cpu_ms: number;
}

export interface Fire {
  tick: number;
  t_s: number;
  /** When the command was sent, ms since the run started (unrounded: deliveries follow it). */
  atMs: number;
  /** How long the command took in the database. */
  ms: number;
  error: string | null;
}

export interface SoakRun {
  label: string;
  tickMs: number;
  durationMs: number;
  samples: Sample[];
  fires: Fire[];
  invocations: Invocation[];
  logs: LogTracker;
  /** Arrival times (ms since the run started) of the requests each chain's proxy received. */
  requestTimes: Record<ChainKey, number[]>;
  peakRssMb: number;
  cpuMs: number;
  /** Requests still in flight when the run gave up waiting for them. */
  abandoned: number;
  /** Every row checked against the chains after the run. */
  check?: Verification;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One forced run of one row per chain, so module loading is not billed to the first tick. */
async function warmUp(
  stack: Stack,
  world: BenchWorld,
  call: (body: unknown) => Promise<{ status: number; text: string }>,
) {
  const picked = new Map<ChainKey, string>();
  for (const id of world.ids) {
    const chain = world.expected.get(id)!.chain;
    if (!picked.has(chain)) picked.set(chain, id);
  }
  const ids = [...picked.values()];
  const response = await call({ wallet_balance_ids: ids });
  if (response.status !== 200) {
    throw new Error(`warm-up run failed: ${response.status} ${response.text}`);
  }
  await resetRows(stack.sql, ids);
}

export async function soakRun(
  stack: Stack,
  world: BenchWorld,
  options: SoakRunOptions,
): Promise<SoakRun> {
  const { sql } = stack;
  const logs = new LogTracker();
  const fn = await stack.serveFunction({
    env: options.functionEnv,
    echo: (line) => logs.take(line),
  });
  try {
    await warmUp(stack, world, (body) => fn.call(body));
    await sql`delete from vault.secrets where name = 'balance_sync_function_url'`;
    await sql`select vault.create_secret(${fn.url}, 'balance_sync_function_url')`;
    await sql`delete from net.http_request_queue`;
    for (const key of CHAIN_KEYS) world.chains[key].proxy.resetCounts();

    const requestTimes = Object.fromEntries(CHAIN_KEYS.map((k) => [k, []])) as unknown as Record<
      ChainKey,
      number[]
    >;
    const origin = performance.now();
    const takeRequests = () => {
      for (const key of CHAIN_KEYS) {
        const proxy = world.chains[key].proxy;
        for (const entry of proxy.log) requestTimes[key].push(entry.at - origin);
        proxy.resetCounts();
      }
    };
    const procStart = await procSample(fn.pid);
    const recorder = recordInvocations(fn.pid, origin);
    const dispatcher = startNetDispatcher({
      databaseUrl: stack.databaseUrl,
      intervalMs: 100,
      fetch: recorder.fetch,
      onError: (error) => options.log(`pg_net stand-in: ${error}`),
    });
    const [{ since }] = await sql`select clock_timestamp()::text as since`;

    const samples: Sample[] = [];
    const fires: Fire[] = [];
    const sample = async (tick: number | null) => {
      const tS = (performance.now() - origin) / 1000;
      const [chains, proc] = await Promise.all([
        stalenessByChain(sql, since),
        procSample(fn.pid),
      ]);
      takeRequests();
      const entry: Sample = {
        tick,
        t_s: round(tS, 1),
        chains,
        rss_mb: round(proc.rssMb, 1),
        peak_rss_mb: round(proc.peakRssMb, 1),
        cpu_ms: Math.round(proc.cpuMs - procStart.cpuMs),
      };
      samples.push(entry);
      return entry;
    };

    let abandoned = 0;
    try {
      const ticks = Math.floor(options.durationMs / options.tickMs);
      let nextSample = 0;
      const sampleUntil = async (untilMs: number) => {
        for (; nextSample < untilMs; nextSample += options.sampleMs) {
          await sleep(origin + nextSample - performance.now());
          await sample(null);
        }
      };
      for (let tick = 0; tick < ticks; tick++) {
        await sampleUntil(tick * options.tickMs);
        await sleep(origin + tick * options.tickMs - performance.now());
        nextSample = tick * options.tickMs + options.sampleMs;
        const s = await sample(tick);
        const fired = performance.now();
        let error: string | null = null;
        try {
          await sql.unsafe(options.command);
        } catch (e) {
          error = (e as Error).message;
        }
        fires.push({
          tick,
          t_s: round((fired - origin) / 1000, 1),
          atMs: fired - origin,
          ms: round(performance.now() - fired, 1),
          error,
        });
        const done = recorder.invocations.filter((i) => i.endedMs > 0);
        options.log(
          `${options.label} tick ${tick} at ${s.t_s} s: ` +
            s.chains.map((c) => `${c.name} p99 ${c.p99_s} s (due ${c.due})`).join(", ") +
            `; ${recorder.invocations.length} POSTs (${done.length} answered, ` +
            `${recorder.inFlight} in flight), rss ${s.rss_mb} MB` +
            (error ? `; command failed: ${error}` : ""),
        );
      }
      await sampleUntil(options.durationMs);
      await sleep(origin + options.durationMs - performance.now());
      await sample(null);

      // Runs started by the last ticks finish (their rows are part of the run).
      const drainUntil = performance.now() + (options.drainMs ?? 60_000);
      while (performance.now() < drainUntil) {
        const [{ queued }] = await sql`select count(*)::int as queued from net.http_request_queue`;
        if (queued === 0 && recorder.inFlight === 0) break;
        await sleep(250);
      }
      abandoned = recorder.inFlight;
    } finally {
      await dispatcher.stop();
    }
    takeRequests();
    const procEnd = await procSample(fn.pid);
    const check = await verify(sql, world);
    // The last lines of a run can trail its answer on stdout.
    await sleep(300);
    return {
      label: options.label,
      tickMs: options.tickMs,
      durationMs: options.durationMs,
      samples,
      fires,
      invocations: [...recorder.invocations],
      logs,
      requestTimes,
      peakRssMb: round(procEnd.peakRssMb, 1),
      cpuMs: Math.round(procEnd.cpuMs - procStart.cpuMs),
      abandoned,
      check,
    };
  } finally {
    await fn.stop();
  }
}
