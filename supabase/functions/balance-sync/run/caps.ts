/**
 * How much one claim of a chain's loop takes, and how long a scheduled run may read: sized by what
 * the chain can serve (its pace and what this run measured), the time and CPU left, with the row
 * cap only as a guard on the rows held in memory at once. Pure arithmetic, for chain_loop.ts and
 * run.ts.
 */
import type { ReadMode } from "../chains/types.ts";

/**
 * Rows one claim of a multicall chain takes: a claim costs two database round trips (claim,
 * record) whatever its size, and at 50 rows a TRON chain's run spent far longer on those than on
 * its reads; 1,000 rows are 2 EVM or 5 TRON multicall requests, which the chain's concurrency
 * keeps in flight together. At 2,000 the function process of the soak (four EVM runs and a TRON
 * run claiming at once) went above 200 MB of RSS.
 */
export const MULTICALL_CLAIM_ROWS = 1_000;

/**
 * Rows a claim should take for the chain's read mode: the configured batch for per-call and
 * JSON-RPC batch reads (one request per balance, or per small group); for multicall reads
 * MULTICALL_CLAIM_ROWS, never fewer than the configured batch. Before the chain's first read the
 * mode is unknown: the configured batch.
 */
export function claimRowsFor(mode: ReadMode | null, batchSize: number): number {
  return mode === "multicall" ? Math.max(batchSize, MULTICALL_CLAIM_ROWS) : batchSize;
}

/**
 * CPU ms per balance by read mode, from the benchmark (`deno task bench`: about 0.03 ms with
 * multicall; per-call reads pay a request, its JSON and its pacing per balance), rounded up. Used
 * where the runtime cannot tell the CPU (the Edge Runtime: cpu.ts), so the CPU budget still bounds
 * a run there; an unknown mode (before the first read) counts as a JSON-RPC batch.
 */
export const CPU_MS_PER_BALANCE: Record<ReadMode, number> = {
  "multicall": 0.04,
  "json-rpc-batch": 0.15,
  "per-call": 1,
};

/** The CPU `balances` reads of `mode` cost, by CPU_MS_PER_BALANCE. */
export function estimatedCpuMs(mode: ReadMode | null, balances: number): number {
  return balances * CPU_MS_PER_BALANCE[mode ?? "json-rpc-batch"];
}

/**
 * CPU ms one paced request costs the process (bench/pacer_cpu.json: about 0.35 ms per TRON
 * request, the wait between them included), rounded up.
 */
export const CPU_MS_PER_PACED_REQUEST = 0.5;

/** The CPU a paced chain's run still needs: its pace for the time left. */
export function pacedCpuMs(paceRps: number, remainingMs: number): number {
  return Math.max(0, paceRps * (remainingMs / 1000) * CPU_MS_PER_PACED_REQUEST);
}

/**
 * Seconds of a paced (per-call) chain's pace one claim takes. Each claim costs its database round
 * trips, during which the chain is not read: 50-row claims (5 s at 10 rps) left it idle about 2 %
 * of the time. A claim of the whole run (30 s) was sized before the run had measured the rate it
 * reads at, and rows it could not read were released to the back of the line. 10 s claims pay the
 * round trips three times a run, and the later ones are sized at the measured rate (plannedRps).
 */
export const PACED_CLAIM_SECONDS = 10;

/** Rows a paced per-call chain's claim takes: PACED_CLAIM_SECONDS of its pace, at least the batch. */
export function pacedClaimRows(paceRps: number, requestsPerBalance: number, batchSize: number) {
  const perBalance = Math.max(1 / 1000, requestsPerBalance);
  return Math.max(batchSize, Math.ceil((paceRps * PACED_CLAIM_SECONDS) / perBalance));
}

/**
 * Share of a paced chain's rate that its claims plan on. Rows claimed and not read by the run's
 * end are released to the back of the line (a full pass later): at 10 rps that was 5-10 rows a
 * tick in the soak, its oldest rows, and the paced chain's p99 staleness 40 % above its floor.
 * Planning a little under the rate leaves time over instead, which the next, smaller claim uses.
 */
