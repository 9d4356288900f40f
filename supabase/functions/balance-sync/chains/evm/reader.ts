/**
 * EVM chain reader: every balance of a chain at one pinned block, native and ERC20 together in
 * Multicall3 aggregate3 chunks, sent as one batched JSON-RPC request where possible.
 *
 * Request plan for a read (HTTP requests, with batch JSON-RPC):
 *   1. eth_blockNumber + eth_chainId (when the row sets evm_chain_id) + eth_getCode(multicall)
 *   2. eth_call(aggregate3) per chunk of the learned multicall size, the chunks in as few
 *      batches as the learned batch and answer sizes allow (read_limits.ts): a request refused
 *      for its size (out of gas, batch or answer too large) is halved and sent again at once
 *   3. only if some token answered with empty data: eth_getCode for those tokens
 * Without a contract at the multicall address it reads eth_getBalance / eth_call per balance,
 * still batched (up to the learned batch size per HTTP request).
 */
import { getAddress, isAddress } from "viem/utils";
import { READ_DEFAULTS } from "../defaults.ts";
import { resolveEndpoints } from "../endpoints.ts";
import { ReadError } from "../errors.ts";
import {
  AbiDecodeError,
  addressCall,
  addressHex,
  decodeAggregate3,
  decodeUint256,
  encodeAggregate3,
  revertReason,
  SELECTOR,
} from "../abi.ts";
import {
  classifyRpcFailure,
  executionFailure,
  isExecutionError,
  isGasRefusal,
  sizeRefusal,
} from "./errors.ts";
import {
  EVM_MAXIMA,
  type LimitName,
  type LimitObservation,
  type ReadSizes,
  shrink,
} from "../read_limits.ts";
import { aggregateAnswerBytes, planGroups, SINGLE_ANSWER_BYTES } from "./sized_groups.ts";
import { createEvmRpc, type EvmRpc, type EvmTransportSettings } from "./transport.ts";
import type {
  BalanceOutcome,
  BalanceQuery,
  ChainConfig,
  ChainRead,
  ChainReader,
  ReadMode,
  ReadOptions,
} from "../types.ts";

/** Multicall3's address on every chain it is deployed to the usual way. */
export const CANONICAL_MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";

export interface EvmReaderSettings extends Partial<EvmTransportSettings> {
  /** Calls per aggregate3 (ReadOptions.chunkSize wins); default READ_DEFAULTS.evm.chunkSize. */
  chunkSize?: number;
}

/** A query whose addresses passed validation. */
interface Planned {
  index: number;
  key: string;
  holder: string;
  /** null: native balance. */
  token: string | null;
}

interface AggregateCall {
  query: Planned;
  target: string;
  callData: string;
}

interface AggregateState {
  multicall: string;
  emptyTokens: Planned[];
  /** The multicall address had no code at the pinned block. */
  missing: boolean;
}

type Refusal = { kind: "batch" | "response"; reason: string };
/** How one call of a request went: answered with its data, failed small, or refused for size. */
type Sent = "answered" | "failed" | Refusal;
type Send = <T>(method: string, params: unknown[]) => Promise<T>;

type AddressCheck = { ok: true; hex: string } | { ok: false; reason: string };

// Every tick reads the same holders again: checking each once (a mixed-case address costs a
// keccak) keeps a batch's CPU to its reads. viem's own cache holds fewer addresses than a chain
// with tens of thousands of holders, so it missed on every row. Cleared when full, so the limit
// must exceed the EVM holders an isolate reads (22,500 in the 100,000-row scale soak, which 20,000
// missed on every tick); 50,000 entries are at most about 10 MB (about 200 bytes each with the key,
// measured).
const ADDRESS_CACHE_LIMIT = 50_000;
const addressChecks = new Map<string, AddressCheck>();

/** Strict viem validation: a mixed-case address must carry a correct EIP-55 checksum. */
export function checkEvmAddress(value: unknown): AddressCheck {
  if (typeof value !== "string") return { ok: false, reason: "not a string" };
  let check = addressChecks.get(value);
  if (check === undefined) {
    check = checkUncached(value);
    if (addressChecks.size >= ADDRESS_CACHE_LIMIT) addressChecks.clear();
    addressChecks.set(value, check);
  }
  return check;
}

