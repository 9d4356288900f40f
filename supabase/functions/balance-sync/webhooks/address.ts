/**
 * Where a webhook may go (SSRF). The database refuses a bad URL when an endpoint is created
 * (balance_sync.webhook_url_problem); this checks again at each delivery, after resolving the host
 * name, because a public-looking name can point at 127.0.0.1 or the cloud metadata address.
 *
 * Limit: the name is resolved here and again by fetch, so a name whose records change between the
 * two lookups (DNS rebinding) is not caught. Use names you control.
 */

export interface AddressPolicy {
  /** http:// allowed (local development only). */
  allowHttp: boolean;
  /** loopback, private, link-local and metadata addresses allowed (local development only). */
  allowPrivate: boolean;
  /** A and AAAA records of a name; default Deno.resolveDns where the runtime has it. */
  resolve?: ((host: string) => Promise<string[]>) | null;
}

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToInt(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function v4Blocked(value: number): boolean {
  return V4_BLOCKED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base)!;
    return value >= start && value < start + size;
  });
}

/** The 8 groups of an IPv6 address (an embedded IPv4 tail is converted), or null. */
function v6Groups(address: string): number[] | null {
  let text = address.toLowerCase().split("%")[0];
  const v4Tail = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4Tail) {
    const n = v4ToInt(v4Tail[1]);
    if (n === null) return null;
    text = text.slice(0, -v4Tail[1].length) +
      `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

function v6Blocked(g: number[]): boolean {
  const zeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUntil(8)) return true; // ::
  if (zeroUntil(7) && g[7] === 1) return true; // ::1
  if (zeroUntil(5) && g[5] === 0xffff) return true; // IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b) return true; // NAT64 64:ff9b::/96 and /48
  if ((g[0] & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true; // discard 100::/64
  return false;
}

/** True for an address a webhook must not reach (or for text that is no address at all). */
export function isBlockedAddress(address: string): boolean {
  const v4 = v4ToInt(address);
  if (v4 !== null) return v4Blocked(v4);
  const v6 = v6Groups(address.replace(/^\[|\]$/g, ""));
  return v6 === null ? true : v6Blocked(v6);
}

const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain)$/;

function defaultResolver(): ((host: string) => Promise<string[]>) | null {
  const resolveDns = (Deno as { resolveDns?: typeof Deno.resolveDns }).resolveDns;
  if (typeof resolveDns !== "function") return null;
  return async (host) => {
    const results = await Promise.allSettled([
      resolveDns(host, "A"),
      resolveDns(host, "AAAA"),
    ]);
    const found = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
    if (found.length === 0) {
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      throw failed?.reason ?? new Error("no A or AAAA record");
    }
    return found;
  };
}

/** Why a delivery to `url` is refused, or null when it may go. */
export async function addressProblem(url: string, policy: AddressPolicy): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the URL cannot be parsed";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `the scheme ${parsed.protocol} is not allowed`;
  }
  if (parsed.protocol === "http:" && !policy.allowHttp) {
    return "http:// is refused (setting webhook_allow_http)";
  }
  if (parsed.username || parsed.password) return "credentials in the URL are refused";
  if (policy.allowPrivate) return null;
  // URL has normalized numeric hosts already: http://2130706433/ has the hostname 127.0.0.1
  const host = parsed.hostname.replace(/\.$/, "").toLowerCase();
  const literal = host.startsWith("[") || v4ToInt(host) !== null;
  if (literal) {
    return isBlockedAddress(host)
      ? `the address ${host} is loopback, private, link-local, metadata or reserved`
      : null;
  }
  if (LOCAL_NAME.test(host) || !host.includes(".")) return `the host ${host} is a local name`;
  const resolve = policy.resolve === undefined ? defaultResolver() : policy.resolve;
  if (!resolve) return null;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `the host ${host} could not be resolved: ${(error as Error)?.message ?? error}`;
  }
  const blocked = addresses.find(isBlockedAddress);
  return blocked === undefined
    ? null
    : `the host ${host} resolves to ${blocked}, a loopback, private, link-local, metadata or ` +
      "reserved address";
}