export const PACED_RATE_SHARE = 0.9;

/**
 * The rate a paced chain's next claim plans on: the pace it is allowed, or what this run read it
 * at so far (the pacer waits a round trip per token: a slower node gives less) when lower, times
 * PACED_RATE_SHARE.
 */
export function plannedRps(
  paceRps: number,
  run: { requests: number; readMs: number },
): number {
  const observed = run.readMs >= 1000 && run.requests > 0
    ? run.requests / (run.readMs / 1000)
    : Infinity;
  return Math.min(paceRps, observed) * PACED_RATE_SHARE;
}

export interface ClaimSizeInput {
  /** What the chain's reads call for (claimRowsFor). */
  batchRows: number;
  /** Memory guard: rows this loop may hold at once. */
  heldCap: number;
  /** The rate a paced chain's claim plans on (plannedRps); null when it is not paced. */
  paceRps: number | null;
  /** Requests per balance: measured in this run, else the mode's estimate. */
  requestsPerBalance: number;
  /** Reading time left before the run's deadline. */
  remainingMs: number;
  /** CPU left in the shared budget (cpu.ts), or null where the runtime cannot tell. */
  cpuLeftMs: number | null;
  /** CPU one balance cost so far in this run, or null before the first read. */
  cpuPerRowMs: number | null;
}

/**
 * Rows the next claim takes: what the reads call for, no more than the memory guard, than a
 * paced chain can read in the time left, or than the CPU left can pay for. At least 1 (the caller
 * stops on the deadline and on the budget itself; this only keeps rows from being claimed to be
 * released unread).
 */
export function claimSize(input: ClaimSizeInput): number {
  let limit = Math.min(input.batchRows, input.heldCap);
  if (input.paceRps !== null && input.paceRps > 0) {
    const perBalance = Math.max(1 / 1000, input.requestsPerBalance);
    limit = Math.min(limit, Math.ceil((input.paceRps * input.remainingMs) / 1000 / perBalance));
  }
  if (input.cpuLeftMs !== null && input.cpuPerRowMs !== null && input.cpuPerRowMs > 0) {
    limit = Math.min(limit, Math.floor(input.cpuLeftMs / input.cpuPerRowMs));
  }
  return Math.max(1, Math.floor(limit));
}

/**
 * Time between a run's last read and the next tick: its final writes (a few database calls) and
 * its answer to pg_net, which must be in before the next dispatch() counts the POST as in flight.
 */
export const TICK_HANDOFF_MS = 500;

export interface RunBudgetInput {
  /** The configured budget (BALANCE_SYNC_BUDGET_MS). */
  budgetMs: number;
  /** The most pg_net's timeout allows: the final writes must still fit after it. */
  maxBudgetMs: number;
  /** dispatch's tick (x-balance-sync-tick-at), or null (forced, or an older dispatch). */
  tickAt: string | null;
  /** Time between ticks: the next tick is due this long after this one. */
  intervalMs: number;
  /** Epoch ms now. */
  wallNow: number;
}

/**
 * How long a scheduled run reads. A chain that cannot be drained within the budget (a paced one)
 * would sit idle between the run's end and the next tick; instead the run reads until just before
 * the next tick (TICK_HANDOFF_MS early, so its answer is in before dispatch counts it as still in
 * flight), within what pg_net's timeout allows. Never less than the configured budget; an
 * unreadable or far-off tick changes nothing.
 */
export function runBudgetMs(input: RunBudgetInput): number {
  const tick = input.tickAt === null ? NaN : Date.parse(input.tickAt);
  if (!Number.isFinite(tick)) return input.budgetMs;
  const untilNextTick = tick + input.intervalMs - TICK_HANDOFF_MS - input.wallNow;
  const ceiling = Math.max(input.budgetMs, input.maxBudgetMs);
  return Math.round(Math.min(ceiling, Math.max(input.budgetMs, untilNextTick)));
}
