import { describe, expect, it } from 'vitest';
import { actions, can, roles } from './permissions.js';

describe('the role × action table', () => {
  it('lets an agent issue tokens and see its own sales, and nothing else but its own account', () => {
    expect(actions.filter((action) => can('agent', action))).toEqual(['account.self', 'tokens.issue', 'tokens.view-own']);
  });

  it('lets every role manage its own account, and only administrators manage staff', () => {
    for (const role of roles) expect(can(role, 'account.self'), role).toBe(true);
    expect(roles.filter((role) => can(role, 'staff.manage'))).toEqual(['admin']);
  });

  it('keeps support and technicians away from token sales', () => {
    for (const role of ['support', 'technician'] as const) {
      expect(can(role, 'tokens.issue'), role).toBe(false);
      expect(can(role, 'tokens.view-own'), role).toBe(false);
    }
  });
});

describe('the role × action table, by the issue’s role descriptions', () => {
  it('lets an administrator do everything', () => {
    for (const action of actions) expect(can('admin', action), action).toBe(true);
  });

  it('keeps prices, plans and money changes with administrators and billing managers', () => {
    for (const action of ['plans.edit', 'invoices.edit', 'payments.review', 'payments.record', 'customers.plan'] as const) {
      expect(roles.filter((role) => can(role, action)), action).toEqual(['admin', 'billing_manager']);
    }
  });

  it('gives support read-only billing and technicians the routers', () => {
    expect(can('support', 'invoices.view')).toBe(true);
    expect(can('support', 'plans.view')).toBe(true);
    expect(can('technician', 'routers.edit')).toBe(true);
    expect(can('support', 'routers.edit')).toBe(false);
    expect(can('billing_manager', 'routers.edit')).toBe(false);
  });
});
