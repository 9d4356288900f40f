/**
 * What the soak measures, from outside the function:
 *
 * - every POST pg_net delivers (a fetch wrapped around the pg_net stand-in's), with the run
 *   summary it answered and the function process's CPU over the invocation's lifetime (/proc);
 * - the function's log lines, grouped by run_id (one invocation = one run_id);
 * - staleness of last_checked per chain, from the database.
 */
import type { Sql } from "../stack/pg.ts";
import { maxInWindow } from "../stack/standins/tron_node.ts";
import { procSample } from "./proc.ts";

export { maxInWindow };

export interface Invocation {
  seq: number;
  /** ms since the soak run started (performance.now based). */
  startedMs: number;
  endedMs: number;
  /** The request body pg_net sent (what dispatch queued), parsed. */
  request: unknown;
  status: number | null;
  /** A timeout or connection failure (no answer). */
  error: string | null;
  runId: string | null;
  // deno-lint-ignore no-explicit-any
  summary: Record<string, any> | null;
  /** cpu_ms from the run summary, when the function reports it. */
  cpuMsReported: number | null;
  /** CPU of the whole function process from this invocation's start to its answer (/proc). */
  cpuMsProcess: number;
  /** Another invocation was in flight at some point (cpuMsProcess is then an upper bound). */
  overlapped: boolean;
}

export interface InvocationRecorder {
  fetch: typeof fetch;
  readonly invocations: readonly Invocation[];
  readonly inFlight: number;
}

/** A fetch for the pg_net stand-in that records each delivery. */
export function recordInvocations(pid: number, origin: number): InvocationRecorder {
  const invocations: Invocation[] = [];
  const active = new Set<Invocation>();
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const record: Invocation = {
      seq: invocations.length,
      startedMs: performance.now() - origin,
      endedMs: 0,
      request: parseBody(init?.body),
      status: null,
      error: null,
      runId: null,
      summary: null,
      cpuMsReported: null,
      cpuMsProcess: 0,
      overlapped: active.size > 0,
    };
    for (const other of active) other.overlapped = true;
    invocations.push(record);
    active.add(record);
    const before = await procSample(pid).catch(() => null);
    try {
      const response = await fetch(input, init);
      const text = await response.text();
      record.status = response.status;
      try {
        const body = JSON.parse(text);
        if (body && typeof body === "object") {
          record.runId = typeof body.run_id === "string" ? body.run_id : null;
          if (response.status === 200) record.summary = body;
          if (typeof body.cpu_ms === "number") record.cpuMsReported = body.cpu_ms;
        }
      } catch { /* not JSON */ }
      return new Response(text, { status: response.status, headers: response.headers });
    } catch (error) {
      record.error = String((error as Error)?.name ?? error);
      throw error;
    } finally {
      record.endedMs = performance.now() - origin;
      const after = await procSample(pid).catch(() => null);
      if (before && after) record.cpuMsProcess = after.cpuMs - before.cpuMs;
      active.delete(record);
    }
  };
  return {
    fetch: wrapped as typeof fetch,
    get invocations() {
      return invocations;
    },
    get inFlight() {
      return active.size;
    },
  };
}

function parseBody(body: BodyInit | null | undefined): unknown {
  try {
    if (typeof body === "string") return JSON.parse(body);
    if (body instanceof Uint8Array) return JSON.parse(new TextDecoder().decode(body));
  } catch { /* not JSON */ }
  return null;
}

export interface RunLog {
  /** Epoch ms of each line. */
  times: number[];
  longestLine: number;
}

/** The function's log lines by run_id, fed line by line. */
export class LogTracker {
  readonly byRun = new Map<string, RunLog>();
  /** Every JSON line of the process, epoch ms (the platform's limit is per function). */
  readonly allTimes: number[] = [];
  longestLine = 0;

  take(line: string) {
    if (!line.startsWith("{")) return;
    let parsed: { run_id?: unknown; time?: unknown };
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const time = typeof parsed.time === "string" ? Date.parse(parsed.time) : Date.now();
    this.allTimes.push(time);
    this.longestLine = Math.max(this.longestLine, line.length);
    if (typeof parsed.run_id !== "string") return;
    let run = this.byRun.get(parsed.run_id);
    if (!run) this.byRun.set(parsed.run_id, run = { times: [], longestLine: 0 });
    run.times.push(time);
    run.longestLine = Math.max(run.longestLine, line.length);
  }

  /** Most lines the run wrote in any 10 s window. */
  maxPer10s(runId: string | null): number {
    const run = runId ? this.byRun.get(runId) : undefined;
    return run ? maxInWindow(run.times, 10_000) : 0;
  }
}

export interface ChainStaleness {
  chain_id: string;
  name: string;
  rows: number;
  /** Rows due now (never checked, or checked at least 30 s ago). */
  due: number;
  never_synced: number;
  leased: number;
  p50_s: number;
  p99_s: number;
  max_s: number;
}

/**
 * Age of last_checked over active rows, per chain, now; a never-synced row counts from `since`
 * (the soak's start, a timestamptz text from the database).
 */
export async function stalenessByChain(sql: Sql, since: string): Promise<ChainStaleness[]> {
  const rows = await sql`
    with ages as (
      select aoc.chain_id,
             extract(epoch from clock_timestamp() - coalesce(wb.last_checked, ${since}::timestamptz))
               as age,
             wb.last_checked, wb.locked_by
      from public.wallet_balances as wb
      join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
      join public.chains as c on c.id = aoc.chain_id
      where aoc.is_active and c.is_active
    )
    select a.chain_id::text as chain_id, c.name, count(*)::int as rows,
           count(*) filter (where a.last_checked is null
                              or a.last_checked <= clock_timestamp() - interval '30 seconds')::int
             as due,
           count(*) filter (where a.last_checked is null)::int as never_synced,
           count(*) filter (where a.locked_by is not null)::int as leased,
           percentile_cont(0.5) within group (order by a.age)::float8 as p50_s,
           percentile_cont(0.99) within group (order by a.age)::float8 as p99_s,
           max(a.age)::float8 as max_s
    from ages as a
    join public.chains as c on c.id = a.chain_id
    group by a.chain_id, c.name
    order by c.name`;
  return rows.map((r) => ({
    chain_id: r.chain_id,
    name: r.name,
    rows: r.rows,
    due: r.due,
    never_synced: r.never_synced,
    leased: r.leased,
    p50_s: round(r.p50_s, 1),
    p99_s: round(r.p99_s, 1),
    max_s: round(r.max_s, 1),
  }));
}

export const round = (value: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
