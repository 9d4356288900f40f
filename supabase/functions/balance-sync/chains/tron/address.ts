/**
 * TRON addresses: base58check `T...` (what users and the database hold) or 21-byte hex with the
 * `41` prefix (what java-tron's HTTP API speaks). TVM contracts see the same 20 bytes as an EVM
 * address, so Multicall3 calldata uses the `0x` form.
 */
import { base58check as base58checkOver } from "@scure/base";
import { hexToBytes, sha256 } from "viem/utils";
import { sha256Block } from "./sha256_block.ts";

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

// 24-bit limbs, four base58 digits at a time: a limb times 58^4 plus the carry stays below 2^49,
// exact in a double. Nine limbs (27 bytes) hold the 25 bytes with room to see an overflow.
const LIMB = 2 ** 24;
const LIMBS = 9;

// Scratch space for one check at a time (it is synchronous): no buffers allocated per address.
const decoded = new Uint8Array(LIMBS * 3);
/** The 21-byte payload inside `decoded` once an address fits (the 2 bytes before it are zero). */
const payloadView = decoded.subarray(2, 23);
const digest = new Uint8Array(32);

/**
 * Decodes a base58 address into `decoded`; false when its value takes more than 25 bytes (21
 * payload + 4 checksum). Four digits per pass over nine limbs, instead of one digit per pass over
 * 25 bytes: a holder's first check in an isolate costs this, and every holder is new to a new
 * isolate.
 */
function decodeAddress58(text: string): boolean {
  const limbs = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < text.length;) {
    let group = 0;
    let scale = 1;
    for (let k = 0; k < 4 && i < text.length; k++, i++) {
      const code = text.charCodeAt(i);
      const digit = code < 128 ? BASE58_INDEX[code] : -1;
      if (digit < 0) return false;
      group = group * 58 + digit;
      scale *= 58;
    }
    let carry = group;
    for (let j = LIMBS - 1; j >= 0; j--) {
      const value = limbs[j] * scale + carry;
      carry = Math.floor(value / LIMB);
      limbs[j] = value - carry * LIMB;
    }
    if (carry !== 0) return false;
  }
  for (let j = 0; j < LIMBS; j++) {
    const limb = limbs[j];
    decoded[j * 3] = limb >>> 16;
    decoded[j * 3 + 1] = limb >>> 8;
    decoded[j * 3 + 2] = limb;
  }
  return decoded[0] === 0 && decoded[1] === 0;
}

/**
 * The 21-byte payload of a base58check address as 42 hex digits, or null (bad checksum, more
 * than 25 bytes).
 */
function decodeAddressCheck(text: string): string | null {
  if (!decodeAddress58(text)) return null;
  sha256Block(sha256Block(payloadView, digest), digest);
  for (let i = 0; i < 4; i++) if (digest[i] !== decoded[23 + i]) return null;
  return hexOf(payloadView);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hexOf(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX_BYTE[bytes[i]];
  return hex;
}

function fromPayload(payload: Uint8Array): TronAddress {
  return fromHex(hexOf(payload), base58check.encode(payload));
}

/** `hex`: the 21-byte payload as 42 lowercase hex digits. */
function fromHex(hex: string, base58: string): TronAddress {
  return { base58, hex, evm: `0x${hex.slice(2)}` };
}

// A batch names the same token (and often the same holder) many times, and every tick the same
// holders again; checking each address once per isolate keeps a read's CPU to its reads. Cleared
// when full, so the limit must exceed the TRON holders an isolate reads (27,500 in the 100,000-row
// scale soak, which 20,000 missed on every tick); 50,000 entries are at most about 17 MB (about 330
// bytes each with the key, measured).
const CACHE_LIMIT = 50_000;
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
  const hex = decodeAddressCheck(text);
  if (hex === null) return { ok: false, reason: `"${text}" has a bad base58 checksum` };
  if (!hex.startsWith("41")) {
    return { ok: false, reason: `"${text}" is not a TRON address (bad base58 payload)` };
  }
  return { ok: true, address: fromHex(hex, text) };
}

/** The TRON form of a 20-byte EVM address (any case). */
export function tronAddressFromEvm(evm: string): TronAddress {
  if (!/^0x[0-9a-fA-F]{40}$/.test(evm)) throw new TypeError(`not a 20-byte 0x address: ${evm}`);
  return fromPayload(hexToBytes(`0x41${evm.slice(2).toLowerCase()}`));
}
