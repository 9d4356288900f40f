/**
 * Pure readers of java-tron's JSON answers. java-tron prints int64 fields (an account's `balance`)
 * as bare JSON numbers, which JSON.parse rounds above 2^53, so amounts are taken from the text.
 */

/**
 * The source text of the integer value of `key` in the top-level object of `json` (which must be
 * valid JSON), or undefined when the key is absent or its value is not an integer literal.
 * Keys of nested objects are skipped, whatever their names.
 */
export function topLevelIntegerText(json: string, key: string): string | undefined {
  let depth = 0;
  let i = 0;
  const n = json.length;
  // At depth 1, `expectKey` is true right after `{` or `,`: the next string is a key.
  let expectKey = false;
  while (i < n) {
    const c = json[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && json[i] !== '"') i += json[i] === "\\" ? 2 : 1;
      i++;
      if (depth === 1 && expectKey) {
        expectKey = false;
        const name = JSON.parse(json.slice(start, i)) as string;
        if (name === key) {
          const match = /^\s*:\s*(-?\d+)(?=\s*[,}])/.exec(json.slice(i));
          return match ? match[1] : undefined;
        }
      }
      continue;
    }
    if (c === "{" || c === "[") {
      depth++;
      expectKey = depth === 1 && c === "{";
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return undefined;
}

/** java-tron hex-encodes `result.message`; decodes it as UTF-8, or returns the text unchanged. */
export function decodeHexMessage(message: string): string {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(message)) return message;
  const bytes = new Uint8Array(message.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(message.slice(i * 2, i * 2 + 2), 16);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return message;
  }
}

/** Seconds to wait from a TronGrid suspension message ("... suspended for 30s" / "for 5 s"). */
export function suspensionSeconds(text: string): number | undefined {
  const match = /suspended for (\d+(?:\.\d+)?)\s*s/i.exec(text);
  return match ? Number(match[1]) : undefined;
}
