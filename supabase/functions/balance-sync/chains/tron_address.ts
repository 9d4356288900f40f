/**
 * TRON addresses: base58check `T...` (what users and the database hold) or 21-byte hex with the
 * `41` prefix (what java-tron's HTTP API speaks). TVM contracts see the same 20 bytes as an EVM
 * address, so Multicall3 calldata uses the `0x` form.
 */
import { base58check as base58checkOver } from "@scure/base";
import { bytesToHex, hexToBytes, sha256 } from "viem/utils";

export interface TronAddress {
  base58: string;
  /** 42 lowercase hex digits starting with `41`, as java-tron's API takes without `visible`. */
  hex: string;
  /** The 20 bytes as an EVM-style `0x` address (lowercase), for ABI encoding. */
  evm: `0x${string}`;
}

export type TronAddressCheck =
  | { ok: true; address: TronAddress }
  | { ok: false; reason: string };

const base58check = base58checkOver((data) => sha256(data, "bytes"));

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58.length; i++) BASE58_INDEX[BASE58.charCodeAt(i)] = i;

/**
 * The 25 bytes (21 payload + 4 checksum) of a 34-character base58 address, or null when they do
 * not fit. A fixed-size multiply-and-add: the generic radix conversion allocates per digit and
 * was the largest share of a TRON multicall read's CPU (a batch's holders are all different).
 */
function decodeAddress58(text: string): Uint8Array | null {
  const bytes = new Uint8Array(25);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let carry = code < 128 ? BASE58_INDEX[code] : -1;
    if (carry < 0) return null;
    for (let j = bytes.length - 1; j >= 0; j--) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    if (carry !== 0) return null;
  }
  return bytes;
}

/** The 21-byte payload of a base58check address, or null (bad checksum, wrong length). */
function decodeAddressCheck(text: string): Uint8Array | null {
  const bytes = decodeAddress58(text);
  if (bytes === null) return null;
  const payload = bytes.subarray(0, 21);
  const sum = sha256(sha256(payload, "bytes"), "bytes");
  for (let i = 0; i < 4; i++) if (sum[i] !== bytes[21 + i]) return null;
  return payload.slice();
}

function fromPayload(payload: Uint8Array, base58 = base58check.encode(payload)): TronAddress {
  const hex = bytesToHex(payload).slice(2);
  return { base58, hex, evm: `0x${hex.slice(2)}` };
}

// A batch names the same token (and often the same holder) many times; checking each address
// once keeps a 2,000-balance read well inside the function's CPU budget.
const CACHE_LIMIT = 20_000;
const cache = new Map<string, TronAddressCheck>();

/** Validates a TRON address given as base58check or `41`-hex; never throws. */
export function parseTronAddress(input: string): TronAddressCheck {
  let result = cache.get(input);
  if (result === undefined) {
    result = parseUncached(input);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, result);
  }
  return result;
}

function parseUncached(input: string): TronAddressCheck {
  const text = input.trim();
  if (/^0x[0-9a-fA-F]*$/.test(text)) {
    return { ok: false, reason: `"${text}" is an EVM (0x) address, not a TRON address` };
  }
  if (/^41[0-9a-fA-F]{40}$/.test(text)) {
    return { ok: true, address: fromPayload(hexToBytes(`0x${text.toLowerCase()}`)) };
  }
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(text)) {
    return {
      ok: false,
      reason: `"${text}" is not a TRON address (expected base58 T... of 34 characters)`,
    };
  }
  // The pattern above admits only base58 characters, so a failed decode is a bad checksum.
  const payload = decodeAddressCheck(text);
  if (payload === null) return { ok: false, reason: `"${text}" has a bad base58 checksum` };
  if (payload.length !== 21 || payload[0] !== 0x41) {
    return { ok: false, reason: `"${text}" is not a TRON address (bad base58 payload)` };
  }
  return { ok: true, address: fromPayload(payload, text) };
}

/** The TRON form of a 20-byte EVM address (any case). */
export function tronAddressFromEvm(evm: string): TronAddress {
  if (!/^0x[0-9a-fA-F]{40}$/.test(evm)) throw new TypeError(`not a 20-byte 0x address: ${evm}`);
  return fromPayload(hexToBytes(`0x41${evm.slice(2).toLowerCase()}`));
}
