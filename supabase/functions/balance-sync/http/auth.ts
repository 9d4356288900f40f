/** Who may call the function: the credentials accepted, compared in constant time. */
/** Which accepted credential a caller presented. */
export type CredentialKind = "service_role" | "secret_key" | "sync_secret";

export interface AuthSecrets {
  /** The legacy service-role JWT; null when it is not set. */
  serviceRoleKey: string | null;
  /** Refuse the service-role JWT although it is set (a project that disabled legacy keys). */
  refuseLegacyKeys?: boolean;
  /** Supabase secret keys (`sb_secret_...`), accepted in the `apikey` header. */
  secretKeys: readonly string[];
  /** Dedicated secret of the cron path, accepted in `x-balance-sync-secret`. */
  syncSecret: string | null;
}

export const SYNC_SECRET_HEADER = "x-balance-sync-secret";

/** Resolves to the kind of credential that matched, or null (answer 401). */
export type Authenticator = (headers: Headers) => Promise<CredentialKind | null>;

const encoder = new TextEncoder();

/** Compares two equal-length digests without an early exit. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i] ?? 0);
  return diff === 0;
}

/** `Authorization: Bearer <token>` with exactly one token; anything else presents nothing. */
export function bearerToken(header: string | null): string | null {
  if (header === null) return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/**
 * Every presented value and every accepted secret is HMAC'd with a key that only this process
 * knows, and the fixed-length MACs are compared byte by byte without early exit. So the time taken
 * depends neither on where a guess first differs nor on its length, and all comparisons always run.
 */
export async function createAuthenticator(secrets: AuthSecrets): Promise<Authenticator> {
  const key = await crypto.subtle.importKey(
    "raw",
    crypto.getRandomValues(new Uint8Array(32)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = async (value: string) =>
    new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(value)));
  const macs = (values: readonly string[]) =>
    Promise.all(values.filter((v) => v.length > 0).map(mac));

  const legacy = secrets.serviceRoleKey && !secrets.refuseLegacyKeys
    ? [secrets.serviceRoleKey]
    : [];
  const accepted = {
    bearer: await macs(legacy),
    apikey: await macs([...legacy, ...secrets.secretKeys]),
    sync: await macs(secrets.syncSecret ? [secrets.syncSecret] : []),
  };
  const serviceRole = (await macs(legacy))[0];

  return async (headers) => {
    const presented = {
      bearer: bearerToken(headers.get("authorization")),
      apikey: headers.get("apikey")?.trim() || null,
      sync: headers.get(SYNC_SECRET_HEADER)?.trim() || null,
    };
    const [bearer, apikey, sync] = await Promise.all([
      mac(presented.bearer ?? ""),
      mac(presented.apikey ?? ""),
      mac(presented.sync ?? ""),
    ]);

    let viaBearer = false, viaApikey = false, viaSync = false, apikeyIsServiceRole = false;
    for (const a of accepted.bearer) viaBearer = digestsEqual(bearer, a) || viaBearer;
    for (const a of accepted.apikey) viaApikey = digestsEqual(apikey, a) || viaApikey;
    for (const a of accepted.sync) viaSync = digestsEqual(sync, a) || viaSync;
    if (serviceRole) apikeyIsServiceRole = digestsEqual(apikey, serviceRole);

    if (presented.bearer !== null && viaBearer) return "service_role";
    if (presented.apikey !== null && viaApikey) {
      return apikeyIsServiceRole ? "service_role" : "secret_key";
    }
    if (presented.sync !== null && viaSync) return "sync_secret";
    return null;
  };
}
