/**
 * TRON addresses: base58check `T...` (what users and the database hold) or 21-byte hex with the
 * `41` prefix (what java-tron's HTTP API speaks). TVM contracts see the same 20 bytes as an EVM
 * address, so Multicall3 calldata uses the `0x` form.
 */
import { sha256 } from "viem";

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

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ALPHABET_INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

const toHex = (bytes: Uint8Array) =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const checksum = (payload: Uint8Array) => sha256(sha256(payload, "bytes"), "bytes").subarray(0, 4);

/** Base58 to bytes (big-endian base conversion on a byte array); null on a foreign character. */
function decodeBase58(text: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const c of text) {
    let carry = ALPHABET_INDEX.get(c);
    if (carry === undefined) return null;
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const c of text) {
    if (c !== "1") break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

function encodeBase58(bytes: Uint8Array): string {
  let value = BigInt(`0x${toHex(bytes) || "0"}`);
  let out = "";
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

function fromPayload(payload: Uint8Array, base58?: string): TronAddress {
  const hex = toHex(payload);
  if (base58 === undefined) {
    const full = new Uint8Array(25);
    full.set(payload);
    full.set(checksum(payload), 21);
    base58 = encodeBase58(full);
  }
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
    return { ok: true, address: fromPayload(fromHex(text.toLowerCase())) };
  }
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(text)) {
    return {
      ok: false,
      reason: `"${text}" is not a TRON address (expected base58 T... of 34 characters)`,
    };
  }
  const bytes = decodeBase58(text);
  if (bytes === null || bytes.length !== 25 || bytes[0] !== 0x41) {
    return { ok: false, reason: `"${text}" is not a TRON address (bad base58 payload)` };
  }
  const payload = bytes.subarray(0, 21);
  const expected = checksum(payload);
  if (!expected.every((b, i) => b === bytes[21 + i])) {
    return { ok: false, reason: `"${text}" has a bad base58 checksum` };
  }
  return { ok: true, address: fromPayload(payload, text) };
}

/** The TRON form of a 20-byte EVM address (any case). */
export function tronAddressFromEvm(evm: string): TronAddress {
  if (!/^0x[0-9a-fA-F]{40}$/.test(evm)) throw new TypeError(`not a 20-byte 0x address: ${evm}`);
  return fromPayload(fromHex(`41${evm.slice(2).toLowerCase()}`));
}
