import { formatUnits } from "viem/utils";

export const UINT256_MAX = (1n << 256n) - 1n;
/** 10^77 < 2^256 < 10^78: more decimals than 77 cannot describe a uint256 amount meaningfully. */
export const MAX_DECIMALS = 77;

export class AmountError extends Error {
  override name = "AmountError";
  constructor(
    message: string,
    readonly data: { raw?: string; decimals?: unknown },
  ) {
    super(message);
  }
}

/** Checks that `decimals` is an integer in 0..77; throws AmountError otherwise. */
export function assertDecimals(decimals: unknown): asserts decimals is number {
  if (
    typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 ||
    decimals > MAX_DECIMALS
  ) {
    throw new AmountError(
      `decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${decimals}`,
      {
        decimals,
      },
    );
  }
}

/** Checks that `raw` is a bigint in 0..2^256-1; throws AmountError otherwise. */
export function assertRawAmount(raw: unknown): asserts raw is bigint {
  if (typeof raw !== "bigint") {
    throw new AmountError(`raw amount must be a bigint, got ${typeof raw}`, {});
  }
  if (raw < 0n || raw > UINT256_MAX) {
    throw new AmountError("raw amount must be within 0..2^256-1", { raw: raw.toString() });
  }
}

/**
 * The exact decimal string of `raw / 10^decimals`, without trailing zeros ("1.5", "0", "42").
 * Never goes through a Number.
 */
export function toHuman(raw: bigint, decimals: number): string {
  assertRawAmount(raw);
  assertDecimals(decimals);
  return formatUnits(raw, decimals);
}
