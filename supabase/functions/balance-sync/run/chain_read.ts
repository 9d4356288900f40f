/**
 * Reading one claimed batch: rows that cannot be read fail before any RPC, each chain's rows are
 * read by its family's reader, all chains in parallel, until the deadline. What comes out
 * (BatchResults) is what record_outcome.ts records and gives back (its BatchRead).
 */
import { humanFromDigits, rawDigits } from "../amount.ts";
import type { ErrorClass } from "../chains/errors.ts";
import type { BalanceOutcome, BalanceQuery, ChainConfig, ChainRead } from "../chains/types.ts";
import type { Claim, ClaimedRow, RowResult } from "../db/store.ts";
import { rowFields } from "./book.ts";
import { DEADLINE } from "./clock.ts";
import type { RunContext } from "./context.ts";

/** What reading a batch produced: results to record, the rows read, and rows left unread. */
export class BatchResults {
  readonly results: RowResult[] = [];
  readonly successes: ClaimedRow[] = [];
  readonly unread: string[] = [];

  constructor(readonly ctx: RunContext, readonly claim: Claim) {}

  fail(row: ClaimedRow, errorClass: ErrorClass, message: string): void {
    this.results.push({ id: row.id, error: message, error_class: errorClass });
    this.ctx.book.rowFailed(row, this.claim, errorClass, message);
    this.ctx.rowLog.warn("Wallet balance sync failed", {
      ...rowFields(row, this.claim),
      error_class: errorClass,
      error: message,
    });
  }

  leaveUnread(row: ClaimedRow): void {
    this.unread.push(row.id);
    this.ctx.book.rowUnread(row, this.claim);
  }
}

/** Reads the claim's rows: every chain of the batch in parallel. */
export async function readBatch(ctx: RunContext, claim: Claim): Promise<BatchResults> {
  const out = new BatchResults(ctx, claim);
  const groups = new Map<string, ClaimedRow[]>();
  for (const row of claim.rows) {
    ctx.book.rowClaimed(row, claim);
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
  return out;
}
/** The promise's value if it settles within `ms`, else DEADLINE; leaves no timer behind. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof DEADLINE> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof DEADLINE>((resolve) => timer = setTimeout(() => resolve(DEADLINE), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The outcome of query `i` (key `key`): readers hand outcomes back in query order
 * (chains/readers.ts), so by position, without a Map of every key; by key for a reader that does
 * not.
 */
function outcomeFinder(outcomes: BalanceOutcome[]): (i: number, key: string) => BalanceOutcome {
  let byKey: Map<string, BalanceOutcome> | undefined;
  return (i, key) => {
    const atPosition = outcomes[i];
    if (atPosition?.key === key) return atPosition;
    byKey ??= new Map(outcomes.map((o) => [o.key, o]));
    return byKey.get(key)!;
  };
}

/** Why a claimed row cannot be read at all, checked before any RPC. */
function configurationProblem(row: ClaimedRow, claim: Claim): string | null {
  if (row.configError) return row.configError;
  const chainError = claim.chainErrors.get(row.chainId);
  if (chainError) return chainError;
  if (!claim.chains.has(row.chainId)) return `chain ${row.chainId} is missing from the claim`;
  return null;
}

/** Reads one chain's rows of a batch and adds every row's outcome to `out`. */
async function readChainBatch(
  ctx: RunContext,
  chain: ChainConfig,
  rows: ClaimedRow[],
  out: BatchResults,
): Promise<void> {
  const { deps, book, deadline, now, log } = ctx;
  const claim = out.claim;
  const queries: BalanceQuery[] = rows.map((row) => ({
    key: row.id,
    address: row.address!,
    token: row.isNative ? null : row.contractAddress,
  }));
  const readStarted = now();
  let read: ChainRead | typeof DEADLINE = DEADLINE;
  try {
    if (!deadline.passed) {
      const timeoutMs = ctx.clock.beforeDeadline() ?? 1;
      const reading = ctx.readLimits.sizesFor(chain, { timeoutMs }).then((sizes) =>
        deps.readers(chain.family).then((reader) =>
          reader(chain, queries, { signal: deadline.signal, env: deps.env, sizes })
        )
      );
      // A read left behind at the deadline must not reject unobserved (that ends the process).
      reading.catch(() => {});
      read = await Promise.race([reading, deadline.reached]);
      // Cut at the deadline: the reader, aborted, hands back what it has read so far (the
      // rest as abort failures); wait a little for it rather than drop balances already paid for.
      if (read === DEADLINE) read = await within(reading, ctx.settings.abortGraceMs);
    }
  } finally {
    book.readTime(chain, Math.round(now() - readStarted));
  }

  if (read === DEADLINE) {
    book.chainNote(chain.id, "run budget ran out before this chain's reader handed back its read");
    for (const row of rows) out.leaveUnread(row);
    return;
  }

  ctx.readLimits.afterRead(chain, read);
  book.chainRead(chain, read);
  const block = read.block === null ? null : read.block.toString();
  // The database refuses a balance without its block; a reader that lost it fails its rows.
  const blockless = "reader reported no block for this read; the balance is not recorded";
  const outcomeOf = outcomeFinder(read.outcomes);
  // After the deadline a failure may be our own abort, not the chain's: retry those later.
  const aborted = deadline.passed;
  const debug = log.enabled("debug");
  const tickAt = ctx.tickAt;

  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    // The registry (chains/readers.ts) never rejects and gives every query exactly one outcome.
    const outcome = outcomeOf(i, row.id);
    if (!outcome.ok) {
      if (aborted) out.leaveUnread(row);
      else out.fail(row, outcome.error.errorClass, outcome.error.message);
      continue;
    }
    if (block === null) {
      out.fail(row, "transient", blockless);
      continue;
    }
    let raw: string;
    let human: string;
    try {
      raw = rawDigits(outcome.raw);
      human = humanFromDigits(raw, row.decimals!);
    } catch (error) {
      out.fail(row, "configuration", `cannot convert balance: ${(error as Error).message}`);
      continue;
    }
    out.results.push(
      tickAt === null ? { id: row.id, raw, human, block } : {
        id: row.id,
        raw,
        human,
        block,
        tick_at: tickAt,
      },
    );
    out.successes.push(row);
    book.rowRead(row, claim, { raw, human, block });
    // Per balance: build the line only when it is written (thousands of balances per run).
    if (debug) {
      log.debug(row.isNative ? "Fetched native asset balance" : "Fetched token asset balance", {
        ...rowFields(row, claim),
        raw,
        human,
        block,
      });
    }
  }
}
