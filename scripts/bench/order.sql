-- One order as POST /api/t/:tenant/orders takes it (a client admin, a customer by a random phone number, one
-- line), statement for statement as the API sends them (pnpm bench:api --show-sql prints those): the
-- role and tenant; the session with the tenant, the admission and the rules; the catalog; the customer
-- upsert with its audit and notice; the billing lock; the price and last closed period; the usage event
-- with its outbox row; then the one statement that takes the number (the tenant's counter row, locked
-- to commit), writes, audits, notifies and reads back the order. New ids: gen_random_uuid().
-- pgbench -n -M prepared -f scripts/bench/order.sql -D slug=… -D session_id=… -D tenant_id=… -D user_id=…
--   -D user_label=… -D sku=… -D order_event=…  (pnpm bench:api fills them in)
\set n random(1000000, 9999999)
select set_config('role', 'switchboard_app', true), set_config('app.tenant_id', coalesce((select id::text from tenants where slug = :slug), ''), true), set_config('app.actor_id', '', true);
select s.id, s.secret_hash, s.created_at, s.last_verified_at, u.id as user_id, u.email, u.display_name, u.kind, u.must_change_password, u.status, u.language,
    set_config('app.actor_id', u.id::text, true) as actor, t.id as tenant_id, t.slug, t.name, t.legal_name, t.time_zone, t.locale, t.currency, t.status,
    t.suspended_reason, t.brand_color, t.created_at, t.updated_at, m.role as member_role, a.operator_id is not null as assigned,
    (u.status = 'active' and (a.confidentiality_agreement_signed_at is not null or not coalesce(r.requires_confidentiality_agreement, false))) as admitted, r.ip_allow_list,
    to_jsonb(r) as rules_row
  from sessions s join users u on u.id = s.user_id
    left join tenants t on t.id = app.current_tenant_id()
    left join tenant_members m on m.tenant_id = app.current_tenant_id() and m.user_id = u.id
    left join operator_assignments a on a.tenant_id = app.current_tenant_id() and a.operator_id = u.id
    left join confidentiality_rules r on r.tenant_id = app.current_tenant_id()
  where s.id = :session_id;
select id, kind, sku, name, description, category, price_minor, currency, available, options, created_at, updated_at from catalog_items where sku in (:sku);
with c as (
    insert into customers (tenant_id, id, phone, name, created_at, updated_at) values (:tenant_id::uuid, gen_random_uuid(), ('+3361' || :n), 'Paul Bench', now(), now())
    on conflict (tenant_id, phone) do update set name = 'Paul Bench', updated_at = now() returning tenant_id, id, (xmax = 0) as created),
  audit as (
    insert into audit_log (tenant_id, id, actor_id, actor_label, action, target_type, target_id, before, after)
    select c.tenant_id, gen_random_uuid(), :user_id::uuid, :user_label, case when c.created then 'customer.created' else 'customer.updated' end, 'customer', c.id::text,
      null::jsonb, '{"fields":["name","phone"]}'::jsonb from c)
select c.id, c.created, pg_notify('switchboard_events', json_build_object('kind', 'record', 'tenantId', c.tenant_id, 'recordType', 'customer', 'recordId', c.id)::text) from c;
select pg_advisory_xact_lock_shared(hashtext('billing-periods:' || app.current_tenant_id()::text));
select price.*, (select max(period) from statements) as last_closed
  from (select 1) one left join lateral (
    select * from (
      select * from (select id, function, metric, currency, unit_amount_minor, rounding, effective_from, effective_to, created_at, created_by, 'tenant'::text as source, 0 as rank
        from tenant_prices where currency = 'EUR' and effective_from <= current_date and (effective_to is null or effective_to > current_date) and function = 'order_taking' and metric = 'order'
        order by effective_from desc limit 1) negotiated
      union all
      select * from (select id, function, metric, currency, unit_amount_minor, rounding, effective_from, effective_to, created_at, created_by, 'list'::text as source, 1 as rank
        from prices where currency = 'EUR' and effective_from <= current_date and (effective_to is null or effective_to > current_date) and function = 'order_taking' and metric = 'order'
        order by effective_from desc limit 1) listed) p
    order by p.rank limit 1) price on true;
with u as (
    insert into usage_events (tenant_id, id, occurred_at, function, metric, quantity, source_type, source_id, billed_quantity, amount_minor, price_id, price_source, unit_amount_minor, rounding, currency, billing_period)
    values (:tenant_id::uuid, gen_random_uuid(), now(), 'order_taking', 'order', 1, 'order', gen_random_uuid(), 1, 95, null, null, 95, null, 'EUR', date_trunc('month', now())::date)
    on conflict (tenant_id, metric, source_type, source_id) do nothing returning tenant_id, id),
  outbox as (
    insert into billing_outbox (tenant_id, id, kind, event_name, value, occurred_at, next_attempt_at)
    select u.tenant_id, u.id, 'meter_event', 'switchboard_order_taking', 95, now(), now() from u where true)
select count(*) as written from u;
with n as (
    insert into order_counters (tenant_id, last_number) values (:tenant_id::uuid, (select coalesce(max(number), 0) + 1 from orders))
    on conflict (tenant_id) do update set last_number = greatest(order_counters.last_number + 1, excluded.last_number) returning last_number),
  o as (
    insert into orders (tenant_id, id, number, call_id, customer_id, items, currency, subtotal_minor, discount_minor, total_minor, delivery_address, delivery_time, payment_method, payment_reference, notes, created_by, created_at, updated_at)
    values (:tenant_id::uuid, gen_random_uuid(), (select last_number from n), null, (select id from customers where phone = ('+3361' || :n)),
      '[{"sku":"DESSERT-TIRAMISU","name":"Tiramisu","quantity":1,"options":[],"unitPriceMinor":650,"lineTotalMinor":650}]'::jsonb, 'EUR', 650, 0, 650, null, null, 'cash', null, null, :user_id::uuid, now(), now())
    returning *),
  audit as (
    insert into audit_log (tenant_id, id, actor_id, actor_label, action, target_type, target_id, before, after)
    select o.tenant_id, gen_random_uuid(), :user_id::uuid, :user_label, 'order.created', 'order', o.id, null::jsonb, '{"lines":1,"totalMinor":650,"currency":"EUR"}'::jsonb || jsonb_build_object('number', o.number) from o)
select o.id, o.number, o.status, o.call_id, o.items, o.currency, o.subtotal_minor, o.discount_minor, o.total_minor, o.delivery_address, o.delivery_time, o.payment_method,
    o.payment_reference, o.notes, o.created_at, o.updated_at, o.customer_id, c.name as customer_name, c.phone as customer_phone, c.email as customer_email,
    c.address as customer_address, u.display_name as created_by_name, pg_notify('switchboard_events', :order_event)
  from o left join customers c on c.id = o.customer_id left join users u on u.id = o.created_by;
