import assert from "node:assert/strict";
import { TronWeb } from "tronweb";
import {
  parseTronAddress,
  tronAddressFromEvm,
} from "../../../supabase/functions/balance-sync/chains/tron/address.ts";

// USDT's TRC20 contract on mainnet, and the community Multicall3 deployment.
const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const MULTICALL = "TEazPvZwDjDtFeJupyo7QunvnrnUjPH8ED";

Deno.test("parseTronAddress() accepts base58 and gives the 41-hex and 0x forms tronweb gives", () => {
  for (const base58 of [USDT, MULTICALL, "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"]) {
    const parsed = parseTronAddress(base58);
    assert.ok(parsed.ok, base58);
    assert.equal(parsed.address.base58, base58);
    assert.equal(parsed.address.hex, (TronWeb.address.toHex(base58) as string).toLowerCase());
    assert.equal(parsed.address.evm, `0x${parsed.address.hex.slice(2)}`);
  }
  const multicall = parseTronAddress(MULTICALL);
  assert.ok(multicall.ok);
  assert.equal(multicall.address.evm, "0x32a4f47a74a6810bd0bf861cabab99656a75de9e");
});

Deno.test("parseTronAddress() accepts 41-prefixed hex and renders its base58", () => {
  const parsed = parseTronAddress("4132A4F47A74A6810BD0BF861CABAB99656A75DE9E");
  assert.ok(parsed.ok);
  assert.equal(parsed.address.base58, MULTICALL);
});

Deno.test("parseTronAddress() rejects a base58 address with one character changed (checksum)", () => {
  const tampered = USDT.slice(0, 10) + (USDT[10] === "a" ? "b" : "a") + USDT.slice(11);
  assert.equal(TronWeb.isAddress(tampered), false);
  const parsed = parseTronAddress(tampered);
  assert.equal(parsed.ok, false);
  assert.match(!parsed.ok ? parsed.reason : "", /checksum/);
});

Deno.test("parseTronAddress() rejects an EVM 0x address with a reason that says so", () => {
  const parsed = parseTronAddress("0x32a4F47A74a6810BD0bF861CABAb99656a75DE9E");
  assert.equal(parsed.ok, false);
  assert.match(!parsed.ok ? parsed.reason : "", /EVM \(0x\) address/);
});

Deno.test("parseTronAddress() rejects characters outside base58, wrong lengths and empty text", () => {
  for (
    const bad of ["", "T", `${USDT}x`, USDT.replace("q", "0"), USDT.replace("8", "I"), "hello"]
  ) {
    const parsed = parseTronAddress(bad);
    assert.equal(parsed.ok, false, bad);
  }
});

Deno.test("parseTronAddress() rejects a valid base58check payload without the 0x41 prefix", () => {
  // A Bitcoin address: valid base58check, but version byte 0x00, not TRON's 0x41.
  const parsed = parseTronAddress("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
  assert.equal(parsed.ok, false);
});

Deno.test("tronAddressFromEvm() round-trips with parseTronAddress()", () => {
  const evm = "0x1111111111111111111111111111111111111111";
  const address = tronAddressFromEvm(evm);
  assert.equal(address.base58, TronWeb.address.fromHex(`41${evm.slice(2)}`));
  const parsed = parseTronAddress(address.base58);
  assert.ok(parsed.ok);
  assert.equal(parsed.address.evm, evm);
});

Deno.test("parseTronAddress() gives the same answer for a repeated address (cached) and keeps its text", () => {
  const first = parseTronAddress(USDT);
  const again = parseTronAddress(USDT);
  assert.deepEqual(again, first);
  const spaced = parseTronAddress(` ${USDT} `);
  assert.ok(spaced.ok);
  assert.equal(spaced.address.base58, USDT);
  const bad = `${USDT.slice(0, -1)}${USDT.endsWith("t") ? "u" : "t"}`;
  assert.equal(parseTronAddress(bad).ok, false);
  assert.equal(parseTronAddress(bad).ok, false);
});

Deno.test("parseTronAddress() agrees with tronweb on 2,000 random addresses and on every one-character change of them", () => {
  const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  for (let n = 0; n < 2000; n++) {
    const payload = crypto.getRandomValues(new Uint8Array(21));
    payload[0] = 0x41;
    // All-zero and all-0xff bodies among them: the extremes of the base58 arithmetic.
    if (n === 0) payload.fill(0, 1);
    if (n === 1) payload.fill(0xff, 1);
    const hex = [...payload].map((b) => b.toString(16).padStart(2, "0")).join("");
    const base58 = TronWeb.address.fromHex(hex) as string;
    const parsed = parseTronAddress(base58);
    assert.ok(parsed.ok, base58);
    assert.equal(parsed.address.hex, hex);
    assert.equal(parsed.address.base58, base58);
    // A changed character: tronweb and this parser refuse it alike (a checksum catches nearly all).
    const at = 1 + (n % 33);
    const other = alphabet[(alphabet.indexOf(base58[at]) + 1 + (n % 57)) % 58];
    const changed = base58.slice(0, at) + other + base58.slice(at + 1);
    assert.equal(parseTronAddress(changed).ok, TronWeb.isAddress(changed), changed);
    assert.equal(parseTronAddress(changed).ok, TronWeb.isAddress(changed), `${changed}, again`);
  }
});
