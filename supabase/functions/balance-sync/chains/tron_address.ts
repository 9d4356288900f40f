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

function fromPayload(payload: Uint8Array, base58 = base58check.encode(payload)): TronAddress {
  const hex = bytesToHex(payload).slice(2);
  return { base58, hex, evm: `0x${hex.slice(2)}` };
}

// A batch names the same token (and often the same holder) many times; checking each address
// once keeps a 2,000-balance read well inside the function's CPU budget.
const CACHE_LIMIT = 10_000;
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
  let payload: Uint8Array;
  try {
    payload = base58check.decode(text);
  } catch {
    // The pattern above admits only base58 characters, so a failed decode is a bad checksum.
    return { ok: false, reason: `"${text}" has a bad base58 checksum` };
  }
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
