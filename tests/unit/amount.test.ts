import assert from "node:assert/strict";
import { formatUnits } from "viem/utils";
import {
  AmountError,
  humanFromDigits,
  rawDigits,
  toHuman,
  UINT256_MAX,
} from "../../supabase/functions/balance-sync/amount.ts";

const MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

Deno.test("toHuman() renders zero as 0 at any decimals", () => {
  assert.equal(toHuman(0n, 0), "0");
  assert.equal(toHuman(0n, 18), "0");
  assert.equal(toHuman(0n, 77), "0");
});

Deno.test("toHuman() keeps every digit of uint256 max", () => {
  assert.equal(UINT256_MAX.toString(), MAX);
  assert.equal(toHuman(UINT256_MAX, 0), MAX);
  assert.equal(toHuman(UINT256_MAX, 18), `${MAX.slice(0, -18)}.${MAX.slice(-18)}`);
  assert.equal(toHuman(UINT256_MAX, 77), `${MAX.slice(0, 1)}.${MAX.slice(1)}`);
});

Deno.test("toHuman() with decimals 0 returns the raw integer", () => {
  assert.equal(toHuman(123456789012345678901234567890n, 0), "123456789012345678901234567890");
});

Deno.test("toHuman() with decimals 6 (USDT-like)", () => {
  assert.equal(toHuman(1_500_000n, 6), "1.5");
  assert.equal(toHuman(1n, 6), "0.000001");
  assert.equal(toHuman(9_007_199_254_740_993n, 6), "9007199254.740993");
});

Deno.test("toHuman() with decimals 18 beyond 2^53", () => {
  assert.equal(toHuman(10n ** 18n, 18), "1");
  assert.equal(toHuman(2n ** 53n + 1n, 18), "0.009007199254740993");
  assert.equal(toHuman(123_456_789_000_000_000_000_001n, 18), "123456.789000000000000001");
});

Deno.test("toHuman() with decimals 30", () => {
  assert.equal(toHuman(10n ** 30n, 30), "1");
  assert.equal(toHuman(1n, 30), `0.${"0".repeat(29)}1`);
  assert.equal(toHuman(10n ** 31n + 7n, 30), `10.${"0".repeat(29)}7`);
});

Deno.test("toHuman() with decimals 77 puts one digit before the point for 10^77", () => {
  assert.equal(toHuman(10n ** 77n, 77), "1");
  assert.equal(toHuman(1n, 77), `0.${"0".repeat(76)}1`);
});

Deno.test("toHuman() rejects decimals outside 0..77 or not integers", () => {
  for (const decimals of [-1, 78, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => toHuman(1n, decimals), AmountError, String(decimals));
  }
  assert.throws(() => toHuman(1n, "6" as unknown as number), AmountError);
});

Deno.test("toHuman() rejects raw amounts outside uint256 and non-bigints", () => {
  assert.throws(() => toHuman(-1n, 0), AmountError);
  assert.throws(() => toHuman(UINT256_MAX + 1n, 0), (e) => {
    assert.ok(e instanceof AmountError);
    assert.equal(e.data.raw, (UINT256_MAX + 1n).toString());
    return true;
  });
  assert.throws(() => toHuman(5 as unknown as bigint, 0), AmountError);
});

Deno.test("toHuman() agrees with viem's formatUnits on amounts of every length and every decimals", () => {
  // Amounts from 1 to 78 digits, with and without trailing zeros, at every decimals 0..77.
  let seed = 7n;
  const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % (1n << 256n));
  const amounts = [0n, 1n, 10n, UINT256_MAX];
  for (let digits = 1; digits <= 77; digits++) {
    const value = next() % 10n ** BigInt(digits);
    amounts.push(value, value * 10n ** BigInt(78 - digits) > UINT256_MAX ? value : value * 1000n);
  }
  for (const raw of amounts) {
    for (let decimals = 0; decimals <= 77; decimals++) {
      const expected = formatUnits(raw, decimals);
      assert.equal(toHuman(raw, decimals), expected, `${raw} at ${decimals} decimals`);
      assert.equal(humanFromDigits(rawDigits(raw), decimals), expected);
    }
  }
});

Deno.test("rawDigits() gives every digit and refuses what is not a uint256", () => {
  assert.equal(rawDigits(UINT256_MAX), MAX);
  assert.equal(rawDigits(0n), "0");
  assert.throws(() => rawDigits(-1n), AmountError);
  assert.throws(() => rawDigits(UINT256_MAX + 1n), AmountError);
});

Deno.test("humanFromDigits() refuses decimals outside 0..77", () => {
  assert.throws(() => humanFromDigits("1", 78), AmountError);
  assert.throws(() => humanFromDigits("1", -1), AmountError);
});
