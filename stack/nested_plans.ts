/**
 * The plans of the statements a PL/pgSQL or SQL function runs inside it.
 *
 * `EXPLAIN select public.balance_sync_claim(...)` shows one Result node: the claim's own queries
 * are planned and run inside the function, out of EXPLAIN's sight. PostgreSQL's auto_explain
 * (contrib, loaded per session by a superuser) logs the plan of every statement, nested ones
 * included (`log_nested_statements`), with the run-time parameter values the function used; at
 * `log_level = notice` each plan reaches the client as a notice. So a path is explained by running
 * it, exactly as the function or the job calls it, not a copy of its query.
 */
import type { Cluster, Sql } from "./pg.ts";

export interface PlanOptions {
  /** EXPLAIN's output format. */
  format: "text" | "json";
  /** Run-time figures (ANALYZE, BUFFERS, timing); off: the plans only. */
  analyze: boolean;
}

export interface PlanSession {
  /** One connection: auto_explain's settings are per session. */
  sql: Sql;
  /**
   * Runs `run` in a transaction that is rolled back, and returns the plans of every statement it
   * executed, outermost last. A failure of `run` is thrown after the rollback.
   */
  explain(run: (sql: Sql) => Promise<unknown>, options: PlanOptions): Promise<string[]>;
  end(): Promise<void>;
}

const PLAN_PREFIX = /^duration: [0-9.]+ ms\s+plan:\n/;

export async function planSession(cluster: Cluster, db: string): Promise<PlanSession> {
  const plans: string[] = [];
  let capturing = false;
  const sql = cluster.connect(db, {
    max: 1,
    onnotice: (notice) => {
      if (capturing && PLAN_PREFIX.test(notice.message)) {
        plans.push(notice.message.replace(PLAN_PREFIX, ""));
      }
    },
  });
  await sql`load 'auto_explain'`;
  await sql`set auto_explain.log_nested_statements = on`;
  await sql`set auto_explain.log_level = 'notice'`;
  return {
    sql,
    async explain(run, options) {
      // SET LOCAL: the settings end with the transaction, whatever `run` did to it.
      await sql`begin`;
      try {
        await sql.unsafe(`set local auto_explain.log_format = ${options.format}`);
        await sql.unsafe(`set local auto_explain.log_analyze = ${options.analyze}`);
        await sql.unsafe(`set local auto_explain.log_buffers = ${options.analyze}`);
        await sql`set local auto_explain.log_min_duration = 0`;
        plans.length = 0;
        capturing = true;
        await run(sql);
        // The outermost statement's plan is logged when its portal closes, which can come after
        // its result: one more statement makes sure that notice has arrived.
        await sql`select 'end of plans'`;
        capturing = false;
        return plans.filter((p) => !/end of plans/.test(p));
      } finally {
        capturing = false;
        await sql`rollback`;
      }
    },
    end: () => sql.end(),
  };
}

/** Index names a plan (text or JSON) reads, in order of first appearance. */
export function indexesIn(plan: string): string[] {
  const found = new Set<string>();
  for (
    const m of plan.matchAll(
      /"Index Name": "([^"]+)"|(?:Index|Index Only) Scan (?:Backward )?using (\S+)|Bitmap Index Scan on (\S+)/g,
    )
  ) {
    found.add(m[1] ?? m[2] ?? m[3]);
  }
  return [...found];
}
