/**
 * The demo's starting funds on the local chains. supabase/seed.sql holds everything the database
 * knows (chains, assets, wallets, addresses); this holds what the chains hold at start, by wallet
 * label, chain family and asset symbol, in human units. A seeded address without an entry here
 * starts at zero (on TRON: never activated, which the node answers with `{}`).
 */
export interface DemoFund {
  wallet: string;
  family: "evm" | "tron";
  symbol: string;
  amount: string;
}

export const DEMO_FUNDS: readonly DemoFund[] = [
  { wallet: "Alice", family: "evm", symbol: "ETH", amount: "12.5" },
  { wallet: "Alice", family: "evm", symbol: "USDT", amount: "1250" },
  { wallet: "Alice", family: "tron", symbol: "TRX", amount: "1500" },
  { wallet: "Alice", family: "tron", symbol: "USDT", amount: "800.25" },
  { wallet: "Bob", family: "evm", symbol: "ETH", amount: "3.2" },
  { wallet: "Bob", family: "evm", symbol: "USDT", amount: "310.5" },
  { wallet: "Bob", family: "tron", symbol: "TRX", amount: "42.123456" },
  { wallet: "Bob", family: "tron", symbol: "USDT", amount: "95" },
  { wallet: "Carol", family: "evm", symbol: "ETH", amount: "0.75" },
  { wallet: "Dave", family: "evm", symbol: "USDT", amount: "5000" },
  // Dave holds no ETH row, but a little ETH pays the gas when dev:transfer moves his USDT.
  { wallet: "Dave", family: "evm", symbol: "ETH", amount: "0.05" },
];

export class AmountError extends Error {
  override name = "AmountError";
  constructor(readonly amount: string, readonly decimals: number) {
    super(`${JSON.stringify(amount)} is not a decimal amount with at most ${decimals} decimals`);
  }
}

/** "12.5" with 18 decimals -> 12500000000000000000n (exact; no floating point). */
export function parseUnits(amount: string, decimals: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match || (match[2] ?? "").length > decimals) throw new AmountError(amount, decimals);
  return BigInt(match[1] + (match[2] ?? "").padEnd(decimals, "0"));
}

/** 12500000000000000000n with 18 decimals -> "12.5"; negative values keep their sign. */
export function formatUnits(raw: bigint, decimals: number): string {
  const sign = raw < 0n ? "-" : "";
  const digits = (raw < 0n ? -raw : raw).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return sign + (fraction ? `${whole}.${fraction}` : whole);
}
