import type { Logger, RowLineCap } from "../log.ts";
import type { Claim, ClaimedRow, RecordOutcome, RowResult } from "../db/store.ts";
import { rowFields, type RowReport, type RowStatus, type RunBook } from "./book.ts";

/**
 * Maps what `record` did with each result to the row's status in the run's summary and report.
 * Returns the ids the database refused: they keep their lease and must be released.
 */
export function applyRecordOutcome(
  book: RunBook,
  log: Logger,
  rowLog: RowLineCap,
  claim: Claim,
  results: RowResult[],
  successes: ClaimedRow[],
  outcome: RecordOutcome,
): string[] {
  const summary = book.summary;
  summary.synced += outcome.applied;
  summary.failed += outcome.errored;
  summary.stale_rejected += outcome.staleRejected;
  summary.lost += outcome.lost;
  summary.invalid += outcome.invalid.length;
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
    summary.failed++;
    notApplied.set(result.id, {
      status: "failed",
      error: entry.reason,
      error_class: "permanent",
      raw: undefined,
      human: undefined,
      block: undefined,
    });
    const row = claim.rows.find((r) => r.id === result.id);
    if (row && "raw" in result) {
      const chain = book.chain(row.chainId, claim.chains.get(row.chainId));
      chain.synced--;
      chain.failed++;
      chain.errors_by_class.permanent = (chain.errors_by_class.permanent ?? 0) + 1;
    }
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
