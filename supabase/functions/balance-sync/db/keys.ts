/**
 * Which Supabase API key the function's database client sends, and which keys callers may present.
 *
 * Hosted Supabase gives every function `SUPABASE_SECRET_KEYS`, a JSON dictionary of name to
 * `sb_secret_...` key (`{"default": "sb_secret_..."}`), next to the legacy JWT in
 * `SUPABASE_SERVICE_ROLE_KEY`. A project can disable its legacy keys; the API gateway then answers
 * every request that carries the JWT with 401 "Legacy API keys are disabled". So the client takes
 * a secret key whenever there is one, and the legacy JWT only when there is none.
 */
import { ConfigError } from "../config_error.ts";

type Env = (name: string) => string | undefined;

/** The name in SUPABASE_SECRET_KEYS whose key the database client uses. */
export const SECRET_KEY_NAME_VARIABLE = "BALANCE_SYNC_SECRET_KEY_NAME";
/** `true`: the legacy service-role JWT is no credential at all (projects that disabled it). */
export const REFUSE_LEGACY_VARIABLE = "BALANCE_SYNC_REFUSE_LEGACY_KEYS";
export const DEFAULT_SECRET_KEY_NAME = "default";

export interface ApiKeys {
  /** The key the database client sends in `apikey`. */
  databaseKey: string;
  /** `secret_key`: a key of SUPABASE_SECRET_KEYS; `service_role`: the legacy JWT. */
  databaseKeyKind: "secret_key" | "service_role";
  /** SUPABASE_SERVICE_ROLE_KEY, or null when it is not set. */
  serviceRoleKey: string | null;
  /** Every key of SUPABASE_SECRET_KEYS; each is accepted from callers in `apikey`. */
  secretKeys: string[];
  /** The service-role JWT is refused as a caller credential and never used by the client. */
  refuseLegacyKeys: boolean;
}

/** SUPABASE_SECRET_KEYS as name → key; empty when it is not set. */
export function parseSecretKeys(raw: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!raw?.trim()) return keys;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || value.trim().length === 0) {
      throw new ConfigError("SUPABASE_SECRET_KEYS", `entry "${name}" must be a non-empty string`);
    }
    keys.set(name, value.trim());
  }
  return keys;
}

function flag(env: Env, name: string): boolean {
  const raw = env(name)?.trim().toLowerCase();
  if (raw === undefined || raw === "") return false;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/**
 * The database key: the secret key named by BALANCE_SYNC_SECRET_KEY_NAME (default `default`);
 * SUPABASE_SERVICE_ROLE_KEY only when SUPABASE_SECRET_KEYS holds no key at all and legacy keys are
 * not refused. A name that is not in the dictionary is an error rather than a silent fallback: the
 * fallback would be the very key a project may have disabled.
 */
export function loadApiKeys(env: Env): ApiKeys {
  const refuseLegacyKeys = flag(env, REFUSE_LEGACY_VARIABLE);
  const serviceRoleKey = env("SUPABASE_SERVICE_ROLE_KEY")?.trim() || null;
  const named = parseSecretKeys(env("SUPABASE_SECRET_KEYS"));
  const secretKeys = [...named.values()];
  const chosenName = env(SECRET_KEY_NAME_VARIABLE)?.trim() || null;

  if (named.size > 0) {
    const name = chosenName ?? DEFAULT_SECRET_KEY_NAME;
    const key = named.get(name);
    if (key === undefined) {
      throw new ConfigError(
        chosenName ? SECRET_KEY_NAME_VARIABLE : "SUPABASE_SECRET_KEYS",
        `has no key named "${name}" (names: ${[...named.keys()].join(", ")}); set ${
          chosenName ? "it" : SECRET_KEY_NAME_VARIABLE
        } to one of them`,
      );
    }
    return {
      databaseKey: key,
      databaseKeyKind: "secret_key",
      serviceRoleKey,
      secretKeys,
      refuseLegacyKeys,
    };
  }
  if (chosenName) {
    throw new ConfigError(SECRET_KEY_NAME_VARIABLE, "is set but SUPABASE_SECRET_KEYS is empty");
  }
  if (refuseLegacyKeys) {
    throw new ConfigError(
      "SUPABASE_SECRET_KEYS",
      `is required when ${REFUSE_LEGACY_VARIABLE} is true (SUPABASE_SERVICE_ROLE_KEY is a legacy key)`,
    );
  }
  if (serviceRoleKey === null) {
    throw new ConfigError(
      "SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY",
      "one of them is required (a secret key, or the legacy service-role key); neither is set",
    );
  }
  return {
    databaseKey: serviceRoleKey,
    databaseKeyKind: "service_role",
    serviceRoleKey,
    secretKeys,
    refuseLegacyKeys,
  };
}
