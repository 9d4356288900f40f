/** In-memory stand-ins for the DB contract and the chain readers, for the run's unit tests. */
import type {
  BalanceQuery,
  ChainConfig,
  ChainFamily,
  ChainRead,
  ChainReader,
  ReadOptions,
} from "../../supabase/functions/balance-sync/chains/types.ts";
import { ReadError } from "../../supabase/functions/balance-sync/chains/errors.ts";
import { chainConfig } from "../support/chain_reads.ts";
import type { LogLevel } from "../../supabase/functions/balance-sync/log.ts";
import { createLogger } from "../../supabase/functions/balance-sync/log.ts";
import type {
  Claim,
  ClaimedRow,
  ClaimOptions,
  RecordOutcome,
  RowResult,
  Store,
} from "../../supabase/functions/balance-sync/store.ts";

export const chain = (
  id: string,
  family: ChainFamily,
  extra: Partial<ChainConfig> = {},
): ChainConfig => chainConfig({ id, name: id, family, rpcUrl: `http://${id}.invalid`, ...extra });

let counter = 0;
export const row = (chainId: string, extra: Partial<ClaimedRow> = {}): ClaimedRow => {
  counter++;
  const n = counter.toString(16).padStart(12, "0");
  return {
    id: `00000000-0000-4000-8000-${n}`,
    walletId: `10000000-0000-4000-8000-${n}`,
    assetOnChainId: `20000000-0000-4000-8000-${chainId.length.toString(16).padStart(12, "0")}`,
    assetId: "30000000-0000-4000-8000-000000000001",
    chainId,
    address: `addr-${n}`,
    contractAddress: null,
    decimals: 18,
    isNative: true,
    configError: null,
    ...extra,
  };
};

export interface FakeRow extends ClaimedRow {
  lockedBy: string | null;
  raw: string | null;
  human: string | null;
  block: string | null;
  syncCount: number;
  errorCount: number;
  lastError: string | null;
  /** Not due for scheduled runs (already synced within the interval). */
  fresh: boolean;
}

/** Claims in insertion order, honours leases, counts every call; no due-ness beyond `fresh`. */
export class FakeStore implements Store {
  rows: FakeRow[];
  calls: { op: string; args: unknown }[] = [];
  failOn: Partial<Record<"claim" | "record" | "release", Error>> = {};
  /** Ids whose result record() refuses as invalid (changing nothing, as the real one does). */
  invalidIds = new Set<string>();
  /** Rows the database itself refuses (say, a legacy trigger): recorded as their error. */
  refusedIds = new Set<string>();

  constructor(readonly chains: ChainConfig[], rows: ClaimedRow[]) {
    this.rows = rows.map((r) => ({
      ...r,
      lockedBy: null,
      raw: null,
      human: null,
      block: null,
      syncCount: 0,
      errorCount: 0,
      lastError: null,
      fresh: false,
    }));
  }

  lockedRows(): FakeRow[] {
    return this.rows.filter((r) => r.lockedBy !== null);
  }

  get(id: string): FakeRow {
    return this.rows.find((r) => r.id === id)!;
  }

  claim(options: ClaimOptions): Promise<Claim> {
    this.calls.push({ op: "claim", args: options });
    if (this.failOn.claim) return Promise.reject(this.failOn.claim);
    const f = options.filter as Record<string, unknown> | null | undefined;
    const matches = (r: FakeRow) => {
      if (!f) return !r.fresh;
      if (f.wallet_id) return r.walletId === f.wallet_id;
      if (f.chain_id) return r.chainId === f.chain_id;
      if (f.asset_on_chain_id) return r.assetOnChainId === f.asset_on_chain_id;
      return (f.wallet_balance_ids as string[]).includes(r.id);
    };
    const candidates = this.rows.filter(matches);
    const busy = f ? candidates.filter((r) => r.lockedBy !== null).map((r) => r.id) : [];
    const picked = candidates.filter((r) => r.lockedBy === null).slice(0, options.limit);
    for (const r of picked) r.lockedBy = options.worker;
    const chains = new Map<string, ChainConfig>();
    for (const r of picked) {
      const c = this.chains.find((c) => c.id === r.chainId);
      if (c) chains.set(c.id, c);
    }
    const rows = picked.map((
      {
        lockedBy: _l,
        raw: _r,
        human: _h,
        block: _b,
        syncCount: _s,
        errorCount: _e,
        lastError: _x,
        fresh: _f,
        ...rest
      },
    ) => rest);
    return Promise.resolve({ rows, chains, chainErrors: new Map(), busy });
  }

