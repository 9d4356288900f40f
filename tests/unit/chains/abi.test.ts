import assert from "node:assert/strict";
import {
  decodeFunctionResult,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  multicall3Abi,
} from "viem";
import {
  AbiDecodeError,
  addressCall,
  decodeAggregate3,
  decodeUint256,
  encodeAggregate3,
  revertReason,
  SELECTOR,
} from "../../../supabase/functions/balance-sync/chains/abi.ts";
import { viemEncodeAggregate3 } from "../../../stack/viem_aggregate3.ts";

const address = (i: number) => `0x${(0x1000 + i).toString(16).padStart(40, "0")}` as Hex;
const resultType = [{
  type: "tuple[]",
  components: [{ type: "bool", name: "success" }, { type: "bytes", name: "returnData" }],
}] as const;

Deno.test("encodeAggregate3() produces the same calldata as viem's encoder", () => {
  const calls = Array.from({ length: 7 }, (_, i) => ({
    target: address(i).slice(2),
    callData: addressCall(
      i % 2 ? SELECTOR.balanceOf : SELECTOR.getEthBalance,
      address(i + 50).slice(2),
    ),
  }));
  // A call with calldata that is not a multiple of 32 bytes pads like viem.
  calls.push({ target: address(99).slice(2), callData: "deadbeef" });
  assert.equal(encodeAggregate3(calls), viemEncodeAggregate3(calls));
  assert.equal(
    `0x${addressCall(SELECTOR.balanceOf, address(3).slice(2))}`,
    encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [address(3)] }),
  );
});

Deno.test("decodeAggregate3() agrees with viem's decoder on mixed results", () => {
  const items = [
    { success: true, returnData: `0x${"ff".repeat(32)}` as Hex },
    { success: false, returnData: "0x" as Hex },
    { success: true, returnData: "0xab" as Hex },
    { success: true, returnData: `0x${"01".repeat(64)}` as Hex },
  ];
  const data = encodeAbiParameters(resultType, [items]);
  const ours = decodeAggregate3(data, items.length);
  const theirs = decodeFunctionResult({ abi: multicall3Abi, functionName: "aggregate3", data });
  assert.deepEqual(
    ours.map((r) => ({ success: r.success, returnData: `0x${r.returnData}` })),
    theirs,
  );
});

Deno.test("decodeAggregate3() rejects data that is not an aggregate3 result", () => {
  const good = encodeAbiParameters(resultType, [[{ success: true, returnData: "0x01" }]]);
  assert.throws(() => decodeAggregate3(good, 2), AbiDecodeError, "1 results for 2 calls");
  assert.throws(() => decodeAggregate3("0x", 1), AbiDecodeError);
  assert.throws(() => decodeAggregate3(`0x${"00".repeat(31)}01`, 1), AbiDecodeError);
  assert.throws(() => decodeAggregate3(`0x${"ff".repeat(96)}`, 1), AbiDecodeError, "too large");
  // A bytes length pointing past the end of the data.
  const truncated = good.slice(0, good.length - 64);
  assert.throws(() => decodeAggregate3(truncated, 1), AbiDecodeError);
  assert.throws(() => decodeAggregate3("0xzz", 1), AbiDecodeError);
});

Deno.test("decodeUint256() accepts exactly one word", () => {
  assert.equal(decodeUint256("ff".repeat(32)), (1n << 256n) - 1n);
  assert.equal(decodeUint256(`0x${"00".repeat(31)}07`), 7n);
  assert.equal(decodeUint256("ab"), null);
  assert.equal(decodeUint256(""), null);
  assert.equal(decodeUint256("00".repeat(64)), null);
});

Deno.test("revertReason() decodes Error(string), Panic and custom errors", () => {
  const errorAbi = [{
    type: "error",
    name: "Error",
    inputs: [{ type: "string", name: "m" }],
  }] as const;
  const withMessage = encodeErrorResult({ abi: errorAbi, errorName: "Error", args: ["nope"] });
  assert.equal(revertReason(withMessage), "nope");
  const panicAbi = [{
    type: "error",
    name: "Panic",
    inputs: [{ type: "uint256", name: "c" }],
  }] as const;
  assert.equal(
    revertReason(encodeErrorResult({ abi: panicAbi, errorName: "Panic", args: [0x11n] })),
    "panic 0x11",
  );
  assert.equal(revertReason("0x12345678"), "custom error 0x12345678");
  assert.equal(revertReason("0x"), "no reason given");
});

Deno.test("encodeAggregate3() equals viem's encoder for 600 calls of every calldata length 0..100 bytes", () => {
  // Offsets past 64 KiB and calldata of every padding remainder, empty calldata included.
  const calls = Array.from({ length: 600 }, (_, i) => ({
    target: address(i % 13).slice(2),
    callData: i % 5 === 0
      ? addressCall(SELECTOR.balanceOf, address(i).slice(2))
      : "ab".repeat(i % 101),
  }));
  assert.equal(encodeAggregate3(calls), viemEncodeAggregate3(calls));
});

Deno.test("decodeAggregate3() reads an answer in upper case as the same lowercase results", () => {
  const items = Array.from({ length: 40 }, (_, i) => ({
    success: i % 3 !== 0,
    returnData: `0x${"aB".repeat(i)}` as Hex,
  }));
  const data = encodeAbiParameters(resultType, [items]);
  const lower = decodeAggregate3(data, items.length);
  assert.deepEqual(decodeAggregate3(`0x${data.slice(2).toUpperCase()}`, items.length), lower);
  assert.deepEqual(
    lower.map((r) => r.returnData),
    items.map((item) => item.returnData.slice(2).toLowerCase()),
  );
});
