/**
 * One run, from its settings to its summary: a forced run's one claim, one chain's loop, or every
 * due chain's loop in parallel (chain_loop.ts); whatever it still holds at its end is given back.
 */
import { SETTING_DEFAULTS } from "../config.ts";
import { RowLineCap } from "../log.ts";
import { RunBook, type RunSummary, STOP_ORDER, type StopReason } from "./book.ts";
import { runBudgetMs } from "./caps.ts";
import { ChainLeases } from "./chain_lease.ts";
import { runChain } from "./chain_loop.ts";
import { readBatch } from "./chain_read.ts";
import { noteClaimRefused } from "./claim_refused.ts";
import { Deadline, RunClock } from "./clock.ts";
import type { RunContext, RunInput, SyncDeps } from "./context.ts";
import { isolateCpu, startCpuClock } from "./cpu.ts";
import { ReadLimitsBook } from "./read_limits_book.ts";
import { recordBatch } from "./record_outcome.ts";
import { settingsOfRun, type SyncSettings } from "./settings.ts";
import { UNLOAD_RELEASE_MS } from "./unload.ts";

/**
 * One run.
 * - Scheduled, one chain (`chainId`): that chain's loop (chain_loop.ts) until it is drained, the
 *   deadline or the CPU budget; a paced chain reads until just before the next tick.
 * - Scheduled, every chain: the chains with due rows, each its own loop in parallel, so that a
 *   slow chain never holds up another; the row cap, a bound on the rows held at once, is shared
 *   equally.
 * - Forced (`filter`): one claim of what the filter names, read and recorded.
 *
 * Settings: the function's own (its secrets) and the database's (balance_sync_run_settings: the
 * minimum interval, rows per run and pg_net's timeout), read in one call at the start of the run,
 * forced or scheduled, so that the run follows the values dispatch and record follow.
 *
 * Guarantees: it stops claiming at the budget and answers within pg_net's timeout (its store
 * calls get shrinking timeouts); a row's failure is recorded on that row, not thrown; every row it
 * still holds when it ends, by return or by throw, is released (or, if the database is down, left
 * to its lease). It throws when the store does (StoreUnavailable, FilterNotFound).
 */
