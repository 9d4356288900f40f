import type { ChainConfig } from "./chains/types.ts";
import type { ErrorClass } from "./errors.ts";
import type { ForcedFilter } from "./request.ts";

/** One wallet_balances row as `balance_sync_claim` hands it out. */
export interface ClaimedRow {
  id: string;
  /** Null only on legacy rows; such a row comes with a configError (no active address). */
  walletId: string | null;
  assetOnChainId: string;
  /** asset_on_chain.asset_id is nullable in legacy schemas. */
  assetId: string | null;
  chainId: string;
  address: string | null;
  contractAddress: string | null;
  decimals: number | null;
  isNative: boolean;
  /** Why the row cannot be read (no active address, token without contract, ...), or null. */
  configError: string | null;
}

export interface Claim {
  rows: ClaimedRow[];
  chains: Map<string, ChainConfig>;
  /** Chains whose row is unusable (unknown family, no RPC URL): their rows are recorded as errors. */
  chainErrors: Map<string, string>;
  /** Forced claims only: matching rows whose live lease belongs to another run. */
  busy: string[];
}

export type RowResult =
  | { id: string; raw: string; human: string; block: string | null }
  | { id: string; error: string; error_class: ErrorClass };

export interface RecordOutcome {
  applied: number;
  errored: number;
  staleRejected: number;
  lost: number;
  /** Rows whose balance was kept because it was observed at a higher block. */
  staleIds: string[];
  /** Rows this run no longer held: another run took them over. */
  lostIds: string[];
  invalid: { index: number; id: unknown; reason: string }[];
}

export interface ClaimOptions {
  worker: string;
  limit: number;
  leaseSeconds: number;
  minIntervalSeconds: number;
  filter?: ClaimFilter | null;
}

/** A forced filter, or a scheduled claim narrowed to one chain (due rows only, in line). */
export type ClaimFilter = ForcedFilter | { chain_id: string; scheduled: true };

/** A chain with due rows, as `balance_sync_due_chains` lists it. */
export interface DueChain {
  chainId: string;
  name: string;
  /** max_rps is set: read by the holder of the chain lease only. */
  rateLimited: boolean;
  due: number;
}

export type ChainLease =
  | { acquired: true; rateLimited: boolean; maxRps?: number | null; multicall?: boolean }
  | { acquired: false; rateLimited: true; holder: string | null; lockedUntil: string | null }
  | { acquired: false; rateLimited: false; unknownChain: true };

/** Per call: a shorter timeout than the store's own, so that late calls end before pg_net's. */
export interface CallOptions {
  timeoutMs?: number;
}

/** The DB contract, as the run sees it. */
export interface Store {
  claim(options: ClaimOptions, call?: CallOptions): Promise<Claim>;
  record(worker: string, results: RowResult[], call?: CallOptions): Promise<RecordOutcome>;
  release(worker: string, ids: string[], call?: CallOptions): Promise<number>;
  dueChains(minIntervalSeconds: number, call?: CallOptions): Promise<DueChain[]>;
  acquireChain(
    worker: string,
    chainId: string,
    leaseSeconds: number,
    call?: CallOptions,
  ): Promise<ChainLease>;
  releaseChain(worker: string, chainId: string, call?: CallOptions): Promise<boolean>;
}

/** The database could not be reached or refused the call (answer 503). */
export class StoreUnavailable extends Error {
  override name = "StoreUnavailable";
  constructor(
    readonly operation: string,
    message: string,
    readonly code: string | null = null,
    readonly status: number | null = null,
  ) {
    super(`${operation}: ${message}`);
  }
}

export interface RpcResponse {
  data: unknown;
  error: { message: string; code?: string | null } | null;
  status?: number;
}

export interface RpcCall extends PromiseLike<RpcResponse> {
  abortSignal(signal: AbortSignal): PromiseLike<RpcResponse>;
}

