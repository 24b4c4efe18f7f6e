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
