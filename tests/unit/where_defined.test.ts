/**
 * How docs/where-defined.md reads the migrations: schema-qualified and quoted names, argument
 * types after names, modes and defaults, and definitions named only in comments.
 */
import assert from "node:assert/strict";
import { argumentType, definitionsIn } from "../../tools/where_defined.ts";

Deno.test("argument types: names, modes and defaults are dropped, OUT arguments left out", () => {
  assert.equal(argumentType("p_worker text"), "text");
  assert.equal(argumentType("p_limit integer default 50"), "integer");
  assert.equal(argumentType("p_budget integer default balance_sync.split_budget()"), "integer");
  assert.equal(argumentType("inout p_x int = 1"), "int");
  assert.equal(argumentType("out p_count bigint"), null);
  assert.equal(argumentType("p_at timestamp with time zone"), "timestamp with time zone");
  assert.equal(argumentType("double precision"), "double precision");
  assert.equal(argumentType("uuid[]"), "uuid[]");
});

Deno.test("definitions: every create statement in order, qualified, with its body", () => {
  const sql = `
-- create or replace function balance_sync.only_in_a_comment(text) is prose, not a definition
create or replace function public.balance_sync_claim(
  p_worker text,
  p_filter jsonb default null
)
  returns jsonb language sql
as $$ select '{}'::jsonb $$;
create function balance_sync.f(p integer) returns integer language sql as $fn$ select p $fn$;
create function balance_sync.f(p text, out n integer) language sql as $$ select 1 $$;
create or replace view balance_sync.row_status as select 1;
create materialized view "balance_sync"."Snap" as select 1;
create function unqualified_name() returns void language sql as $$ $$;
`;
  const found = definitionsIn("x.sql", sql).map((d) => [d.kind, d.name, d.args.join(","), d.body]);
  assert.deepEqual(found, [
    ["function", "public.balance_sync_claim", "text,jsonb", " select '{}'::jsonb "],
    ["function", "balance_sync.f", "integer", " select p "],
    ["function", "balance_sync.f", "text", " select 1 "],
    ["view", "balance_sync.row_status", "", undefined],
    ["materialized view", "balance_sync.Snap", "", undefined],
    ["function", "public.unqualified_name", "", " "],
  ]);
});
