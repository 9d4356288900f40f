import process from "node:process";

/**
 * CPU time of the thread that runs this isolate, and the one CPU budget that every run served by
 * it shares.
 *
 * How the platform counts (supabase/edge-runtime):
 * - What: crates/base/src/runtime/mod.rs adds up, around each poll of the worker's event loop,
 *   the CPU time of the worker's own thread (`get_thread_time`, crates/cpu_timer:
 *   `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`); the hard limit is a per-thread CPU timer on the same
 *   clock. V8's helper threads (concurrent GC, compilers) and the runtime's I/O threads are not
 *   counted.
 * - Whose: with the default `per_worker` policy (crates/base/src/worker/supervisor/
 *   strategy_per_worker.rs) one worker serves several requests, concurrently too, and the
 *   supervisor compares that one sum (`accumulated`), not any one request's share, with the soft
 *   limit (the worker is retired: no new requests) and the hard limit (the worker is terminated,
 *   whatever it is doing). So runs that overlap in one isolate spend one budget between them.
 *
 * Where the process can tell (Deno serving the function locally, tests, the benchmark), the
 * same clock is read for the thread running this JavaScript from /proc/thread-self/schedstat
 * (Linux); elsewhere `process.cpuUsage()` (the whole process: more than the platform counts, so
 * runs stop early rather than late). In the Edge Runtime neither can be read (`process.cpuUsage()`
 * is a stub that answers zeros and prints "Not implemented" on every call, and the file system is
 * sandboxed), so there the reading is null and the run relies on its estimates (caps.ts) and on
 * the runtime's `beforeunload` event (unload.ts).
 */

const THREAD_SCHEDSTAT = "/proc/thread-self/schedstat";

/**
 * CPU ms of the thread running this JavaScript (the clock the platform's limit uses), from the
 * first field of schedstat (nanoseconds on CPU); null where that file cannot be read.
 */
export function threadCpuMs(): number | null {
  try {
    const first = Deno.readTextFileSync(THREAD_SCHEDSTAT).split(" ", 1)[0];
    const ns = Number(first);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

let threadClockReadable: boolean | null = null;

/**
 * The isolate's CPU ms as the platform counts it where this process can tell: its thread's CPU
 * where readable, else the whole process's; null in the Edge Runtime.
 */
export function isolateCpuMs(): number | null {
  if ("EdgeRuntime" in globalThis) return null;
  if (threadClockReadable !== false) {
    const ms = threadCpuMs();
    threadClockReadable = ms !== null;
    if (ms !== null) return ms;
  }
  return processCpuMs();
}

/** User + system CPU ms of the whole process, or null where the runtime cannot tell. */
export function processCpuMs(): number | null {
  if ("EdgeRuntime" in globalThis) return null;
  try {
    const used = process.cpuUsage();
    if (typeof used?.user !== "number" || typeof used?.system !== "number") return null;
    return (used.user + used.system) / 1000;
  } catch {
    return null;
  }
}

/** CPU ms used since the clock started, or null where the runtime cannot tell. */
export function startCpuClock(read: () => number | null = isolateCpuMs): () => number | null {
  const start = read();
  if (start === null) return () => null;
  return () => {
    const now = read();
    return now === null ? null : Math.round(now - start);
  };
}

/** One run's part in the shared budget: the CPU all overlapping runs used, and its end. */
export interface CpuShare {
  /**
   * CPU ms used in this process since the first of the runs now in flight started, plus what the
   * other runs in flight reserved (`reserve`).
   */
  used(): number | null;
  /**
   * Sets aside, out of the budget the other runs see, the CPU this run will still need: `ms()`
   * is read at each look, so a reservation that shrinks as the run goes never counts twice what
   * the run already used. A paced chain's run reserves its pace x time left x CPU per request:
   * its work is known in advance and small, and without it the bulk runs it overlaps used the
   * whole budget and stopped it a third into the tick.
   */
  reserve(ms: () => number): void;
  /** Adds rows this run read to the window's count (for cpuPerRow). */
  rowsRead(rows: number): void;
  /**
   * CPU ms per row over the window: everything its runs used, over every row they read (null
   * before the first row, or where the CPU cannot be read). A run's own CPU per row cannot be
   * told apart while runs overlap; this average can.
   */
  cpuPerRow(): number | null;
  /** How many runs share the budget now, this one included. */
  sharers(): number;
  end(): void;
}

/**
 * The budget runs in one process share. A run that starts while no other is in flight opens a
 * new window (the platform would give it a fresh or a retired-and-replaced worker); runs that
 * start while others are in flight join the open window, so four concurrent runs stop claiming
 * together once the four of them have used the budget, not once each has.
 */
export class SharedCpuBudget {
  #inFlight = 0;
  #windowStart: number | null = null;
  #windowRows = 0;
  readonly #reservations = new Set<{ ms: () => number }>();

  constructor(readonly read: () => number | null = isolateCpuMs) {}

  begin(): CpuShare {
    if (this.#inFlight++ === 0) {
      this.#windowStart = this.read();
      this.#windowRows = 0;
    }
    let ended = false;
    const own = { ms: () => 0 };
    this.#reservations.add(own);
    return {
      used: () => {
        const start = this.#windowStart;
        if (start === null) return null;
        const now = this.read();
        if (now === null) return null;
        let reserved = 0;
        for (const r of this.#reservations) if (r !== own) reserved += Math.max(0, r.ms());
        return Math.round(now - start + reserved);
      },
      reserve: (ms) => {
        own.ms = ms;
      },
      rowsRead: (rows) => {
        this.#windowRows += rows;
      },
      cpuPerRow: () => {
        const start = this.#windowStart;
        const now = start === null || this.#windowRows === 0 ? null : this.read();
        return now === null ? null : (now - start!) / this.#windowRows;
      },
      sharers: () => Math.max(1, this.#inFlight),
      end: () => {
        if (ended) return;
        ended = true;
        this.#reservations.delete(own);
        this.#inFlight--;
      },
    };
  }

  get inFlight(): number {
    return this.#inFlight;
  }
}

/** The process's one budget: every run of this isolate draws on it. */
export const isolateCpu = new SharedCpuBudget();
