import { BatchResults, configurationProblem, readChainBatch } from "./chain_read.ts";
import type { RunContext } from "./context.ts";
import { applyRecordOutcome } from "./record_outcome.ts";
import type { Claim, ClaimedRow } from "../db/store.ts";
import { noteChainLeaseLost } from "./chain_lease.ts";

/** One claimed batch: check, read every chain in parallel, record, give back what was not read. */
export async function processBatch(ctx: RunContext, claim: Claim): Promise<void> {
  const { deps, book, pending, runId, log, rowLog, clock } = ctx;
  const out = new BatchResults(ctx, claim);

  const groups = new Map<string, ClaimedRow[]>();
  for (const row of claim.rows) {
    book.chain(row.chainId, claim.chains.get(row.chainId)).rows++;
    const problem = configurationProblem(row, claim);
    if (problem) {
      out.fail(row, "configuration", problem);
      continue;
    }
    const group = groups.get(row.chainId);
    if (group) group.push(row);
    else groups.set(row.chainId, [row]);
  }

  await Promise.all(
    [...groups].map(([chainId, rows]) =>
      readChainBatch(ctx, claim.chains.get(chainId)!, rows, out)
    ),
  );

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
    unread.push(
      ...applyRecordOutcome(book, log, rowLog, claim, out.results, out.successes, outcome),
      ...lost,
    );
    // The rows are written; the chain's loop stops before its next claim (chain_run.ts).
    for (const chainId of outcome.chainLeasesLost) noteChainLeaseLost(ctx, chainId);
  }
  if (unread.length > 0) {
    book.summary.released += await deps.store.release(runId, unread, {
      timeoutMs: clock.write(2),
    });
    for (const id of unread) pending.delete(id);
  }
}
