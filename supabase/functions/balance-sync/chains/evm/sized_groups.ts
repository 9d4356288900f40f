/**
 * Cuts a read's JSON-RPC calls into HTTP requests (pure): at most `maxCalls` calls and about
 * `maxBytes` of answer each, in order. A call whose answer alone is larger goes alone.
 */
export interface Groups {
  /** Indices of the items, per request. */
  groups: number[][];
  /** True when a request was closed because of the call count (more calls were waiting). */
  cutByCount: boolean;
  /** True when a request was closed because of the answer's size. */
  cutByBytes: boolean;
}

export function planGroups(
  bytes: readonly number[],
  maxCalls: number,
  maxBytes: number,
  /** The first request may hold this many calls instead (a probe of a larger batch). */
  firstMaxCalls = maxCalls,
): Groups {
  const groups: number[][] = [];
  let cutByCount = false;
  let cutByBytes = false;
  let current: number[] = [];
  let size = 0;
  bytes.forEach((b, i) => {
    const limit = groups.length === 0 ? firstMaxCalls : maxCalls;
    if (current.length > 0 && current.length >= limit) {
      cutByCount = true;
      groups.push(current);
      current = [];
      size = 0;
    } else if (current.length > 0 && size + b > maxBytes) {
      cutByBytes = true;
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += b;
  });
  if (current.length > 0) groups.push(current);
  return { groups, cutByCount, cutByBytes };
}

/**
 * Bytes of the JSON-RPC answer to an aggregate3 of `calls` balance reads: the hex of
 * (bool success, bytes returnData)[] with 32-byte return data (64 + 160 bytes per call), plus
 * the envelope. Used to keep a request's answer under the provider's size limit.
 */
export const aggregateAnswerBytes = (calls: number) => 2 * (64 + 160 * calls) + 64;

/** Bytes of the answer to one eth_getBalance / balanceOf / eth_getCode-like call. */
export const SINGLE_ANSWER_BYTES = 140;