export async function runSync(
  deps: SyncDeps,
  ownSettings: SyncSettings,
  input: RunInput,
): Promise<RunSummary> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  // Before anything is claimed: the budget's first milliseconds, within one call's timeout.
  const fromDatabase = await deps.store.runSettings({
    timeoutMs: Math.max(1, Math.min(ownSettings.storeTimeoutMs, ownSettings.budgetMs)),
  });
  if (fromDatabase === null) {
    deps.log.warn(
      "balance_sync_run_settings is missing: apply the migrations (supabase db push); until then " +
        "runs follow the settings' defaults",
      { ...SETTING_DEFAULTS },
    );
  }
  const settings = settingsOfRun(ownSettings, fromDatabase ?? SETTING_DEFAULTS);
  const forced = Boolean(input.filter);
  const book = new RunBook(input.runId, forced, {
    chainId: forced ? null : input.chainId ?? null,
    rowsCap: forced ? settings.maxForcedIds : settings.maxRowsPerRun,
  }, deps.log);
  const summary = book.summary;
  const cpuBudget = deps.cpuBudget ?? isolateCpu;
  const ctx: RunContext = {
    deps,
    settings,
    runId: input.runId,
    forced,
    log: deps.log,
    now,
    book,
    pending: new Set(),
    deadline: new Deadline(Math.max(1, settings.budgetMs - (now() - started))),
    clock: new RunClock(
      now,
      started,
      settings.budgetMs,
      settings.pgNetTimeoutMs,
      settings.storeTimeoutMs,
    ),
    cpu: startCpuClock(cpuBudget.read),
    cpuShare: cpuBudget.begin(),
    unloading: null,
    tickAt: forced ? null : input.tickAt ?? null,
    rowLog: new RowLineCap(deps.log, settings.maxRowLogLines),
    readLimits: new ReadLimitsBook(deps.store, deps.log),
  };
  const { log, pending, runId } = ctx;
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolve) => ended = resolve);
  const leave = deps.inFlight?.add({
    stop: (reason) => {
      if (ctx.unloading !== null) return;
      ctx.unloading = reason;
      ctx.clock.endWithin(UNLOAD_RELEASE_MS);
      ctx.deadline.stop(`the worker is ending (${reason})`);
    },
    ended: endedPromise,
  });

  log.info("Balance sync run started", {
    kind: summary.kind,
    filter: input.filter ?? null,
    chain_id: summary.chain_id ?? null,
    budget_ms: settings.budgetMs,
    batch_size: settings.batchSize,
    // balance_sync.settings, as this run follows them
    rows_per_run: settings.maxRowsPerRun,
    pg_net_timeout_ms: settings.pgNetTimeoutMs,
    min_interval_seconds: settings.minIntervalSeconds,
  });

  try {
    if (ctx.unloading !== null) book.stop("unload");
    else if (forced) book.stop(await runForced(ctx, input));
    else if (input.chainId) {
      book.stop(
        await runChain(ctx, input.chainId, {
          heldCap: settings.maxRowsPerRun,
          pacedBudgetMs: runBudgetMs({
            budgetMs: settings.budgetMs,
            maxBudgetMs: settings.pgNetTimeoutMs - settings.storeTimeoutMs,
            tickAt: ctx.tickAt,
            intervalMs: settings.minIntervalSeconds * 1000,
            wallNow: Date.now(),
          }),
        }),
      );
    } else book.stop(await runEveryChain(ctx));
  } finally {
    ctx.deadline.dispose();
    if (pending.size > 0) {
      // Whatever went wrong, give the rows back now instead of leaving them to the lease.
      const ids = [...pending];
      try {
        book.released(await deps.store.release(runId, ids, { timeoutMs: ctx.clock.write(1) }));
        pending.clear();
      } catch (error) {
        log.error("Could not release claimed rows; their lease will expire", {
          rows: ids.length,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
    // What the reads learned about the chains' providers, for the next run (one call per chain).
    await ctx.readLimits.saveAll({ timeoutMs: ctx.clock.write(1) });
    book.finish({
      durationMs: Math.round(now() - started),
      cpuMs: ctx.cpu(),
      logLinesOmitted: ctx.rowLog.omitted,
    });
    ctx.cpuShare.end();
    leave?.();
    ended();
  }
  if (ctx.unloading !== null) book.stop("unload");

  const answer = book.answer();
  log.notice("Balance sync run finished", summaryLine(answer));
  return answer;
}

/** Room for the summary line within the platform's 10,000 characters per log event. */
const SUMMARY_LINE_CHARS = 8_000;

/**
 * The summary as logged: without the forced run's rows; over many chains, each chain in short
 * (counts and why it stopped), so that the line stays whole within the platform's limit.
 */
function summaryLine(summary: RunSummary): Record<string, unknown> {
  const { rows: _rows, busy_ids: _busyIds, unknown_ids: _unknownIds, ...line } = summary;
  if (JSON.stringify(line).length <= SUMMARY_LINE_CHARS) return line;
  const chains = Object.fromEntries(
    Object.values(summary.chains).map((c) => [c.id, {
      name: c.name.slice(0, 40),
      synced: c.synced,
      failed: c.failed,
      released: c.released,
      ...(c.stopped ? { stopped: c.stopped } : {}),
    }]),
  );
  return { ...line, chains, chains_in_short: true };
}

/** Every chain with due rows, in parallel, each with its share of the rows held at once. */
async function runEveryChain(ctx: RunContext): Promise<StopReason> {
  const timeoutMs = ctx.clock.beforeDeadline();
  if (timeoutMs === null) return "budget";
  const due = await ctx.deps.store.dueChains(ctx.settings.minIntervalSeconds, { timeoutMs });
  if (due.length === 0) return "drained";
  const share = Math.max(1, Math.floor(ctx.settings.maxRowsPerRun / due.length));
  const settled = await Promise.allSettled(
    due.map((chain) => {
      ctx.book.chainNamed(chain.chainId, chain.name);
      return runChain(ctx, chain.chainId, { heldCap: share, rateLimited: chain.rateLimited });
    }),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  const reasons = settled.map((s) => (s as PromiseFulfilledResult<StopReason>).value);
  return STOP_ORDER.find((reason) => reasons.includes(reason)) ?? "drained";
}

/**
 * A forced run: one claim of the filter's rows (due or not), read and recorded. Rows of a
 * rate-limited chain are read only under that chain's lease: when another run holds it, they
 * are given back and reported busy.
 */
async function runForced(ctx: RunContext, input: RunInput): Promise<StopReason> {
  const { deps, settings, book, runId } = ctx;
  const timeoutMs = ctx.clock.beforeDeadline();
  if (timeoutMs === null) return "budget";
  const claim = await deps.store.claim({
    runId,
    limit: settings.maxForcedIds,
    leaseSeconds: settings.leaseSeconds,
    minIntervalSeconds: settings.minIntervalSeconds,
    filter: input.filter ?? null,
  }, { timeoutMs });
  for (const row of claim.rows) ctx.pending.add(row.id);
  const busy = [...claim.busy];
  const leases = new ChainLeases(ctx);
  try {
    for (const chain of claim.chains.values()) {
      if (chain.maxRps === null) continue;
      const lease = await leases.take(chain.id, ctx.clock.beforeDeadline() ?? 1);
      if (lease.acquired || !lease.rateLimited) continue;
      book.chainBusy(
        { id: chain.id, config: chain },
        `another run (${lease.holder ?? "unknown"}) reads this rate-limited chain`,
      );
      const ids = claim.rows.filter((r) => r.chainId === chain.id).map((r) => r.id);
      claim.rows = claim.rows.filter((r) => r.chainId !== chain.id);
      await deps.store.release(runId, ids, { timeoutMs: ctx.clock.write(2) });
      for (const id of ids) ctx.pending.delete(id);
      busy.push(...ids);
    }
    book.busy(busy);
    for (const id of busy) {
      ctx.rowLog.info("Wallet balance is busy in another run", { wallet_balance_id: id });
    }
    if (claim.unknownIds?.length) {
      book.unknown(claim.unknownIds);
      ctx.log.warn("Force-sync named ids that match no row", {
        unknown: claim.unknownIds.length,
        unknown_ids: claim.unknownIds.slice(0, 20),
      });
    }
    noteClaimRefused(ctx, claim);
    if (claim.rows.length === 0) return "forced";
    book.claimed(claim.rows.length);
    await recordBatch(ctx, await readBatch(ctx, claim));
    return ctx.deadline.passed ? "budget" : "forced";
  } finally {
    await leases.giveBack();
  }
}
