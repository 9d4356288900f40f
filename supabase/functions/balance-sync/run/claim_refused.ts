/**
 * Rows the claim picked but the database refused to lease (another service's trigger or check):
 * the claim parked them with a backoff and handed out the rest. They count as failed in this run,
 * and one line names them (their reason is also in balance_sync.why(id)).
 */
import type { Claim } from "../db/store.ts";
import type { RunContext } from "./context.ts";

/** Notes the claim's refused rows in the book and the log; returns how many there were. */
export function noteClaimRefused(ctx: RunContext, claim: Claim): number {
  const refused = claim.refused ?? [];
  if (refused.length === 0) return 0;
  ctx.book.claimRefused(refused.length);
  ctx.log.warn("Wallet balances not claimed: the database refused their lease", {
    refused: refused.length,
    rows: refused.slice(0, 20).map((r) => ({ wallet_balance_id: r.id, error: r.reason })),
  });
  return refused.length;
}