function checkUncached(value: string): AddressCheck {
  if (isAddress(value, { strict: true })) return { ok: true, hex: addressHex(value) };
  if (isAddress(value, { strict: false })) {
    return { ok: false, reason: `bad checksum (expected ${getAddress(value)})` };
  }
  return { ok: false, reason: "not a 0x-prefixed 20-byte hex address" };
}

const configError = (message: string) => new ReadError("configuration", message);
/**
 * After a refusal in this read: a size halfway between the largest that passed (or the halved
 * size) and the smallest refused, when that is worth a try (more than a tenth above `size`).
 */
function probeSize(size: number, seen: LimitObservation): number | null {
  if (seen.failedAt === null) return null;
  const low = Math.max(size, seen.passed < seen.failedAt ? seen.passed : 0);
  const probe = Math.floor((low + seen.failedAt) / 2);
  return probe - low > Math.max(1, Math.floor(low / 10)) ? probe : null;
}

const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text);
const hexBlock = (block: bigint) => `0x${block.toString(16)}`;

/**
 * An EVM chain reader: every balance of a chain at one block, `confirmations` below the head,
 * through Multicall3 when the chain has it and batched JSON-RPC calls otherwise. Each failure is
 * an outcome classified transient, permanent or configuration, whose message never shows an API
 * key. Unexpected throws are turned into outcomes by the registry (chains/readers.ts), not here.
 */
export function createEvmReader(settings: EvmReaderSettings = {}): ChainReader {
  const transportSettings: EvmTransportSettings = {
    timeoutMs: settings.timeoutMs ?? READ_DEFAULTS.requestTimeoutMs,
    retryCount: settings.retryCount ?? READ_DEFAULTS.evm.retryCount,
    retryDelayMs: settings.retryDelayMs ?? READ_DEFAULTS.evm.retryDelayMs,
    maxRetryAfterMs: settings.maxRetryAfterMs ?? READ_DEFAULTS.evm.maxRetryAfterMs,
    fetchFn: settings.fetchFn,
    readTimeoutMs: settings.readTimeoutMs ?? READ_DEFAULTS.readTimeoutMs,
  };
  return (chain, queries, options = {}) =>
    new EvmRead(chain, queries, options, transportSettings, settings.chunkSize).run();
}

/** The EVM reader with default settings, as the registry (chains/readers.ts) loads it. */
export const readEvm: ChainReader = createEvmReader();

class EvmRead {
  private outcomes: (BalanceOutcome | undefined)[];
  private planned: Planned[] = [];
  private rpc: EvmRpc | undefined;
  private mode: ReadMode = "multicall";
  private note: string | undefined;
  private block: bigint | null = null;
  /** The sizes this read uses; a refusal lowers them at once (read_limits.ts). */
  private readonly sizes: ReadSizes;
  private readonly seen: Record<LimitName, LimitObservation> = {
    multicall: { failedAt: null, passed: 0, cut: false },
    batch: { failedAt: null, passed: 0, cut: false },
    response: { failedAt: null, passed: 0, cut: false },
  };
  /** A single call failed in the EVM: the read's aggregate halvings are not a gas limit. */
  private culprit = false;
  /** Re-reading settled balances to confirm the learned sizes: their outcomes stay. */
  private probing = false;

  constructor(
    private readonly chain: ChainConfig,
    private readonly queries: BalanceQuery[],
    private readonly options: ReadOptions,
    private readonly transport: EvmTransportSettings,
    defaultChunkSize: number | undefined,
  ) {
    this.outcomes = new Array(queries.length);
    const given = options.sizes;
    this.sizes = {
      multicall: Math.max(
        1,
        options.chunkSize ?? given?.multicall ?? defaultChunkSize ?? READ_DEFAULTS.evm.chunkSize,
      ),
      batch: Math.max(1, given?.batch ?? EVM_MAXIMA.batch),
      response: Math.max(1, given?.response ?? EVM_MAXIMA.response),
    };
  }

