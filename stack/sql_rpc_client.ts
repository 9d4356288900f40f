/**
 * The function's RpcClient (`client.rpc(fn, args)`) over a direct SQL connection, for benchmarks
 * that must send exactly what the function sends: the function's own store (store.ts) builds the
 * arguments, and this client runs them the way PostgREST does, as named arguments of
 * `public.<fn>`, each cast to the parameter's declared type. Errors come back as PostgREST's
 * `{ error: { message, code, details } }`, which the store turns into its own errors.
 */
import type {
  RpcCall,
  RpcClient,
  RpcResponse,
} from "../supabase/functions/balance-sync/db/store.ts";
import type { Sql } from "./pg.ts";

type Fragment = ReturnType<Sql>;

/** Parameter types by function, per connection pool: looked up once, not inside a timed call. */
const SIGNATURES = new WeakMap<Sql, Map<string, Map<string, string>>>();

export function sqlRpcClient(sql: Sql): RpcClient {
  const signatures = SIGNATURES.get(sql) ?? new Map<string, Map<string, string>>();
  SIGNATURES.set(sql, signatures);

  async function parameterTypes(fn: string): Promise<Map<string, string>> {
    const known = signatures.get(fn);
    if (known) return known;
    const found = await sql`
      select coalesce(p.proargnames, '{}') as names,
             array(select format_type(t, null) from unnest(p.proargtypes) as t) as types
      from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname = ${fn}`;
    if (found.length !== 1) throw new Error(`expected one public.${fn}, found ${found.length}`);
    const types = new Map<string, string>(
      (found[0].names as string[]).map((name, i) => [name, found[0].types[i] as string]),
    );
    signatures.set(fn, types);
    return types;
  }

  async function run(fn: string, args: Record<string, unknown>): Promise<RpcResponse> {
    try {
      const types = await parameterTypes(fn);
      const named: Fragment[] = Object.entries(args).map(([name, value]) => {
        const type = types.get(name);
        if (!type) throw new Error(`public.${fn} has no parameter ${name}`);
        const json = (type === "jsonb" || type === "json") && value !== null;
        // deno-lint-ignore no-explicit-any
        const bound = json ? sql.json(value as any) : value as string;
        return sql`${sql(name)} => ${bound}::${sql.unsafe(type)}`;
      });
      const joined = named.length === 0 ? sql`` : named.reduce((all, a) => sql`${all}, ${a}`);
      const [row] = await sql`select public.${sql(fn)}(${joined}) as data`;
      return { data: row.data, error: null, status: 200 };
    } catch (error) {
      const e = error as { message?: string; code?: string; detail?: string };
      return {
        data: null,
        error: {
          message: e.message ?? String(error),
          code: e.code ?? null,
          details: e.detail ?? null,
        },
        status: 400,
      };
    }
  }

  return {
    rpc(fn, args): RpcCall {
      let answer: Promise<RpcResponse> | null = null;
      const once = () => answer ??= run(fn, args);
      const call: RpcCall = {
        then: (onFulfilled, onRejected) => once().then(onFulfilled, onRejected),
        // A direct connection has no request to abort: the statement runs to its end.
        abortSignal: () => call,
      };
      return call;
    },
  };
}