/** The slice of supabase-js the store uses: `client.rpc(fn, args)`. */
export interface RpcClient {
  rpc(fn: string, args: Record<string, unknown>): RpcCall;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function text(row: Json, key: string, nullable: true): string | null;
function text(row: Json, key: string, nullable?: false): string;
function text(row: Json, key: string, nullable = false): string | null {
  const value = row[key];
  if (value === null || value === undefined) {
    if (nullable) return null;
    throw new TypeError(`missing ${key}`);
  }
  if (typeof value !== "string") throw new TypeError(`${key} is not a string`);
  return value;
}

function num(row: Json, key: string): number | null {
  const value = row[key];
  if (value === null || value === undefined) return null;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new TypeError(`${key} is not a number`);
  return n;
}

function toRow(raw: unknown): ClaimedRow {
  if (!isObject(raw)) throw new TypeError("row is not an object");
  return {
    id: text(raw, "id"),
    walletId: text(raw, "wallet_id", true),
    assetOnChainId: text(raw, "asset_on_chain_id"),
    assetId: text(raw, "asset_id", true),
    chainId: text(raw, "chain_id"),
    address: text(raw, "address", true),
    contractAddress: text(raw, "contract_address", true),
    decimals: num(raw, "decimals"),
    isNative: raw.is_native === true,
    configError: text(raw, "config_error", true),
  };
}

/** Converts one chain of the claim into the readers' shape, or says why it cannot be used. */
export function toChainConfig(raw: unknown): ChainConfig | string {
  if (!isObject(raw)) return "chain row is not an object";
  try {
    const family = text(raw, "family", true);
    if (family !== "evm" && family !== "tron") {
      return `chain family ${JSON.stringify(family)} is not supported (evm, tron)`;
    }
    const rpcUrl = text(raw, "rpc_url", true);
    if (!rpcUrl) return "chain has no rpc_url";
    const fallback = raw.fallback_rpc_urls ?? [];
    if (!Array.isArray(fallback) || fallback.some((u) => typeof u !== "string")) {
      return "fallback_rpc_urls is not a list of URLs";
    }
    return {
      id: text(raw, "id"),
      name: text(raw, "name", true) ?? text(raw, "id"),
      family,
      rpcUrl,
      fallbackRpcUrls: fallback as string[],
      multicallAddress: text(raw, "multicall_address", true),
      confirmations: num(raw, "confirmations") ?? 0,
      evmChainId: num(raw, "evm_chain_id"),
      apiKeyEnv: text(raw, "api_key_env", true),
      maxRps: num(raw, "max_rps"),
      maxConcurrency: num(raw, "max_concurrency"),
    };
  } catch (error) {
    return `chain row is malformed: ${(error as Error).message}`;
  }
}

export function parseClaim(data: unknown): Claim {
  if (!isObject(data)) throw new TypeError("claim result is not an object");
  const rows = Array.isArray(data.rows) ? data.rows.map(toRow) : [];
  const chains = new Map<string, ChainConfig>();
  const chainErrors = new Map<string, string>();
  if (isObject(data.chains)) {
    for (const [id, raw] of Object.entries(data.chains)) {
      const chain = toChainConfig(raw);
      if (typeof chain === "string") chainErrors.set(id, chain);
      else chains.set(id, chain);
    }
  }
  const busy = Array.isArray(data.busy) ? data.busy.map(String) : [];
  return { rows, chains, chainErrors, busy };
}

export function parseRecordOutcome(data: unknown): RecordOutcome {
  if (!isObject(data)) throw new TypeError("record result is not an object");
  const count = (key: string) => {
    const n = num(data, key);
    return n ?? 0;
  };
  return {
    applied: count("applied"),
    errored: count("errored"),
    staleRejected: count("stale_rejected"),
    lost: count("lost"),
    staleIds: Array.isArray(data.stale_ids) ? data.stale_ids.map(String) : [],
    lostIds: Array.isArray(data.lost_ids) ? data.lost_ids.map(String) : [],
    invalid: Array.isArray(data.invalid)
      ? data.invalid.filter(isObject).map((e) => ({
        index: Number(e.index),
        id: e.id,
        reason: String(e.reason),
      }))
      : [],
  };
}

export function parseDueChains(data: unknown): DueChain[] {
  if (!Array.isArray(data)) throw new TypeError("due chains is not an array");
  return data.map((raw) => {
    if (!isObject(raw)) throw new TypeError("due chain is not an object");
    return {
      chainId: text(raw, "chain_id"),
      name: text(raw, "name", true) ?? text(raw, "chain_id"),
      rateLimited: raw.rate_limited === true,
      due: num(raw, "due") ?? 0,
    };
  });
}

export function parseChainLease(data: unknown): ChainLease {
  if (!isObject(data) || typeof data.acquired !== "boolean") {
    throw new TypeError("chain lease answer has no acquired flag");
  }
  if (data.acquired) {
    return {
      acquired: true,
      rateLimited: data.rate_limited === true,
      maxRps: num(data, "max_rps"),
      multicall: data.multicall === true,
    };
  }
  if (data.unknown_chain === true) {
    return { acquired: false, rateLimited: false, unknownChain: true };
  }
  return {
    acquired: false,
    rateLimited: true,
    holder: text(data, "holder", true),
    lockedUntil: text(data, "locked_until", true),
  };
}

export interface StoreOptions {
  /** Per call; a hung database must not hold the run past the caller's timeout. */
  timeoutMs: number;
}

export function createStore(client: RpcClient, options: StoreOptions): Store {
  const call = async <T>(
    fn: string,
    args: Record<string, unknown>,
    parse: (data: unknown) => T,
    callOptions: CallOptions = {},
  ): Promise<T> => {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, callOptions.timeoutMs ?? Infinity));
    let response: RpcResponse;
    try {
      response = await client.rpc(fn, args).abortSignal(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw new StoreUnavailable(fn, (error as Error)?.message ?? String(error));
    }
    if (response.error) {
      throw new StoreUnavailable(
        fn,
        response.error.message || "request failed",
        response.error.code || null,
        response.status ?? null,
      );
    }
    try {
      return parse(response.data);
    } catch (error) {
      throw new StoreUnavailable(fn, `unexpected response: ${(error as Error).message}`);
    }
  };