  async run(): Promise<ChainRead> {
    const multicall = this.chain.multicallAddress ?? CANONICAL_MULTICALL3;
    const multicallCheck = checkEvmAddress(multicall);
    this.plan();
    if (this.planned.length === 0) return this.result();
    if (!multicallCheck.ok) {
      return this.failChain(configError(
        `invalid multicall address ${JSON.stringify(multicall)}: ${multicallCheck.reason}`,
      ));
    }
    const endpoints = resolveEndpoints(this.chain, this.options.env);
    if (endpoints instanceof ReadError) return this.failChain(endpoints);

    this.rpc = createEvmRpc(endpoints.urls, endpoints.apiKey, this.transport, this.options.signal);
    try {
      const head = await this.readHead(`0x${multicallCheck.hex}`);
      if (head instanceof ReadError) return this.failChain(head);
      this.block = head.block;
      if (head.multicall) {
        const complete = await this.readWithMulticall(head.multicall);
        if (!complete) {
          this.useJsonRpc(`no contract at multicall address ${multicall} at block ${head.block}`);
        }
      } else {
        this.useJsonRpc(`no contract at multicall address ${multicall}`);
      }
      if (this.mode === "json-rpc-batch") await this.readWithJsonRpc();
      return this.result();
    } finally {
      this.rpc.close();
    }
  }

  /** Validates addresses; invalid ones become configuration outcomes right away. */
  private plan() {
    // Many queries share a token; check (and checksum) each distinct one once.
    const tokenChecks = new Map<string, AddressCheck>();
    this.queries.forEach((query, index) => {
      const holder = checkEvmAddress(query.address);
      if (!holder.ok) {
        this.settle(
          index,
          configError(`invalid holder address ${JSON.stringify(query.address)}: ${holder.reason}`),
        );
        return;
      }
      let token: string | null = null;
      if (query.token !== null) {
        let checked = tokenChecks.get(query.token);
        if (!checked) {
          checked = checkEvmAddress(query.token);
          tokenChecks.set(query.token, checked);
        }
        if (!checked.ok) {
          this.settle(
            index,
            configError(`invalid token address ${JSON.stringify(query.token)}: ${checked.reason}`),
          );
          return;
        }
        token = checked.hex;
      }
      this.planned.push({ index, key: query.key, holder: holder.hex, token });
    });
  }

  /** Head, chain id and multicall presence in one batched HTTP request. */
  private async readHead(
    multicall: string,
  ): Promise<ReadError | { block: bigint; multicall: string | null }> {
    const rpc = this.rpc!;
    const expectedChainId = this.chain.evmChainId;
    try {
      const [head, chainId, code] = await Promise.all([
        rpc.request<string>("eth_blockNumber", []),
        expectedChainId !== null ? rpc.request<string>("eth_chainId", []) : null,
        rpc.request<string>("eth_getCode", [multicall, "latest"]),
      ]);
      if (chainId !== null && BigInt(chainId) !== BigInt(expectedChainId!)) {
        return configError(
          `wrong chain: ${rpc.primaryUrl} reports chain id ${BigInt(chainId)}, ` +
            `the chain row expects ${expectedChainId}`,
        );
      }
      const latest = BigInt(head);
      const confirmations = BigInt(Math.max(0, Math.trunc(this.chain.confirmations ?? 0)));
      const block = latest > confirmations ? latest - confirmations : 0n;
      const hasCode = typeof code === "string" && code !== "0x" && code !== "";
      return { block, multicall: hasCode ? multicall.toLowerCase() : null };
    } catch (error) {
      return this.classify(error);
    }
  }

  /** Returns false when the multicall address has no code at the pinned block. */
  private async readWithMulticall(multicall: string): Promise<boolean> {
    const target = addressHex(multicall);
    const calls: AggregateCall[] = this.planned.map((p) => ({
      query: p,
      target: p.token ?? target,
      callData: addressCall(p.token ? SELECTOR.balanceOf : SELECTOR.getEthBalance, p.holder),
    }));
    const state: AggregateState = { multicall, emptyTokens: [], missing: false };
    await this.runAggregates(calls, state);
    if (state.missing) return false;
    await this.explainEmpty(state.emptyTokens);
    await this.confirmShape(calls, multicall);
    return true;
  }

