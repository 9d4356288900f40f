/**
 * STAND-IN for PostgREST, RPC only: `POST /rest/v1/rpc/<fn>`.
 *
 * Why a stand-in: PostgREST ships as a binary from GitHub releases (or in Supabase's Docker image);
 * neither the npm registry nor Debian's packages provide it, and no Docker engine runs here.
 *
 * What it follows from the real one (PostgREST 12, as behind Supabase's API gateway):
 * - named JSON arguments become typed SQL arguments through `json_to_record`, with the types read
 *   from `pg_proc`, and the overload is chosen by argument names;
 * - the request runs in one transaction under the role of the bearer JWT (HS256), with
 *   `request.jwt.claims` set; a missing or invalid JWT is refused (401), as the gateway does;
 * - what Supabase's API gateway does with the new API keys (docs: "API keys"): an `sb_secret_...`
 *   key in `apikey` runs as `service_role`, an `sb_publishable_...` key as `anon`, unless a user's
 *   JWT comes as bearer; an unknown new key is refused (401 "Invalid API key"); supabase-js also
 *   forwards the key as bearer, which the gateway ignores;
 * - a project can disable its legacy JWT keys (`legacyKeysDisabled`): the gateway then refuses the
 *   `anon` / `service_role` JWTs in either header with 401 and its own body, `{message: "Legacy
 *   API keys are disabled", hint}`, before PostgREST sees the request. User JWTs still pass;
 * - hosted limits: `db-max-rows` (1,000 on hosted projects) caps what a set-returning function
 *   returns, silently, as PostgREST's LIMIT does; the request runs under the timeouts of the roles
 *   (connect as `authenticator`, whose `statement_timeout` the session gets at login, 8 s on
 *   hosted; then the impersonated role's own setting, if it has one, e.g. `anon` 3 s: PostgREST's
 *   "impersonated role settings");
 * - scalar results come back as their JSON, set-returning ones as a JSON array, `void` as 204;
 * - errors are `{code, message, details, hint}` with PostgREST's status codes.
 */
import postgres from "postgres";
import { type JwtClaims, JwtError, verifyJwt } from "../jwt.ts";

export interface PostgrestOptions {
  databaseUrl: string;
  jwtSecret: string;
  port?: number;
  /** Added before each request is handled, to model the network between function and API. */
  latencyMs?: number;
  schema?: string;
  /** New-style keys the gateway knows: `sb_secret_...` (service_role), `sb_publishable_...` (anon). */
  apiKeys?: { secret?: string[]; publishable?: string[] };
  /** The project disabled its legacy JWT API keys (anon, service_role). */
  legacyKeysDisabled?: boolean;
  /** PostgREST's `db-max-rows`: rows a set-returning function returns at most (hosted: 1,000). */
  dbMaxRows?: number;
}

/** `db-max-rows` of hosted Supabase projects. */
export const HOSTED_DB_MAX_ROWS = 1000;

export interface Postgrest {
  /** Base URL to give to `createClient(url, key)`. */
  url: string;
  port: number;
  /** RPC requests served so far, by function name. */
  readonly calls: Map<string, number>;
  /** RPC requests served so far, all functions. */
  readonly requests: number;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

interface RoutineArg {
  name: string;
  type: string;
  hasDefault: boolean;
}

interface Routine {
  schema: string;
  name: string;
  args: RoutineArg[];
  returnsSet: boolean;
  returnsVoid: boolean;
}

type PgError = Error & { code?: string; detail?: string; hint?: string; errno?: string };

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });

/** When the local "project" disabled its legacy keys; the gateway's hint names the moment. */
const DISABLED_AT = "2026-01-01T00:00:00+00:00";

/** The gateway's answer to a legacy key in a project that disabled them (not PostgREST's shape). */
export const legacyKeysDisabled = () =>
  json(401, {
    message: "Legacy API keys are disabled",
    hint:
      `Your legacy API keys (anon, service_role) were disabled on ${DISABLED_AT}. Re-enable them in the Supabase dashboard, or use the new publishable and secret API keys.`,
  });

const NEW_KEY = /^sb_(secret|publishable)_/;

/** A legacy API key is a project JWT for `anon` or `service_role` without a user (`sub`). */
const isLegacyApiKey = (claims: JwtClaims) =>
  (claims.role === "anon" || claims.role === "service_role") && claims.sub === undefined;

const apiError = (
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
) => json(status, { code, message, details, hint });

/** PostgREST's mapping from SQLSTATE to HTTP status (docs: "Errors" → "SQLSTATE Codes"). */
export function statusForSqlState(code: string, role: string, anonRole = "anon"): number {
  if (code === "42501") return role === anonRole ? 401 : 403;
  if (code === "P0001") return 400;
  if (code === "P0002") return 404;
  if (code === "42883" || code === "42P01") return 404;
  if (code === "23503" || code === "23505") return 409;
  if (code === "25006") return 405;
  if (code === "40001" || code === "40P01") return 409;
  if (code === "53400") return 500;
  if (/^(08|53|57P0)/.test(code)) return 503;
  if (/^(22|23)/.test(code)) return 400;
  if (code === "42P17") return 500;
  if (/^(42|2F|39|3D)/.test(code)) return code === "42P01" ? 404 : 400;
  return 500;
}