  return {
    claim: (o, c) =>
      call(
        "balance_sync_claim",
        {
          p_worker: o.worker,
          p_limit: o.limit,
          p_lease_seconds: o.leaseSeconds,
          p_filter: o.filter ?? null,
          p_min_interval_seconds: o.minIntervalSeconds,
        },
        parseClaim,
        c,
      ),
    record: (worker, results, c) =>
      call(
        "balance_sync_record",
        { p_worker: worker, p_results: results },
        parseRecordOutcome,
        c,
      ),
    release: (worker, ids, c) =>
      call("balance_sync_release", { p_worker: worker, p_ids: ids }, (data) => {
        const n = typeof data === "string" ? Number(data) : data;
        if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("not a count");
        return n;
      }, c),
    dueChains: (minIntervalSeconds, c) =>
      call(
        "balance_sync_due_chains",
        { p_min_interval_seconds: minIntervalSeconds },
        parseDueChains,
        c,
      ),
    acquireChain: (worker, chainId, leaseSeconds, c) =>
      call(
        "balance_sync_chain_acquire",
        {
          p_worker: worker,
          p_chain_id: chainId,
          p_lease_seconds: leaseSeconds,
        },
        parseChainLease,
        c,
      ),
    releaseChain: (worker, chainId, c) =>
      call("balance_sync_chain_release", { p_worker: worker, p_chain_id: chainId }, (data) => {
        if (typeof data !== "boolean") throw new TypeError("not a boolean");
        return data;
      }, c),
  };
}
