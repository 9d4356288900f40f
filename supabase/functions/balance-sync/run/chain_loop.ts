/**
 * A scheduled run's loop over one chain: its lease, then claim, read and record until the chain is
 * drained or the run must stop.
 */
import type { ReadMode } from "../chains/types.ts";
import type { StopReason } from "./book.ts";
import { ChainLeases } from "./chain_lease.ts";
import { readBatch } from "./chain_read.ts";
import { noteClaimRefused } from "./claim_refused.ts";
import type { RunContext } from "./context.ts";
import {
  claimRowsFor,
  claimSize,
  estimatedCpuMs,
  pacedClaimRows,
  pacedCpuMs,
  plannedRps,
} from "./caps.ts";
import { recordBatch } from "./record_outcome.ts";

export interface ChainRunOptions {
  /** Memory guard: rows this chain's loop may hold at once (its share of the run's row cap). */
  heldCap: number;
  /** False when the caller knows the chain has no max_rps (no lease to take). */
  rateLimited?: boolean;
  /**
   * How long the run may read once it holds a paced chain's lease (caps.ts runBudgetMs): up
   * to just before the next tick, so that the chain is not left idle between runs.
   */
  pacedBudgetMs?: number;
}

/**
 * A scheduled run's loop over one chain: take the chain lease when the chain is rate-limited,
 * then claim → read → record its due rows until none are left, the deadline, or the CPU budget.
 * Each claim is sized by what the chain can serve (caps.ts): its read mode, its pace in the
 * time left, the CPU left, and the row cap only as a bound on the rows held at once. Each chain of
 * a run has its own loop, so no chain waits for another. Each claim and record renews the chain
 * lease; when one of them says it was lost (the run overran it and another run may read the chain
 * now), the loop ends with `chain_lease_lost`.
 */
