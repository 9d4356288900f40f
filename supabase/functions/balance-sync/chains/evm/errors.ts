/**
 * Turns what viem throws into a ReadError of the right class, with data and a message that never
 * contains an endpoint's secret (viem's own messages include the full URL, so they are not reused).
 */
import { BaseError, HttpRequestError, RpcRequestError, TimeoutError } from "viem";
import { isTransientStatus, networkCause, parseRetryAfter, ReadError } from "../errors.ts";
import { revertReason } from "../abi.ts";

/** The node answered too slowly for the read's budget: Retry-After beyond the cap. */
export class RetryAfterTooLongError extends Error {
  override name = "RetryAfterTooLongError";
  constructor(
    readonly status: number,
    readonly retryAfterSeconds: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} from ${url}: asked to retry after ${retryAfterSeconds} s`);
  }
}

/** The whole read ran past its deadline (a node that accepts connections and never answers). */
export class ReadTimeoutError extends Error {
  override name = "ReadTimeoutError";
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms from ${url}`);
  }
}

const EXECUTION_MESSAGE = /revert|invalid opcode|invalid jump|stack (over|under)flow|execution/i;

/**
 * The call ran out of gas. geth and others say "out of gas"; revm (anvil, reth) names each way:
 * OutOfGas, MemoryOOG, MemoryLimitOOG, PrecompileOOG, InvalidOperandOOG. Which one a too-large
 * aggregate hits depends on its size, so all of them are the same gas refusal. The OOG suffix is
 * matched case-sensitively: "oog" inside a word is not one.
 */
const ranOutOfGas = (details: string) =>
  /out of gas|outofgas|gas required exceeds/i.test(details) || /OOG\b/.test(details);

/** The call did not fit the node's gas cap before it ran: its calldata alone costs more. */
const OVER_GAS_CAP = /intrinsic gas|exceeds (the )?(block )?gas limit|CallGasCostMoreThanGasLimit/i;

