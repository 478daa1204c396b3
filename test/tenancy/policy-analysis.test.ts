import { describe, expect, it } from 'vitest';
import { isIndexFriendly, isNullTenantOnly, isTenantBound, reloptionIsTrue } from '../../src/tenancy/policy-analysis.js';

// Deparsed forms exactly as pg_get_expr(polqual, polrelid) prints them (PostgreSQL 15).
describe('policy expression analysis', () => {
  it.each([
    ['tenantguard form', '(org_id = ( SELECT tenantguard.current_org_id() AS current_org_id))', true, true],
    ['commuted', '(tenantguard.current_org_id() = org_id)', true, true],
    ['setting cast to uuid', "(org_id = (current_setting('app.current_org_id'::text))::uuid)", true, true],
    ['IN subquery', '(org_id IN ( SELECT tenantguard.current_org_id() AS current_org_id))', true, true],
    ['with an extra conjunct', '((org_id = ( SELECT tenantguard.current_org_id() AS current_org_id)) AND (id > 0))', true, true],
    ["seeds' text form", "((org_id)::text = current_setting('app.current_org_id'::text, true))", true, false],
    ['always true', 'true', false, false],
    ['column to itself', '(org_id = org_id)', false, false],
    ['another column', "(owner_org_id = (current_setting('app.current_org_id'::text))::uuid)", false, false],
  ])('%s', (_name, expr, bound, friendly) => {
    expect(isTenantBound(expr, 'org_id')).toBe(bound);
    expect(isIndexFriendly(expr, 'org_id')).toBe(friendly);
  });

  it('handles a quoted tenant column', () => {
    expect(isIndexFriendly('("TenantId" = ( SELECT tenantguard.current_org_id() AS current_org_id))', 'TenantId')).toBe(true);
    expect(isIndexFriendly('(("TenantId")::text = current_setting(\'app.current_org_id\'::text))', 'TenantId')).toBe(false);
  });

  it('recognises an INSERT check that admits only NULL-tenant rows', () => {
    expect(isNullTenantOnly('(org_id IS NULL)', 'org_id')).toBe(true);
    expect(isNullTenantOnly('((org_id IS NULL) OR true)', 'org_id')).toBe(false);
    expect(isNullTenantOnly('(org_id IS NOT NULL)', 'org_id')).toBe(false);
  });

  it('reads boolean reloptions the way PostgreSQL spells them', () => {
    expect(reloptionIsTrue(['security_invoker=true'], 'security_invoker')).toBe(true);
    expect(reloptionIsTrue(['security_invoker=on'], 'security_invoker')).toBe(true);
    expect(reloptionIsTrue(['security_invoker=1'], 'security_invoker')).toBe(true);
    expect(reloptionIsTrue(['security_invoker=false'], 'security_invoker')).toBe(false);
    expect(reloptionIsTrue(['check_option=local'], 'security_invoker')).toBe(false);
    expect(reloptionIsTrue(null, 'security_invoker')).toBe(false);
  });
});
