/**
 * HS256 JSON Web Tokens for the local stack: the keys Supabase would issue (anon, service_role,
 * authenticated user), signed with a test secret, and their verification in the PostgREST stand-in.
 */

const encoder = new TextEncoder();

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromBase64url(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

const hmacKey = (secret: string, usage: KeyUsage) =>
  crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);

export type JwtClaims = Record<string, unknown> & { role?: string; exp?: number };

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const key = await hmacKey(secret, "sign");
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url(new Uint8Array(signature))}`;
}

export class JwtError extends Error {
  override name = "JwtError";
  constructor(readonly reason: "malformed" | "signature" | "expired", message: string) {
    super(message);
  }
}

/** Returns the claims of a valid HS256 token, or throws a JwtError that says why not. */
export async function verifyJwt(token: string, secret: string): Promise<JwtClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) {
    throw new JwtError("malformed", "Expected 3 parts in JWT; got " + parts.length);
  }
  let header: { alg?: string };
  let claims: JwtClaims;
  let signature: Uint8Array;
  try {
    header = JSON.parse(new TextDecoder().decode(fromBase64url(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1])));
    signature = fromBase64url(parts[2]);
  } catch {
    throw new JwtError("malformed", "JWT cannot be decoded");
  }
  if (header.alg !== "HS256") {
    throw new JwtError("malformed", "Wrong or unsupported encoding algorithm");
  }
  const key = await hmacKey(secret, "verify");
  const valid = await crypto.subtle.verify(
    "HMAC",
    key,
    signature as BufferSource,
    encoder.encode(`${parts[0]}.${parts[1]}`),
  );
  if (!valid) throw new JwtError("signature", "JWSError JWSInvalidSignature");
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    throw new JwtError("expired", "JWT expired");
  }
  return claims;
}

/** The test secret every local component shares, like a Supabase project's JWT secret. */
export const TEST_JWT_SECRET = "local-balance-sync-jwt-secret-at-least-32-characters";

export interface TestKeys {
  anonKey: string;
  serviceRoleKey: string;
  /** A signed-in user's access token (role `authenticated`). */
  userToken: string;
}

export async function testKeys(secret = TEST_JWT_SECRET): Promise<TestKeys> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + 10 * 365 * 24 * 3600;
  return {
    anonKey: await signJwt({ iss: "supabase-demo", role: "anon", iat, exp }, secret),
    serviceRoleKey: await signJwt({ iss: "supabase-demo", role: "service_role", iat, exp }, secret),
    userToken: await signJwt(
      { sub: "00000000-0000-4000-8000-000000000001", role: "authenticated", iat, exp },
      secret,
    ),
  };
}
