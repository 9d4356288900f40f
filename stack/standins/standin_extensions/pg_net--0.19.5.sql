-- STAND-IN for Supabase's pg_net (SQL only), for the test harness in stack/pg.ts.
--
-- Why: the real pg_net is a C extension whose libcurl background worker performs the requests;
-- it is in no registry this project can reach (only npm and Debian). This file keeps the parts
-- callers see: schema `net`, `net.http_get` / `net.http_post` / `net.http_delete` with the real
-- signatures and defaults, the unlogged tables `net.http_request_queue` and `net._http_response`
-- with the real columns. Requests wait in the queue; stack/standins/net_dispatcher.ts plays the
-- background worker (performs them after commit, deletes them from the queue, writes
-- `net._http_response`). Nothing here talks to the network.

\echo Use "CREATE EXTENSION pg_net" to load this file. \quit

create schema if not exists net;

create domain net.http_method as text
  check (value ilike 'get' or value ilike 'post' or value ilike 'delete');

create unlogged table net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb,
  body bytea,
  timeout_milliseconds integer not null
);

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

create index on net._http_response (created);

create function net._urlencode_string(string varchar)
  returns text
  language sql
  immutable
  strict
as $$
  select coalesce(string_agg(
    case
      when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
        then chr(b)
      else '%' || upper(lpad(to_hex(b), 2, '0'))
    end, '' order by i), '')
  from (
    select i, get_byte(convert_to(string, 'UTF8'), i) as b
    from generate_series(0, octet_length(convert_to(string, 'UTF8')) - 1) as i
  ) as bytes
$$;

create function net._encode_url_with_params_array(url text, params_array text[])
  returns text
  language sql
  immutable
  strict
as $$
  select case
    when cardinality(params_array) = 0 then url
    when position('?' in url) > 0 then url || '&' || array_to_string(params_array, '&')
    else url || '?' || array_to_string(params_array, '&')
  end
$$;

create function net._params_array(params jsonb)
  returns text[]
  language sql
  immutable
as $$
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  from jsonb_each_text(coalesce(params, '{}'::jsonb))
$$;

-- The one insert behind all three verbs: a request waits in the queue for the dispatcher.
create function net._enqueue(
  method net.http_method,
  url text,
  params jsonb,
  headers jsonb,
  body bytea,
  timeout_milliseconds integer
)
  returns bigint
  language sql
  volatile
as $$
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (method, net._encode_url_with_params_array(url, net._params_array(params)), headers, body,
          timeout_milliseconds)
  returning id
$$;

create function net.http_get(url text, params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb, timeout_milliseconds integer default 5000)
  returns bigint language sql volatile strict
as $$ select net._enqueue('GET', url, params, headers, null, timeout_milliseconds) $$;

create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
)
  returns bigint
  language plpgsql
  volatile
as $$
declare
  content_type text;
begin
  select header_value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h(header_name, header_value)
  where lower(header_name) = 'content-type'
  limit 1;

  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  end if;

  if content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  if body is null then
    raise exception 'body must not be null';
  end if;

  return net._enqueue('POST', url, params, headers, convert_to(body::text, 'UTF8'),
                      timeout_milliseconds);
end
$$;

create function net.http_delete(url text, params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb, timeout_milliseconds integer default 5000)
  returns bigint language sql volatile strict
as $$ select net._enqueue('DELETE', url, params, headers, null, timeout_milliseconds) $$;

-- Privileges as on Supabase: the API roles may call the public functions.
revoke all on function net.http_get(text, jsonb, jsonb, integer) from public;
revoke all on function net.http_post(text, jsonb, jsonb, jsonb, integer) from public;
revoke all on function net.http_delete(text, jsonb, jsonb, integer) from public;
do $$
declare
  r text;
begin
  foreach r in array array['postgres', 'anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('grant usage on schema net to %I', r);
      execute format('grant execute on function net.http_get(text, jsonb, jsonb, integer) to %I', r);
      execute format('grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to %I', r);
      execute format('grant execute on function net.http_delete(text, jsonb, jsonb, integer) to %I', r);
    end if;
  end loop;
end
$$;
