import { processBatch } from "./batch.ts";
import { noteChainLeaseLost } from "./chain_lease_lost.ts";
import { noteClaimRefused } from "./claim_refused.ts";
import type { RunContext } from "./context.ts";
import type { StopReason } from "./summary.ts";

export interface ChainRunOptions {
  /** Rows this chain's loop may claim in this run (its share of the run's cap). */
  rowCap: number;
  /** False when the caller knows the chain has no max_rps (no lease to take). */
  rateLimited?: boolean;
}

/**
 * A scheduled run's loop over one chain: take the chain lease when the chain is rate-limited,
 * then claim → read → record its due rows until none are left, the deadline, or a cap. Each
 * chain of a run has its own loop, so no chain waits for another. Each claim and record renews the
 * chain lease; when one of them says it was lost (the run overran it and another run may read the
 * chain now), the loop ends with `chain_lease_lost`.
 */
export async function runChain(
  ctx: RunContext,
  chainId: string,
  options: ChainRunOptions,
): Promise<StopReason> {
  const { deps, settings, runId, book, clock, log } = ctx;
  const entry = book.chain(chainId);
  // A function, not a narrowed field: claim and record (processBatch) change it under the loop.
  const leaseLost = () => entry.lease === "lost";
  const stop = (reason: StopReason) =>
    entry.stopped = ctx.unloading !== null && reason !== "drained" ? "unload" : reason;

  let leased = false;
  // Requests per second of a rate-limited chain: a claim takes no more rows than the chain can
  // read in the time left, so rows are not claimed only to be released unread at the deadline.
  // Requests per balance: about 1 per call, 1/200 with multicall, then what this run measured.
  let pace: number | null = null;
  let requestsPerBalance = 1;
  if (options.rateLimited !== false) {
    const timeoutMs = clock.beforeDeadline();
    if (timeoutMs === null) return stop("budget");
    const lease = await deps.store.acquireChain(runId, chainId, settings.leaseSeconds, {
      timeoutMs,
    });
    if (!lease.acquired && !lease.rateLimited) {
      entry.note = "no chain has this id; nothing to read";
      return stop("drained");
    }
    if (!lease.acquired) {
      entry.lease = "busy";
      entry.note = `another run (${lease.holder ?? "unknown"}) reads this rate-limited chain; ` +
        `its lease runs until ${
          lease.lockedUntil ?? "unknown"
        }, so this run claimed none of its rows`;
      return stop("chain_busy");
    }
    leased = lease.rateLimited;
    if (leased) {
      entry.lease = "held";
      pace = lease.maxRps ?? null;
      if (lease.multicall) requestsPerBalance = 1 / 200;
    }
  }

  try {
    let claimed = 0;
    let slowestBatch = 0;
    while (true) {
      if (book.summary.batches >= settings.maxBatches) return stop("max_batches");
      if (claimed >= options.rowCap) return stop("rows_cap");
      // The budget is the process's, shared with the runs that overlap this one (cpu.ts).
      const cpu = ctx.cpuShare.used();
      if (cpu !== null && cpu >= settings.cpuBudgetMs) return stop("cpu");
      const remaining = settings.budgetMs - clock.elapsed();
      const timeoutMs = clock.beforeDeadline();
      if (ctx.deadline.passed || timeoutMs === null || remaining < slowestBatch) {
        return stop("budget");
      }
      const batchStarted = ctx.now();
      let limit = Math.min(settings.batchSize, options.rowCap - claimed);
      if (pace !== null && pace > 0) {
        const read = entry.synced + entry.failed;
        if (read > 0 && entry.rpc_requests > 0) {
          requestsPerBalance = Math.max(1 / 1000, entry.rpc_requests / read);
        }
        const readable = Math.ceil((pace * remaining) / 1000 / requestsPerBalance);
        limit = Math.min(limit, Math.max(1, readable));
      }
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
        noteChainLeaseLost(ctx, chainId, {
          by: claim.chainLeaseHolder ?? null,
          until: claim.chainLeaseLockedUntil ?? null,
        });
      }
      if (leaseLost()) {
        // The lease is no longer this run's to give back.
        leased = false;
        return stop("chain_lease_lost");
      }
      // Rows the database refused to lease are parked by the claim (the next claim skips them):
      // they do not end the chain's loop, the rows behind them are claimed next.
      const picked = claim.rows.length + noteClaimRefused(ctx, claim);
      if (picked === 0) return stop("drained");
      if (claim.rows.length > 0) {
        book.summary.batches++;
        book.summary.claimed += claim.rows.length;
        claimed += claim.rows.length;
        await processBatch(ctx, claim);
      }
      slowestBatch = Math.max(slowestBatch, ctx.now() - batchStarted);
      if (leaseLost()) {
        leased = false;
        return stop("chain_lease_lost");
      }
      if (ctx.deadline.passed) return stop("budget");
      if (picked < limit) return stop("drained");
    }
  } finally {
    if (leased) {
      try {
        await deps.store.releaseChain(runId, chainId, { timeoutMs: clock.write(2) });
      } catch (error) {
        log.error("Could not release the chain lease; it will expire", {
          chain_id: chainId,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
  }
}
