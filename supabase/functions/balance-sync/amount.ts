/** Token amounts: raw uint256 integers and their human decimal strings, never Number. */
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
  return humanFromDigits(rawDigits(raw), decimals);
}

/** The decimal digits of a uint256 amount (what the database's raw column takes). */
export function rawDigits(raw: bigint): string {
  assertRawAmount(raw);
  return raw.toString();
}

/**
 * toHuman from the amount's digits (rawDigits), so that a balance is turned into text once, not
 * once for raw and once for human: this runs for every balance read.
 */
export function humanFromDigits(digits: string, decimals: number): string {
  assertDecimals(decimals);
  if (decimals === 0) return digits;
  // At least one digit before the point: 1 with decimals 6 is 0000001 -> 0.000001.
  const padded = digits.length > decimals ? digits : digits.padStart(decimals + 1, "0");
  const point = padded.length - decimals;
  let end = padded.length;
  while (end > point && padded.charCodeAt(end - 1) === 48 /* "0" */) end--;
  const integer = padded.slice(0, point);
  return end === point ? integer : `${integer}.${padded.slice(point, end)}`;
}