function findInChain<T>(error: unknown, match: (e: unknown) => e is T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 10; depth++) {
    if (match(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const isRpcRequestError = (e: unknown): e is RpcRequestError => e instanceof RpcRequestError;
const isHttpRequestError = (e: unknown): e is HttpRequestError => e instanceof HttpRequestError;
const isTimeoutError = (e: unknown): e is TimeoutError => e instanceof TimeoutError;

const clip = (text: string | undefined, max = 200) =>
  !text ? "" : text.length > max ? `${text.slice(0, max)}…` : text;

/**
 * True when the node executed the call and the EVM failed it (revert, out of gas, bad opcode):
 * the same call fails again anywhere, so it is not transient.
 */
export function isExecutionError(error: unknown): boolean {
  const rpc = findInChain(error, isRpcRequestError);
  if (!rpc || (rpc.status !== undefined && rpc.status >= 300)) return false;
  if (rpc.code === 3) return true;
  const details = rpc.details ?? "";
  if (ranOutOfGas(details)) return true;
  return EXECUTION_MESSAGE.test(details) && !/header not found/i.test(details);
}

const BATCH_REFUSAL =
  /batch (size )?(is )?(too large|too big|limit|exceed)|too many (requests|calls|items) in (a |the )?batch|request (entity )?too large|HTTP 413/i;
const RESPONSE_REFUSAL = /response (size )?(is )?(too large|too big|exceed|limit)|response size/i;

/**
 * A refusal because of size, which a smaller request passes: the batch had too many calls
 * (-32600 "batch too large", HTTP 413) or the answer would be too large (-32003 "response too
 * large", "response size exceeded"). Null for any other failure.
 */
export function sizeRefusal(error: unknown): { kind: "batch" | "response"; reason: string } | null {
  const rpc = findInChain(error, isRpcRequestError);
  if (rpc) {
    const details = rpc.details ?? "";
    const reason = clip(`RPC error ${rpc.code}: ${details}`, 120);
    if (RESPONSE_REFUSAL.test(details) || (rpc.code === -32003 && /large|size/i.test(details))) {
      return { kind: "response", reason };
    }
    if (BATCH_REFUSAL.test(details) || (rpc.code === -32600 && /batch|large/i.test(details))) {
      return { kind: "batch", reason };
    }
    return null;
  }
  const http = findInChain(error, isHttpRequestError);
  if (http?.status === 413) return { kind: "batch", reason: "HTTP 413" };
  return null;
}

/**
 * True when the call did not fit the node's gas cap: it ran out of gas, or its calldata alone
 * costs more ("intrinsic gas too high/low"). A smaller aggregate passes.
 */
export function isGasRefusal(error: unknown): boolean {
  const rpc = findInChain(error, isRpcRequestError);
  if (!rpc || (rpc.status !== undefined && rpc.status >= 300)) return false;
  const details = rpc.details ?? "";
  return ranOutOfGas(details) || OVER_GAS_CAP.test(details);
}

/** The revert data a node returned with an execution error, if any. */
export function executionRevertData(error: unknown): string | undefined {
  const rpc = findInChain(error, isRpcRequestError);
  const data = rpc?.data;
  if (typeof data === "string") return data;
  if (data && typeof (data as { data?: unknown }).data === "string") {
    return (data as { data: string }).data;
  }
  return undefined;
}

/** A readable execution failure: the node's message plus the decoded revert reason. */
export function executionFailure(error: unknown): { message: string; rpcCode?: number } {
  const rpc = findInChain(error, isRpcRequestError);
  const data = executionRevertData(error);
  const reason = data && data !== "0x" ? revertReason(data) : clip(rpc?.details) || "failed";
  return { message: reason, rpcCode: rpc?.code };
}

/**
 * Classifies a failed request to a chain's node.
 * @param redact maps a URL viem reports to the configured URL with its secrets removed.
 */
export function classifyRpcFailure(
  error: unknown,
  redact: (url: string | undefined) => string,
  timeoutMs: number,
): ReadError {
  const tooLong = findInChain(
    error,
    (e): e is RetryAfterTooLongError => e instanceof RetryAfterTooLongError,
  );
  if (tooLong) {
    return new ReadError("transient", tooLong.message, {
      status: tooLong.status,
      url: tooLong.url,
      retryAfterSeconds: tooLong.retryAfterSeconds,
    }, { cause: error });
  }

  const readTimeout = findInChain(
    error,
    (e): e is ReadTimeoutError => e instanceof ReadTimeoutError,
  );
  if (readTimeout) {
    return new ReadError("transient", readTimeout.message, { url: readTimeout.url }, {
      cause: error,
    });
  }

  const timeout = findInChain(error, isTimeoutError);
  if (timeout) {
    const url = redact(timeout.url);
    return new ReadError("transient", `no answer within ${timeoutMs} ms from ${url}`, { url }, {
      cause: error,
    });
  }

  const rpc = findInChain(error, isRpcRequestError);
  if (rpc) {
    const url = redact(rpc.url);
    const retryAfterSeconds = parseRetryAfter(rpc.headers?.get("retry-after"));
    const data = { url, rpcCode: rpc.code, status: rpc.status, retryAfterSeconds };
    const what = `${rpc.status ? `HTTP ${rpc.status}, ` : ""}RPC error ${rpc.code} from ${url}: ${
      clip(rpc.details)
    }`;
    if (rpc.status !== undefined && rpc.status >= 300) {
      return new ReadError(statusClass(rpc.status), what, data, { cause: error });
    }
    if (rpc.code === -32601 || rpc.code === -32004) {
      return new ReadError("configuration", what, data, { cause: error });
    }
    if (isExecutionError(error)) return new ReadError("permanent", what, data, { cause: error });
    // Anything else the node says (busy, rate limited, behind, internal error) may pass.
    return new ReadError("transient", what, data, { cause: error });
  }

  const http = findInChain(error, isHttpRequestError);
  if (http) {
    const url = redact(http.url);
    if (http.status !== undefined) {
      const retryAfterSeconds = parseRetryAfter(http.headers?.get("retry-after"));
      const suffix = retryAfterSeconds !== undefined ? ` (retry after ${retryAfterSeconds} s)` : "";
      return new ReadError(
        statusClass(http.status),
        `HTTP ${http.status} from ${url}${suffix}`,
        { status: http.status, url, retryAfterSeconds },
        { cause: error },
      );
    }
    const cause = networkCause(http.cause);
    return new ReadError("transient", `network error reaching ${url}: ${clip(cause)}`, { url }, {
      cause: error,
    });
  }

  if (error instanceof Error && error.name === "AbortError") {
    return new ReadError("transient", "read aborted", {}, { cause: error });
  }
  const message = error instanceof BaseError
    ? error.shortMessage
    : error instanceof Error
    ? error.message
    : String(error);
  return new ReadError("transient", `unexpected failure: ${clip(message)}`, {}, { cause: error });
}

/** 401/404 and other refusals mean the chain row (URL, key) is wrong; the rest will pass. */
function statusClass(status: number): "transient" | "configuration" {
  return isTransientStatus(status) ? "transient" : "configuration";
}