const isConnectionFailure = (error: PgError) =>
  [
    "ECONNREFUSED",
    "ECONNRESET",
    "ENOTFOUND",
    "CONNECTION_CLOSED",
    "CONNECTION_ENDED",
    "CONNECT_TIMEOUT",
    "CONNECTION_DESTROYED",
  ].includes(error.code ?? "") ||
  /^(08|57P0)/.test(error.code ?? "") || error.name === "ConnectionRefused";

export function startPostgrest(options: PostgrestOptions): Promise<Postgrest> {
  const schema = options.schema ?? "public";
  // As on Supabase, PostgREST logs in as `authenticator` and switches to the request's role.
  const loginUrl = new URL(options.databaseUrl);
  loginUrl.username = "authenticator";
  loginUrl.password = "";
  const sql = postgres(loginUrl.toString(), {
    max: 10,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 5,
  });
  const calls = new Map<string, number>();
  let requests = 0;
  let latencyMs = options.latencyMs ?? 0;
  const dbMaxRows = options.dbMaxRows ?? HOSTED_DB_MAX_ROWS;

  /** The role's own statement_timeout (ALTER ROLE ... SET), applied when the request takes it. */
  const roleTimeouts = new Map<string, Promise<string | null>>();
  const roleTimeout = (role: string) => {
    let found = roleTimeouts.get(role);
    if (!found) {
      found = sql<{ value: string }[]>`
        select split_part(c, '=', 2) as value
        from pg_db_role_setting as s
        join pg_roles as r on r.oid = s.setrole
        cross join unnest(s.setconfig) as c
        where r.rolname = ${role} and c like 'statement_timeout=%'
          and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
        order by s.setdatabase desc
        limit 1`.then((rows) => rows[0]?.value ?? null);
      roleTimeouts.set(role, found);
    }
    return found;
  };

  const findRoutine = async (name: string, argNames: string[]): Promise<Routine | null> => {
    const rows = await sql<
      {
        name: string;
        names: string[];
        types: string[];
        ndefaults: number;
        retset: boolean;
        rettype: string;
      }[]
    >`
      select p.proname as name,
             coalesce(p.proargnames[1:p.pronargs], array_fill(''::text, array[p.pronargs])) as names,
             array(select format_type(t.oid, null)
                   from unnest(p.proargtypes::oid[]) with ordinality as a(oid, n)
                   join pg_type t on t.oid = a.oid order by a.n) as types,
             p.pronargdefaults as ndefaults, p.proretset as retset,
             format_type(p.prorettype, null) as rettype
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = ${schema} and p.proname = ${name} and p.prokind = 'f'`;
    for (const row of rows) {
      const firstDefault = row.names.length - row.ndefaults;
      const args = row.names.map((argName, i) => ({
        name: argName,
        type: row.types[i],
        hasDefault: i >= firstDefault,
      }));
      const known = new Set(args.map((a) => a.name));
      const given = new Set(argNames);
      if (
        argNames.every((n) => known.has(n)) && args.every((a) => a.hasDefault || given.has(a.name))
      ) {
        return {
          schema,
          name: row.name,
          args,
          returnsSet: row.retset || row.rettype === "record",
          returnsVoid: row.rettype === "void",
        };
      }
    }
    return null;
  };

  const buildQuery = (routine: Routine, argNames: string[]): string => {
    const fn = `${quoteIdent(routine.schema)}.${quoteIdent(routine.name)}`;
    const used = routine.args.filter((a) => argNames.includes(a.name));
    const callArgs = used.map((a) => `${quoteIdent(a.name)} := _.${quoteIdent(a.name)}`).join(", ");
    const from = used.length
      ? ` from json_to_record($1::text::json) as _(${
        used.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(", ")
      })`
      : "";
    if (routine.returnsVoid) return `select ${fn}(${callArgs})${from}`;
    if (routine.returnsSet) {
      const source = used.length ? `${from}, lateral ${fn}(${callArgs}) _r` : ` from ${fn}() _r`;
      return `select coalesce(json_agg(_x._r), '[]')::text as body ` +
        `from (select _r${source} limit ${dbMaxRows}) as _x`;
    }
    return `select to_json(${fn}(${callArgs}))::text as body${from}`;
  };

  const secretKeys = new Set(options.apiKeys?.secret ?? []);
  const publishableKeys = new Set(options.apiKeys?.publishable ?? []);

  const verify = async (token: string): Promise<JwtClaims | Response> => {
    try {
      return await verifyJwt(token, options.jwtSecret);
    } catch (e) {
      if (e instanceof JwtError) {
        return apiError(401, e.reason === "expired" ? "PGRST303" : "PGRST301", e.message);
      }
      throw e;
    }
  };

  /** The API gateway's part: which claims the request runs with, or its refusal. */
  const gateway = async (headers: Headers): Promise<JwtClaims | Response> => {
    const apikey = headers.get("apikey")?.trim() || null;
    const bearer = headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
    if (apikey !== null && NEW_KEY.test(apikey)) {
      const role = secretKeys.has(apikey)
        ? "service_role"
        : publishableKeys.has(apikey)
        ? "anon"
        : null;
      if (role === null) {
        return json(401, {
          message: "Invalid API key",
          hint: "Double check your Supabase `anon` or `service_role` API key.",
        });
      }
      // supabase-js sends the key as bearer too; only a JWT there (a user's session) counts.
      if (bearer === null || bearer === apikey || NEW_KEY.test(bearer)) return { role };
      const claims = await verify(bearer);
      if (claims instanceof Response) return claims;
      if (options.legacyKeysDisabled && isLegacyApiKey(claims)) return legacyKeysDisabled();
      return claims;
    }
    if (options.legacyKeysDisabled && apikey !== null) {
      const claims = await verify(apikey);
      if (!(claims instanceof Response) && isLegacyApiKey(claims)) return legacyKeysDisabled();
    }
    if (!bearer) return apiError(401, "PGRST302", "Anonymous access is disabled");
    const claims = await verify(bearer);
    if (claims instanceof Response) return claims;
    if (options.legacyKeysDisabled && isLegacyApiKey(claims)) return legacyKeysDisabled();
    return claims;
  };

  const handle = async (request: Request): Promise<Response> => {
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const path = new URL(request.url).pathname;
    const match = path.match(/^\/rest\/v1\/rpc\/([A-Za-z0-9_]+)$/);
    if (!match) return apiError(404, "PGRST125", `Invalid path specified in request URL`);
    if (request.method !== "POST") {
      return apiError(405, "PGRST117", `Unsupported HTTP method: ${request.method}`);
    }
    const profile = request.headers.get("content-profile");
    if (profile && profile !== schema) {
      return apiError(406, "PGRST106", `The schema must be one of the following: ${schema}`);
    }

    const gate = await gateway(request.headers);
    if (gate instanceof Response) return gate;
    const claims = gate;
    const role = typeof claims.role === "string" ? claims.role : "anon";

    const text = await request.text();
    let args: Record<string, unknown> = {};
    if (text.trim() !== "") {
      try {
        args = JSON.parse(text);
      } catch {
        return apiError(400, "PGRST102", "Empty or invalid json");
      }
      if (args === null || typeof args !== "object" || Array.isArray(args)) {
        return apiError(400, "PGRST102", "Empty or invalid json");
      }
    }

    const fnName = match[1];
    requests++;
    calls.set(fnName, (calls.get(fnName) ?? 0) + 1);
    const argNames = Object.keys(args);
    try {
      const routine = await findRoutine(fnName, argNames);
      if (!routine) {
        return apiError(
          404,
          "PGRST202",
          `Could not find the function ${schema}.${fnName}(${
            argNames.sort().join(", ")
          }) in the schema cache`,
          `Searched for the function ${schema}.${fnName} with parameters ${argNames.join(", ")}`,
          null,
        );
      }
      const query = buildQuery(routine, argNames);
      const params = routine.args.some((a) => argNames.includes(a.name))
        ? [JSON.stringify(args)]
        : [];
      const body = await sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${quoteIdent(role)}`);
        const timeout = await roleTimeout(role);
        if (timeout !== null) {
          await tx.unsafe(`select set_config('statement_timeout', $1, true)`, [timeout]);
        }
        await tx.unsafe(`select set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify(claims),
        ]);
        const rows = await tx.unsafe(query, params);
        return routine.returnsVoid ? null : (rows[0]?.body as string | null);
      });
      if (routine.returnsVoid) return new Response(null, { status: 204 });
      return new Response(body ?? "null", {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    } catch (e) {
      const error = e as PgError;
      if (isConnectionFailure(error)) {
        return apiError(
          503,
          "PGRST000",
          "Could not connect with the database due to an incorrect db-uri or due to the PostgreSQL service not running.",
          error.message,
        );
      }
      if (error.code && /^[0-9A-Z]{5}$/.test(error.code)) {
        return apiError(
          statusForSqlState(error.code, role),
          error.code,
          error.message,
          error.detail ?? null,
          error.hint ?? null,
        );
      }
      return apiError(500, "PGRST000", error.message);
    }
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    handle,
  );
  const port = server.addr.port;
  return Promise.resolve({
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    get requests() {
      return requests;
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    async stop() {
      await server.shutdown();
      await sql.end({ timeout: 1 });
    },
  });
}
