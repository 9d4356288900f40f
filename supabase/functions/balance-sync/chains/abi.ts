/**
 * The few ABI shapes both readers need (aggregate3, balanceOf, getEthBalance, revert data),
 * encoded and decoded by hand on hex strings: for 500 calls viem's encodeFunctionData takes about
 * 15 times as long and decodeFunctionResult about 8 times (bench/aggregate3_codec.ts), and the
 * Edge Function has 2 s of CPU per request. tests/unit/chains/abi.test.ts checks these against viem.
 */
import type { Hex } from "viem";
import { decodeAbiParameters } from "viem/utils";

export const SELECTOR = {
  /** aggregate3((address,bool,bytes)[]) */
  aggregate3: "82ad56cb",
  /** balanceOf(address) */
  balanceOf: "70a08231",
  /** getEthBalance(address) on Multicall3 */
  getEthBalance: "4d2301cc",
  /** Error(string) */
  error: "08c379a0",
  /** Panic(uint256) */
  panic: "4e487b71",
} as const;

/** Data that is not the ABI encoding the caller expected (a contract that is not Multicall3). */
export class AbiDecodeError extends Error {
  override name = "AbiDecodeError";
}

/** One call inside an aggregate3; hex strings without 0x, `target` 40 lowercase hex digits. */
export interface Aggregate3Call {
  target: string;
  callData: string;
}

export interface Aggregate3Result {
  success: boolean;
  /** Hex without 0x. */
  returnData: string;
}

const ZERO_WORD = "0".repeat(64);
/** `value` as one 32-byte word of hex: zeros, then its digits (no padStart: this runs per call). */
const word = (value: number) => {
  const hex = value.toString(16);
  return ZERO_WORD.slice(hex.length) + hex;
};
const TRUE_WORD = word(1);
const WORD_32 = word(32);
const WORD_96 = word(96);
const ADDRESS_PAD = ZERO_WORD.slice(40);
const ZERO_PREFIX = ZERO_WORD.slice(0, 52);

/** `address` as 40 lowercase hex digits; the caller has validated it. */
export const addressHex = (address: string) => address.slice(2).toLowerCase();

/** Calldata (without 0x) of `selector(address)`. */
export const addressCall = (selector: string, addressHex40: string) =>
  selector +
  (addressHex40.length === 40 ? ADDRESS_PAD + addressHex40 : addressHex40.padStart(64, "0"));

/** Calldata of aggregate3(calls) with allowFailure = true for every call. */
export function encodeAggregate3(calls: readonly Aggregate3Call[]): Hex {
  return `0x${SELECTOR.aggregate3}${encodeAggregate3Arguments(calls)}`;
}

/**
 * The ABI-encoded argument of aggregate3(calls) (no selector, no 0x). Every piece goes into one
 * array joined once: per call, a string concatenation of the head and of the tail cost about
 * twice as much (bench/aggregate3_codec.ts).
 */
export function encodeAggregate3Arguments(calls: readonly Aggregate3Call[]): string {
  const n = calls.length;
  // Array offset, length, n head offsets, 5 tail pieces per call.
  const parts: string[] = new Array(2 + 6 * n);
  parts[0] = WORD_32;
  parts[1] = word(n);
  let offset = n * 32;
  let tail = 2 + n;
  for (let i = 0; i < n; i++) {
    const { target, callData } = calls[i];
    parts[2 + i] = word(offset);
    const bytes = callData.length / 2;
    const padded = Math.ceil(bytes / 32) * 64;
    parts[tail++] = target.length === 40 ? ADDRESS_PAD + target : target.padStart(64, "0");
    parts[tail++] = TRUE_WORD;
    parts[tail++] = WORD_96;
    parts[tail++] = word(bytes);
    parts[tail++] = callData.length === padded ? callData : callData.padEnd(padded, "0");
    offset += 128 + padded / 2;
  }
  return parts.join("");
}

/** Reads the word at hex position `pos` as an offset or length that must fit inside `limit`. */
function smallUint(data: string, pos: number, limit: number): number {
  if (pos + 64 > data.length) throw new AbiDecodeError(`word at ${pos / 2} is out of bounds`);
  // Anything above 2^48 is out of bounds anyway; keep the number exact.
  if (!data.startsWith(ZERO_PREFIX, pos)) {
    throw new AbiDecodeError(`word at ${pos / 2} is too large`);
  }
  const value = parseInt(data.slice(pos + 52, pos + 64), 16);
  if (value > limit) throw new AbiDecodeError(`word at ${pos / 2} exceeds ${limit}`);
  return value;
}

const LOWERCASE_HEX = /^0x[0-9a-f]*$/;
const HEX = /^0x[0-9a-fA-F]*$/;

/** Decodes aggregate3's `(bool success, bytes returnData)[]`, checking every offset and length. */
export function decodeAggregate3(result: string, expected: number): Aggregate3Result[] {
  // Nodes answer in lowercase: one scan checks that, a mixed-case answer is lowercased.
  let data: string;
  if (LOWERCASE_HEX.test(result)) data = result.slice(2);
  else if (HEX.test(result)) data = result.slice(2).toLowerCase();
  else throw new AbiDecodeError("not hex data");
  const size = data.length / 2;
  if (data.length % 64 !== 0 || size < 64) {
    throw new AbiDecodeError(`${size} bytes is not an ABI-encoded array`);
  }
  const arrayAt = smallUint(data, 0, size - 32) * 2;
  const n = smallUint(data, arrayAt, size);
  if (n !== expected) throw new AbiDecodeError(`${n} results for ${expected} calls`);
  const base = arrayAt + 64;
  const out: Aggregate3Result[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const tupleAt = base + smallUint(data, base + i * 64, size) * 2;
    const flag = smallUint(data, tupleAt, 1);
    const bytesAt = tupleAt + smallUint(data, tupleAt + 64, size) * 2;
    const length = smallUint(data, bytesAt, size) * 2;
    const start = bytesAt + 64;
    if (start + length > data.length) throw new AbiDecodeError(`result ${i} is out of bounds`);
    out[i] = { success: flag === 1, returnData: data.slice(start, start + length) };
  }
  return out;
}

/** The uint256 in exactly one 32-byte word, or null when the data is any other length. */
export function decodeUint256(returnData: string): bigint | null {
  const hex = returnData.startsWith("0x") ? returnData.slice(2) : returnData;
  if (hex.length !== 64 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  return BigInt(`0x${hex}`);
}

/** A readable reason for revert data: Error(string), Panic(code), a custom error, or none. */
export function revertReason(returnData: string | undefined): string {
  const hex = (returnData ?? "").replace(/^0x/, "").toLowerCase();
  if (hex.length === 0) return "no reason given";
  const selector = hex.slice(0, 8);
  try {
    if (selector === SELECTOR.error) {
      const [reason] = decodeAbiParameters([{ type: "string" }], `0x${hex.slice(8)}`);
      return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
    }
    if (selector === SELECTOR.panic) {
      const [code] = decodeAbiParameters([{ type: "uint256" }], `0x${hex.slice(8)}`);
      return `panic 0x${code.toString(16)}`;
    }
  } catch { /* fall through to the raw selector */ }
  return `custom error 0x${selector}`;
}
