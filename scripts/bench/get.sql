-- One order read as GET /api/t/:tenant/orders/:id reads it, statement for statement: the role and
-- tenant; the session with the tenant, the admission and the rules (as in order.sql); the order.
-- pgbench -n -M prepared -f scripts/bench/get.sql -D slug=… -D session_id=… -D order_id=…  (pnpm bench:api fills them in)
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
select o.id, o.number, o.status, o.call_id, o.items, o.currency, o.subtotal_minor, o.discount_minor, o.total_minor, o.delivery_address, o.delivery_time, o.payment_method,
    o.payment_reference, o.notes, o.created_at, o.updated_at, o.customer_id, c.name as customer_name, c.phone as customer_phone, c.email as customer_email,
    c.address as customer_address, u.display_name as created_by_name
  from orders o left join customers c on c.id = o.customer_id left join users u on u.id = o.created_by where o.id = :order_id::uuid;
