import { processBatch } from "./batch.ts";
import {
  Deadline,
  type RunContext,
  type RunInput,
  type SyncDeps,
  type SyncSettings,
} from "./context.ts";
import { RunBook, type RunSummary } from "./summary.ts";

/** One run: claim → read → record, repeated while rows are due and the budget allows. */
export async function runSync(
  deps: SyncDeps,
  settings: SyncSettings,
  input: RunInput,
): Promise<RunSummary> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const forced = Boolean(input.filter);
  const book = new RunBook(input.runId, forced);
  const summary = book.summary;
  const ctx: RunContext = {
    deps,
    settings,
    worker: input.runId,
    forced,
    log: deps.log,
    now,
    book,
    pending: new Set(),
    deadline: new Deadline(settings.budgetMs),
  };
  const { log, pending, worker } = ctx;

  log.info("Balance sync run started", {
    kind: summary.kind,
    filter: input.filter ?? null,
    budget_ms: settings.budgetMs,
    batch_size: settings.batchSize,
  });

  let slowestBatch = 0;
  try {
    while (true) {
      if (summary.batches >= settings.maxBatches) {
        summary.stopped = "max_batches";
        break;
      }
      const remaining = settings.budgetMs - (now() - started);
      if (ctx.deadline.passed || remaining <= 0 || remaining < slowestBatch) {
        summary.stopped = "budget";
        break;
      }
      const batchStarted = now();
      const limit = forced ? settings.maxForcedIds : settings.batchSize;
      const claim = await deps.store.claim({
        worker,
        limit,
        leaseSeconds: settings.leaseSeconds,
        minIntervalSeconds: settings.minIntervalSeconds,
        filter: input.filter ?? null,
      });
      for (const row of claim.rows) pending.add(row.id);
      if (forced) {
        summary.busy += claim.busy.length;
        summary.busy_ids = [...(summary.busy_ids ?? []), ...claim.busy];
        for (const id of claim.busy) {
          log.info("Wallet balance is busy in another run", { wallet_balance_id: id });
        }
      }
      if (claim.rows.length === 0) {
        summary.stopped = forced ? "forced" : "drained";
        break;
      }
      summary.batches++;
      summary.claimed += claim.rows.length;
      await processBatch(ctx, claim);
      slowestBatch = Math.max(slowestBatch, now() - batchStarted);
      if (ctx.deadline.passed) {
        summary.stopped = "budget";
        break;
      }
      if (forced) {
        summary.stopped = "forced";
        break;
      }
      if (claim.rows.length < limit) {
        summary.stopped = "drained";
        break;
      }
    }
  } finally {
    ctx.deadline.dispose();
    if (pending.size > 0) {
      // Whatever went wrong, give the rows back now instead of leaving them to the lease.
      const ids = [...pending];
      try {
        summary.released += await deps.store.release(worker, ids);
      } catch (error) {
        log.error("Could not release claimed rows; their lease will expire", {
          rows: ids.length,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
    summary.duration_ms = Math.round(now() - started);
  }

  if (forced) summary.rows = book.reports;
  const { rows: _rows, busy_ids: _busyIds, ...line } = summary;
  log.notice("Balance sync run finished", line);
  return summary;
}
