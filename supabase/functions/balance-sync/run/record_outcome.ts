/**
 * Recording one batch: what was read goes to `record` in one call, its answer becomes each row's
 * status in the book, and every row read but not written, or not read at all, is given back.
 */
import type { Claim, ClaimedRow, RecordOutcome, RowResult } from "../db/store.ts";
import type { Logger, RowLineCap } from "../log.ts";
import { rowFields, type RowReport, type RowStatus, type RunBook } from "./book.ts";
import type { RunContext } from "./context.ts";

/** What reading a batch produced (chain_read.ts): results to record, the rows read, rows unread. */
export interface BatchRead {
  readonly claim: Claim;
  readonly results: RowResult[];
  readonly successes: ClaimedRow[];
  readonly unread: string[];
}

/** Records the batch's results and releases what is left: record, then release, each in time. */
export async function recordBatch(ctx: RunContext, out: BatchRead): Promise<void> {
  const { deps, book, pending, runId, log, rowLog, clock } = ctx;
  const claim = out.claim;
  const unread = out.unread;
  if (out.results.length > 0) {
    // record, then release, then the chain lease: each a share of the time before finishBy.
    const outcome = await deps.store.record(runId, out.results, { timeoutMs: clock.write(3) });
    const refused = new Set(outcome.invalid.map((entry) => out.results[entry.index]?.id));
    // A lost row may still be this run's: another service changed its balance under the
    // statement. Release gives it back (release touches only this run's rows).
    const lost = new Set(outcome.lostIds);
    // Refused and lost entries keep their lease until released below (or by the run's final
    // release).
    for (const r of out.results) if (!refused.has(r.id) && !lost.has(r.id)) pending.delete(r.id);
    unread.push(...applyRecordOutcome(book, log, rowLog, claim, out, outcome), ...lost);
    // The rows are written; the chain's loop stops before its next claim (chain_loop.ts).
    for (const chainId of outcome.chainLeasesLost) book.chainLeaseLost(chainId);
  }
  if (unread.length > 0) {
    book.released(await deps.store.release(runId, unread, { timeoutMs: clock.write(2) }));
    for (const id of unread) pending.delete(id);
  }
}

/**
 * Maps what `record` did with each result to the row's status in the run's summary and report.
 * Returns the ids the database refused: they keep their lease and must be released.
 */
function applyRecordOutcome(
  book: RunBook,
  log: Logger,
  rowLog: RowLineCap,
  claim: Claim,
  { results, successes }: BatchRead,
  outcome: RecordOutcome,
): string[] {
  book.recorded(outcome);
  const notApplied = new Map<string, Partial<RowReport> & { status: RowStatus }>([
    ...outcome.staleIds.map((id) => [id, { status: "stale_rejected" as const }] as const),
    ...outcome.lostIds.map((id) => [id, { status: "lost" as const }] as const),
  ]);
  const refused: string[] = [];
  for (const entry of outcome.invalid) {
    const id = results[entry.index]?.id;
    if (!id) continue;
    refused.push(id);
    notApplied.set(id, { status: "released", error: `refused by the database: ${entry.reason}` });
  }
  // The database refused these rows (a legacy column, a trigger, ...) and recorded the refusal as
  // each row's error, with its backoff; the rest of the batch applied.
  for (const entry of outcome.refused) {
    const result = results[entry.index];
    if (!result) continue;
    notApplied.set(result.id, {
      status: "failed",
      error: entry.reason,
      error_class: "permanent",
      raw: undefined,
      human: undefined,
      block: undefined,
    });
    book.recordRefused(claim.rows.find((r) => r.id === result.id), claim, "raw" in result);
  }
  for (const row of successes) {
    const status = notApplied.get(row.id)?.status;
    if (status === "failed") {
      rowLog.warn("Wallet balance not written: the database refused it", {
        ...rowFields(row, claim),
        error: notApplied.get(row.id)?.error,
      });
    } else if (status === undefined) {
      log.debug("Wallet balance synced successfully", rowFields(row, claim));
    } else if (status !== "released") {
      rowLog.warn(
        status === "lost"
          ? "Wallet balance not written: another run holds it now"
          : "Wallet balance not written: a higher block was already recorded",
        rowFields(row, claim),
      );
    }
  }
  if (notApplied.size > 0) {
    rowLog.warn("Not every result was applied", {
      applied: outcome.applied,
      errored: outcome.errored,
      stale_rejected: outcome.staleRejected,
      lost: outcome.lost,
      invalid: outcome.invalid,
      refused: outcome.refused,
    });
  }
  book.amend(notApplied);
  return refused;
}
