/**
 * aggregate3 calldata for 500 balances, encoded and its answer decoded by the hand-written codec
 * (chains/abi.ts) and by viem's encodeFunctionData / decodeFunctionResult, side by side in one
 * run: the Edge Function has 2 s of CPU per request, and a run reads thousands of balances.
 *
 *   deno run -A bench/aggregate3_codec.ts [calls=500] [rounds=200]
 */
import { decodeFunctionResult, encodeAbiParameters, type Hex, multicall3Abi } from "viem";
import {
  addressCall,
  decodeAggregate3,
  encodeAggregate3,
  SELECTOR,
} from "../supabase/functions/balance-sync/chains/abi.ts";
import { viemEncodeAggregate3 } from "../stack/viem_aggregate3.ts";

const calls = Number(Deno.args[0] ?? 500);
const rounds = Number(Deno.args[1] ?? 200);

const hex40 = (i: number) => i.toString(16).padStart(40, "0");
const batch = Array.from({ length: calls }, (_, i) => ({
  target: hex40(0xa000 + (i % 7)),
  callData: addressCall(SELECTOR.balanceOf, hex40(i + 1)),
}));
const answer = encodeAbiParameters(
  [{ type: "tuple[]", components: [{ type: "bool" }, { type: "bytes" }] }],
  [batch.map((_, i) =>
    [true, `0x${(BigInt(i) * 10n ** 18n).toString(16).padStart(64, "0")}`] as const
  )],
) as Hex;

function time(label: string, run: () => unknown): number {
  for (let i = 0; i < 5; i++) run();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) run();
  const perRound = (performance.now() - start) / rounds;
  console.log(`${label.padEnd(38)} ${perRound.toFixed(3).padStart(8)} ms per ${calls} calls`);
  return perRound;
}

const handEncode = time("hand-written encode", () => encodeAggregate3(batch));
const viemEncode = time("viem encodeFunctionData", () => viemEncodeAggregate3(batch));
const handDecode = time("hand-written decode", () => decodeAggregate3(answer, calls));
const viemDecode = time(
  "viem decodeFunctionResult",
  () => decodeFunctionResult({ abi: multicall3Abi, functionName: "aggregate3", data: answer }),
);
console.log(
  `viem / hand-written: encode ×${(viemEncode / handEncode).toFixed(1)}, ` +
    `decode ×${(viemDecode / handDecode).toFixed(1)}`,
);
