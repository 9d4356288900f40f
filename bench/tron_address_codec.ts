/**
 * TRON address checks for 2,000 distinct addresses (a cold cache: the worst case of one read),
 * base58check decoding plus the `41`-hex form and the EVM form.
 *
 *   deno run -A bench/tron_address_codec.ts [addresses=2000] [rounds=20]
 */
import {
  parseTronAddress,
  tronAddressFromEvm,
} from "../supabase/functions/balance-sync/chains/tron/address.ts";

const count = Number(Deno.args[0] ?? 2000);
const rounds = Number(Deno.args[1] ?? 20);

const addresses = Array.from(
  { length: count * (rounds + 5) },
  (_, i) => tronAddressFromEvm(`0x${(i + 1).toString(16).padStart(40, "0")}`).base58,
);

let next = 0;
const round = () => {
  for (let i = 0; i < count; i++) {
    if (!parseTronAddress(addresses[next++]).ok) throw new Error("valid address refused");
  }
};
for (let i = 0; i < 5; i++) round();
const start = performance.now();
for (let i = 0; i < rounds; i++) round();
const perRound = (performance.now() - start) / rounds;
console.log(`parseTronAddress, cold cache: ${perRound.toFixed(2)} ms per ${count} addresses`);