export async function runChain(
  ctx: RunContext,
  chainId: string,
  options: ChainRunOptions,
): Promise<StopReason> {
  const { deps, settings, runId, book, clock } = ctx;
  const entry = book.chain(chainId);
  // A function, not a narrowed field: claim and record (recordBatch) change it under the loop.
  const leaseLost = () => entry.lease === "lost";
  const stop = (reason: StopReason) =>
    book.chainStopped(chainId, ctx.unloading !== null && reason !== "drained" ? "unload" : reason);

  const leases = new ChainLeases(ctx);
  // Requests per second of a rate-limited chain: a claim takes no more rows than the chain can
  // read in the time left, so rows are not claimed only to be released unread at the deadline.
  // Requests per balance: about 1 per call, 1/200 with multicall, then what this run measured.
  let pace: number | null = null;
  /** CPU past which this run claims no more: the shared budget, more for a paced run (below). */
  let cpuCeilingMs = settings.cpuBudgetMs;
  let requestsPerBalance = 1;
  // What the lease says of the chain's reads, before this run has read any.
  let leaseMulticall = false;
  if (options.rateLimited !== false) {
    const timeoutMs = clock.beforeDeadline();
    if (timeoutMs === null) return stop("budget");
    const lease = await leases.take(chainId, timeoutMs);
    if (!lease.acquired && !lease.rateLimited) {
      book.chainNote(chainId, "no chain has this id; nothing to read");
      return stop("drained");
    }
    if (!lease.acquired) {
      book.chainBusy(
        { id: chainId },
        `another run (${lease.holder ?? "unknown"}) reads this rate-limited chain; ` +
          `its lease runs until ${
            lease.lockedUntil ?? "unknown"
          }, so this run claimed none of its rows`,
      );
      return stop("chain_busy");
    }
    if (lease.rateLimited) {
      pace = lease.maxRps ?? null;
      if (lease.multicall) requestsPerBalance = 1 / 200;
      leaseMulticall = lease.multicall === true;
      // A paced chain is rarely drained within the budget: read on until the next tick.
      if (
        pace !== null && options.pacedBudgetMs !== undefined && ctx.unloading === null &&
        options.pacedBudgetMs > clock.budgetMs
      ) {
        clock.extendBudget(options.pacedBudgetMs);
        ctx.deadline.extend(options.pacedBudgetMs - clock.elapsed());
      }
      // Its CPU is known in advance: set it aside, so the bulk runs it overlaps leave it room.
      if (pace !== null && pace > 0 && !lease.multicall) {
        const rps = pace;
        ctx.cpuShare.reserve(() => pacedCpuMs(rps, clock.budgetMs - clock.elapsed()));
        // The bulk runs leave it the reservation; the estimate per request can be short of what
        // a request costs on a busy isolate, and the run's work is bounded by its pace anyway.
        // Stopping it halfway left the chain idle for the rest of the tick (the soak: 200 of
        // 265 requests in some ticks), so it may go past the budget by one run's reservation.
        cpuCeilingMs = settings.cpuBudgetMs + pacedCpuMs(rps, clock.budgetMs);
      }
    }
  }

  try {
    // An unpaced chain stops once the time left is less than its slowest batch so far. A paced
    // chain's claim is sized to what its pace reads in the time left, so it reads to the deadline:
    // only the batch's own cost (claim, record, reader set-up: its slowest so far) is kept back.
    let slowestBatch = 0;
    let slowestOverhead = 0;
    const paced = pace !== null && pace > 0 ? pace : null;
    while (true) {
      if (book.summary.batches >= settings.maxBatches) return stop("max_batches");
      // The budget is the process's, shared with the runs that overlap this one (cpu.ts); where
      // the runtime cannot tell, the balances this run read at the benchmark's CPU per balance.
      const read = entry.synced + entry.failed;
      const cpu = ctx.cpuShare.used() ?? estimatedCpuMs(entry.mode as ReadMode | null, read);
      if (cpu >= cpuCeilingMs) return stop("cpu");
      const remaining = clock.budgetMs - clock.elapsed();
      const timeoutMs = clock.beforeDeadline();
      const needed = paced === null ? slowestBatch : slowestOverhead + 1000 / paced;
      if (ctx.deadline.passed || timeoutMs === null || remaining < needed) {
        return stop("budget");
      }
      const batchStarted = ctx.now();
      const readBefore = entry.read_ms;
      if (read > 0 && entry.rpc_requests > 0) {
        requestsPerBalance = Math.max(1 / 1000, entry.rpc_requests / read);
      }
      // CPU per balance: the budget's measure over this run's balances (an upper bound when runs
      // overlap: the claim is then smaller, never larger).
      const runRead = book.summary.synced + book.summary.failed;
      const mode = (entry.mode as ReadMode | null) ?? (leaseMulticall ? "multicall" : null);
      const limit = claimSize({
        batchRows: paced !== null && mode !== "multicall"
          ? pacedClaimRows(paced, requestsPerBalance, settings.batchSize)
          : claimRowsFor(mode, settings.batchSize),
        heldCap: options.heldCap,
        paceRps: paced === null
          ? null
          : plannedRps(paced, { requests: entry.rpc_requests, readMs: entry.read_ms }),
        requestsPerBalance,
        remainingMs: remaining - slowestOverhead,
        // The runs in flight may all claim at once: each plans on its share of the CPU left, at
        // the window's CPU per row (their last batches together went 50-140 ms past the budget).
        cpuLeftMs: (cpuCeilingMs - cpu) / ctx.cpuShare.sharers(),
        cpuPerRowMs: ctx.cpuShare.cpuPerRow() ?? (runRead > 0 ? cpu / runRead : null),
      });
      // The setting as this run read it (a database that predates balance_sync_run_settings
      // needs a number here).
      const claim = await deps.store.claim({
        runId,
        limit,
        leaseSeconds: settings.leaseSeconds,
        minIntervalSeconds: settings.minIntervalSeconds,
        filter: { chain_id: chainId, scheduled: true },
      }, { timeoutMs });
      for (const row of claim.rows) ctx.pending.add(row.id);
      if (claim.chainLease === "lost") {
        book.chainLeaseLost(chainId, {
          by: claim.chainLeaseHolder ?? null,
          until: claim.chainLeaseLockedUntil ?? null,
        });
      }
      if (leaseLost()) {
        // The lease is no longer this run's to give back.
        leases.forget(chainId);
        return stop("chain_lease_lost");
      }
      // Rows the database refused to lease are parked by the claim (the next claim skips them):
      // they do not end the chain's loop, the rows behind them are claimed next.
      const picked = claim.rows.length + noteClaimRefused(ctx, claim);
      if (picked === 0) return stop("drained");
      if (claim.rows.length > 0) {
        book.claimed(claim.rows.length);
        await recordBatch(ctx, await readBatch(ctx, claim));
        ctx.cpuShare.rowsRead(claim.rows.length);
      }
      const took = ctx.now() - batchStarted;
      slowestBatch = Math.max(slowestBatch, took);
      slowestOverhead = Math.max(slowestOverhead, took - (entry.read_ms - readBefore));
      if (leaseLost()) {
        leases.forget(chainId);
        return stop("chain_lease_lost");
      }
      if (ctx.deadline.passed) return stop("budget");
      if (picked < limit) return stop("drained");
    }
  } finally {
    await leases.giveBack();
  }
}