  record(worker: string, results: RowResult[]): Promise<RecordOutcome> {
    this.calls.push({ op: "record", args: { worker, results } });
    if (this.failOn.record) return Promise.reject(this.failOn.record);
    const outcome: RecordOutcome = {
      applied: 0,
      errored: 0,
      staleRejected: 0,
      lost: 0,
      staleIds: [],
      lostIds: [],
      invalid: [],
      refused: [],
    };
    for (const [index, result] of results.entries()) {
      if (this.refusedIds.has(result.id)) {
        const r = this.get(result.id);
        const reason = "refused by the database: wallet is frozen";
        r.lockedBy = null;
        r.errorCount++;
        r.lastError = reason;
        outcome.refused.push({ index, id: result.id, reason });
        continue;
      }
      if (this.invalidIds.has(result.id)) {
        outcome.invalid.push({ index, id: result.id, reason: "human does not equal raw" });
        continue;
      }
      const r = this.get(result.id);
      if (r.lockedBy !== worker) {
        outcome.lost++;
        outcome.lostIds.push(result.id);
        continue;
      }
      r.lockedBy = null;
      if ("error" in result) {
        r.errorCount++;
        r.lastError = result.error;
        outcome.errored++;
      } else {
        r.raw = result.raw;
        r.human = result.human;
        r.block = result.block;
        r.syncCount++;
        r.fresh = true;
        outcome.applied++;
      }
    }
    return Promise.resolve(outcome);
  }

  release(worker: string, ids: string[]): Promise<number> {
    this.calls.push({ op: "release", args: { worker, ids } });
    if (this.failOn.release) return Promise.reject(this.failOn.release);
    let n = 0;
    for (const id of ids) {
      const r = this.get(id);
      if (r.lockedBy === worker) {
        r.lockedBy = null;
        n++;
      }
    }
    return Promise.resolve(n);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export type Behaviour =
  | { kind: "balances"; balances: Map<string, bigint>; block?: bigint }
  | { kind: "fail"; error: ReadError }
  /** Resolves only when the run's signal aborts, then answers every query with an abort error. */
  | { kind: "hang-until-abort" }
  /** Never resolves: a reader that ignores the signal. */
  | { kind: "hang" };

/** A reader per family whose behaviour is set per chain id; records calls and overlap. */
export class FakeReaders {
  behaviour = new Map<string, Behaviour>();
  calls: { chain: string; queries: BalanceQuery[]; options?: ReadOptions }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  loaded: ChainFamily[] = [];
  /** Per-chain gates: a read waits for its gate before answering. */
  gates = new Map<string, Promise<void>>();

  registry = (family: ChainFamily): Promise<ChainReader> => {
    this.loaded.push(family);
    return Promise.resolve(this.reader);
  };

  reader: ChainReader = async (chain, queries, options) => {
    this.calls.push({ chain: chain.id, queries, options });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gates.get(chain.id);
      const b: Behaviour = this.behaviour.get(chain.id) ??
        { kind: "balances", balances: new Map() };
      if (b.kind === "hang") return await new Promise<ChainRead>(() => {});
      if (b.kind === "hang-until-abort") {
        await new Promise<void>((resolve) => {
          if (options?.signal?.aborted) resolve();
          options?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        return {
          block: null,
          requests: 1,
          mode: "per-call",
          outcomes: queries.map((q) => ({
            key: q.key,
            ok: false as const,
            error: new ReadError("transient", "request aborted"),
          })),
        };
      }
      if (b.kind === "fail") {
        return {
          block: null,
          requests: 1,
          mode: "multicall",
          outcomes: queries.map((q) => ({ key: q.key, ok: false as const, error: b.error })),
        };
      }
      return {
        block: b.block ?? 100n,
        requests: 1,
        mode: "multicall",
        outcomes: queries.map((q) => {
          const raw = b.balances.get(q.address);
          return raw === undefined
            ? {
              key: q.key,
              ok: false as const,
              error: new ReadError("permanent", "no such account"),
            }
            : { key: q.key, ok: true as const, raw };
        }),
      };
    } finally {
      this.inFlight--;
    }
  };
}

export function captureLog(level: LogLevel = "debug") {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = createLogger({
    level,
    sink: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line));
    },
  });
  return { log, lines, raw };
}

/** Exact raw -> human for tests that do not exercise amount.ts itself. */
export function plainToHuman(raw: bigint, decimals: number): string {
  if (decimals < 0 || decimals > 77) throw new RangeError(`bad decimals ${decimals}`);
  const negative = raw < 0n;
  const digits = (negative ? -raw : raw).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
