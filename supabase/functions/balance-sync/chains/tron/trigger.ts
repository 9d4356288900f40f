/**
 * Reading java-tron's /wallet/triggerconstantcontract answer (a TransactionExtention):
 * - success: `result.result` true, `constant_result[0]` the return data in hex;
 * - not a contract: `result.code` CONTRACT_VALIDATE_ERROR, `result.message` hex text;
 * - revert: `result.message` hex of "REVERT opcode executed", the revert data in constant_result;
 * - other VM failures: `result.code` OTHER_ERROR, or a runtime error in `result.message`.
 */
import { revertReason } from "../abi.ts";
import { ReadError } from "../errors.ts";
import { decodeHexMessage } from "./json.ts";

export type TriggerAnswer =
  | { ok: true; returnData: string }
  | {
    ok: false;
    /** A VM-level failure of this call (as opposed to the node being unreachable or slow). */
    error: ReadError;
  };

interface TriggerBody {
  result?: { result?: boolean; code?: string; message?: string };
  constant_result?: unknown;
}

const CPU_TIMEOUT = /OutOfTime|CPU timeout/i;

/** Classifies one answer; `what` names the call in messages ("balanceOf of TR7N... at TX..."). */
export function interpretTrigger(
  raw: Record<string, unknown>,
  what: string,
  url: string,
): TriggerAnswer {
  const body = raw as TriggerBody;
  const result = body.result ?? {};
  const message = typeof result.message === "string" ? decodeHexMessage(result.message) : "";
  const code = typeof result.code === "string" ? result.code : undefined;
  const returned = Array.isArray(body.constant_result) ? body.constant_result : undefined;
  const first = typeof returned?.[0] === "string" ? (returned[0] as string) : undefined;

  if (code !== undefined && code !== "SUCCESS") {
    if (code === "OTHER_ERROR" && CPU_TIMEOUT.test(message)) {
      return fail("transient", `${what} ran out of node CPU time: ${message}`, url, code);
    }
    return fail(
      "permanent",
      `${what} failed with ${code}: ${message || "(no message)"}`,
      url,
      code,
    );
  }
  if (message) {
    if (/REVERT opcode executed/i.test(message)) {
      return fail("permanent", `${what} reverted: ${revertReason(first)}`, url, undefined);
    }
    return fail("permanent", `${what} failed: ${message}`, url, undefined);
  }
  if (result.result !== true || first === undefined || !/^(?:[0-9a-fA-F]{2})*$/.test(first)) {
    return fail("permanent", `${what}: unexpected answer (no constant_result)`, url, undefined);
  }
  return { ok: true, returnData: first.toLowerCase() };
}

/** A `uint256` return (one 32-byte word); anything else is a permanent, readable error. */
export function uint256Return(
  returnData: string,
  what: string,
  url?: string,
): { ok: true; value: bigint } | { ok: false; error: ReadError } {
  const hex = returnData.replace(/^0x/, "");
  if (hex.length === 64) return { ok: true, value: BigInt(`0x${hex}`) };
  const detail = hex.length === 0
    ? "returned no data (no contract code at that address?)"
    : `returned ${hex.length / 2} bytes instead of one 32-byte word`;
  return {
    ok: false,
    error: new ReadError("permanent", `${what} ${detail}`, url ? { url } : {}),
  };
}

function fail(
  errorClass: "transient" | "permanent",
  message: string,
  url: string,
  rpcCode: string | undefined,
): TriggerAnswer {
  return {
    ok: false,
    error: new ReadError(errorClass, message, rpcCode ? { url, rpcCode } : { url }),
  };
}