  /**
   * After sizes were lowered in this read, the retries combined them in ways the next read will
   * not (its aggregates are all of the new size, as many per request as the new batch size
   * allows): one more request of exactly that shape, over balances already read (at the same
   * block; their outcomes are kept), makes sure the next read is not refused, the answer's size
   * included. A refusal here lowers the sizes again and the shape is tried again.
   */
  private async confirmShape(calls: AggregateCall[], multicall: string) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const lowered = this.seen.multicall.failedAt !== null || this.seen.batch.failedAt !== null ||
        this.seen.response.failedAt !== null;
      if (!lowered || this.culprit) return;
      const size = this.sizes.multicall;
      const perAnswer = aggregateAnswerBytes(size);
      const count = Math.min(
        this.sizes.batch,
        Math.max(1, Math.floor(this.sizes.response / perAnswer)),
        Math.floor(calls.length / size),
      );
      const bytes = count * perAnswer;
      if (
        count < 1 ||
        (count * size <= this.seen.multicall.passed && bytes <= this.seen.response.passed &&
          count <= this.seen.batch.passed)
      ) return;
      const before = { ...this.sizes };
      this.probing = true;
      try {
        await this.runAggregates(calls.slice(0, count * size), {
          multicall,
          emptyTokens: [],
          missing: false,
        });
      } finally {
        this.probing = false;
      }
      const same = before.multicall === this.sizes.multicall && before.batch === this.sizes.batch &&
        before.response === this.sizes.response;
      if (same) return;
    }
  }

  /**
   * Aggregates of at most the multicall size, sent in requests the batch and answer sizes allow.
   * The calls of aggregates refused for their size are chunked again at the halved size and sent
   * together at once, so that the retry is batched like the first try (and the first read of a
   * limited provider learns its batch size too).
   */
  private async runAggregates(calls: AggregateCall[], state: AggregateState): Promise<void> {
    let pending = calls;
    while (pending.length > 0) {
      const size = this.sizes.multicall;
      if (pending.length > size) this.seen.multicall.cut = true;
      const chunks: AggregateCall[][] = [];
      // A retry's first aggregate probes between what passed and what was refused, so that the
      // read ends knowing the limit closely (the next run starts from it), not only within 2x.
      const probe = probeSize(size, this.seen.multicall);
      let i = 0;
      if (probe !== null && pending.length > probe) {
        chunks.push(pending.slice(0, probe));
        i = probe;
      }
      for (; i < pending.length; i += size) chunks.push(pending.slice(i, i + size));
      const retry: AggregateCall[] = [];
      await this.sendGroups(
        chunks,
        (chunk) => aggregateAnswerBytes(chunk.length),
        (send, chunk) => this.runChunk(send, chunk, state, retry),
        (chunk, refusal) => {
          if (refusal.kind === "response" && chunk.length > 1) {
            // Too large an answer for one aggregate: too many calls in it.
            this.refused("multicall", chunk.length, refusal.reason);
            retry.push(...chunk);
          } else {
            this.refusedAlone(chunk.map((c) => c.query), refusal);
          }
        },
      );
      pending = retry;
    }
  }

  /**
   * One aggregate3; resolves with the size refusal of its request, if it was refused. An
   * aggregate over the gas cap goes to `retry`.
   */
  private async runChunk(
    send: Send,
    chunk: AggregateCall[],
    state: AggregateState,
    retry: AggregateCall[],
  ): Promise<Sent> {
    const multicall = state.multicall;
    let result: string;
    try {
      result = await send<string>("eth_call", [
        { to: multicall, data: encodeAggregate3(chunk) },
        hexBlock(this.block!),
      ]);
    } catch (error) {
      const refusal = sizeRefusal(error);
      if (refusal) return refusal;
      if ((isExecutionError(error) || isGasRefusal(error)) && chunk.length > 1) {
        // Out of gas under the node's gas cap, or one call burning it all: halve and retry at
        // once. A single call that still fails (below) marks the read, so its halving is not
        // learned as the provider's limit.
        this.refused("multicall", chunk.length, clip(executionFailure(error).message));
        retry.push(...chunk);
        return "failed";
      }
      if (isExecutionError(error)) {
        this.culprit = true;
        const failure = executionFailure(error);
        this.settle(chunk[0].query.index, this.callFailed(chunk[0].query, failure.message));
        return "failed";
      }
      const classified = this.classify(error);
      for (const call of chunk) this.settle(call.query.index, classified);
      return "failed";
    }
    if (result === "0x" || result === "") {
      state.missing = true;
      return "failed";
    }
    this.passed("multicall", chunk.length);
    let decoded;
    try {
      decoded = decodeAggregate3(result, chunk.length);
    } catch (error) {
      if (!(error instanceof AbiDecodeError)) throw error;
      const problem = configError(
        `contract at multicall address ${multicall} did not answer like Multicall3 ` +
          `(${error.message})`,
      );
      for (const call of chunk) this.settle(call.query.index, problem);
      return "failed";
    }
    for (let i = 0; i < decoded.length; i++) {
      const item = decoded[i];
      const query = chunk[i].query;
      if (item.success && item.returnData.length === 64) {
        // The common answer: one word of hex, which decodeAggregate3 has checked.
        this.settle(query.index, BigInt(`0x${item.returnData}`));
      } else if (!item.success) {
        this.settle(query.index, this.callFailed(query, revertReason(item.returnData)));
      } else if (item.returnData.length === 0 && query.token) {
        state.emptyTokens.push(query);
      } else {
        this.settleReturn(query, item.returnData);
      }
    }
    return "answered";
  }

  /**
   * Sends `items` in as few requests as the learned batch and answer sizes allow (each request its
   * own JSON-RPC batch). The items of requests refused for their size are grouped again at the
   * halved size and sent together at once; the sizes the read learns are kept in this.sizes (next
   * requests) and this.seen (the chain's record).
   */
  private async sendGroups<I>(
    items: I[],
    bytesOf: (item: I) => number,
    run: (send: Send, item: I) => Promise<Sent>,
    refusedAlone: (item: I, refusal: Refusal) => void,
  ): Promise<void> {
    let pending = items;
    while (pending.length > 0) {
      const current = pending;
      const bytes = current.map(bytesOf);
      const probe = probeSize(this.sizes.batch, this.seen.batch);
      const plan = planGroups(bytes, this.sizes.batch, this.sizes.response, probe ?? undefined);
      if (plan.cutByCount) this.seen.batch.cut = true;
      if (plan.cutByBytes) this.seen.response.cut = true;
      const retry: I[] = [];
      await Promise.all(plan.groups.map(async (group) => {
        const send = this.rpc!.group();
        const sent = await Promise.all(group.map((i) => run(send, current[i])));
        const refusedAt = group.filter((_, k) => typeof sent[k] === "object");
        const groupBytes = group.reduce((sum, i) => sum + bytes[i], 0);
        // What the node answered with data (before it cut an answer off) fitted under its limit;
        // failed calls answered small, so they prove nothing about the answer's size.
        const answeredBytes = group.filter((_, k) => sent[k] === "answered")
          .reduce((sum, i) => sum + bytes[i], 0);
        if (answeredBytes > 0) this.passed("response", answeredBytes);
        if (refusedAt.length === 0) {
          this.passed("batch", group.length);
          return;
        }
        const first = sent.find((r): r is Refusal => typeof r === "object")!;
        if (group.length === 1) {
          refusedAlone(current[group[0]], first);
          return;
        }
        if (first.kind === "batch") this.refused("batch", group.length, first.reason);
        else this.refused("response", groupBytes, first.reason);
        retry.push(...refusedAt.map((i) => current[i]));
      }));
      pending = retry;
    }
  }

  /** A single call refused for size: nothing smaller to send, the balance fails this time. */
  private refusedAlone(queries: Planned[], refusal: Refusal) {
    const error = new ReadError(
      "transient",
      `${this.rpc!.primaryUrl} refused a single call for its size (${refusal.reason})`,
    );
    for (const query of queries) this.settle(query.index, error);
  }

  private refused(name: LimitName, failedAt: number, reason: string) {
    const seen = this.seen[name];
    seen.failedAt = seen.failedAt === null ? failedAt : Math.min(seen.failedAt, failedAt);
    seen.reason = reason;
    this.sizes[name] = shrink(this.sizes[name], failedAt);
    // What passed already stays allowed: halving below it would only cost requests.
    if (seen.passed < failedAt) this.sizes[name] = Math.max(this.sizes[name], seen.passed);
  }

  private passed(name: LimitName, size: number) {
    const seen = this.seen[name];
    if (size > seen.passed) seen.passed = size;
    // A probe below a refusal passed: the rest of the read (and the next one) uses it.
    if (seen.failedAt !== null && size < seen.failedAt && size > this.sizes[name]) {
      this.sizes[name] = size;
    }
  }

  private useJsonRpc(note: string) {
    this.mode = "json-rpc-batch";
    this.note = note;
  }

  /** One call per balance, in JSON-RPC batches of the learned sizes. */
  private async readWithJsonRpc() {
    const block = hexBlock(this.block!);
    const emptyTokens: Planned[] = [];
    await this.sendGroups(
      this.planned,
      () => SINGLE_ANSWER_BYTES,
      async (send, query) => {
        try {
          if (query.token === null) {
            const balance = await send<string>("eth_getBalance", [`0x${query.holder}`, block]);
            this.settle(query.index, BigInt(balance));
            return "answered";
          }
          const data = await send<string>("eth_call", [
            { to: `0x${query.token}`, data: `0x${addressCall(SELECTOR.balanceOf, query.holder)}` },
            block,
          ]);
          const hex = (data ?? "").replace(/^0x/, "");
          if (hex.length === 0) emptyTokens.push(query);
          else this.settleReturn(query, hex);
          return "answered";
        } catch (error) {
          const refusal = sizeRefusal(error);
          if (refusal) return refusal;
          if (isExecutionError(error)) {
            this.settle(query.index, this.callFailed(query, executionFailure(error).message));
          } else {
            this.settle(query.index, this.classify(error));
          }
          return "failed";
        }
      },
      (query, refusal) => this.refusedAlone([query], refusal),
    );
    await this.explainEmpty(emptyTokens);
  }

  /**
   * A call to an address without code succeeds with empty data, like a contract that returns
   * nothing: eth_getCode at the pinned block tells the two apart.
   */
  private async explainEmpty(queries: Planned[]) {
    if (queries.length === 0) return;
    const tokens = [...new Set(queries.map((q) => q.token!))];
    const block = hexBlock(this.block!);
    const codes = new Map<string, string | ReadError>();
    await Promise.all(tokens.map(async (token) => {
      try {
        codes.set(token, await this.rpc!.request<string>("eth_getCode", [`0x${token}`, block]));
      } catch (error) {
        codes.set(token, this.classify(error));
      }
    }));
    for (const query of queries) {
      const code = codes.get(query.token!)!;
      const address = getAddress(`0x${query.token}`);
      this.settle(
        query.index,
        code instanceof ReadError
          ? code
          : code === "0x" || code === ""
          ? new ReadError("permanent", `no contract at ${address}`)
          : new ReadError("permanent", `malformed balanceOf return from ${address}: empty data`),
      );
    }
  }

  private settleReturn(query: Planned, returnData: string) {
    const value = decodeUint256(returnData);
    if (value !== null) {
      this.settle(query.index, value);
      return;
    }
    const what = query.token ? `balanceOf return from ${getAddress(`0x${query.token}`)}` : "";
    this.settle(
      query.index,
      new ReadError(
        "permanent",
        `malformed ${what || "getEthBalance return"}: ${returnData.length / 2} bytes, expected 32`,
      ),
    );
  }

  private callFailed(query: Planned, reason: string): ReadError {
    const target = query.token ? `balanceOf on ${getAddress(`0x${query.token}`)}` : "getEthBalance";
    return new ReadError("permanent", `${target} reverted: ${reason}`);
  }

  private classify(error: unknown): ReadError {
    const signal = this.options.signal;
    if (signal?.aborted) {
      const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      return new ReadError("transient", `read aborted: ${reason}`, {}, { cause: error });
    }
    return classifyRpcFailure(
      error,
      (url) => this.rpc?.redact(url) ?? "node",
      this.transport.timeoutMs,
    );
  }

  private settle(index: number, value: bigint | ReadError) {
    if (this.probing && this.outcomes[index] !== undefined) return;
    const key = this.queries[index].key;
    this.outcomes[index] = typeof value === "bigint"
      ? { key, ok: true, raw: value }
      : { key, ok: false, error: value };
  }

  /** Every query not yet settled gets `error`. */
  private failChain(error: ReadError): ChainRead {
    for (let i = 0; i < this.queries.length; i++) {
      if (!this.outcomes[i]) this.settle(i, error);
    }
    return this.result();
  }

  /** A query left unsettled by a missed path gets its outcome from the registry (../readers.ts). */
  private result(): ChainRead {
    return {
      block: this.block,
      outcomes: this.outcomes.filter((outcome) => outcome !== undefined),
      requests: this.rpc?.requests ?? 0,
      mode: this.mode,
      ...(this.note ? { note: this.note } : {}),
      sizes: { ...this.sizes },
      seen: this.culprit
        ? { batch: this.seen.batch, response: this.seen.response }
        : { ...this.seen },
    };
  }
}
