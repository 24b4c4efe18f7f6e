import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { agentSales } from '../db/schema/staff.js';

export type AgentSale = typeof agentSales.$inferSelect;
export type AgentSaleInput = Omit<typeof agentSales.$inferInsert, 'id'>;

/**
 * Notes a token an agent issued, in the caller's transaction (the cash sale's, or right after
 * the mobile money request). The form's key makes it once: the same key again returns the
 * first sale and `created: false`.
 */
export function recordAgentSale(db: Db, input: AgentSaleInput): { sale: AgentSale; created: boolean } {
  const inserted = db.insert(agentSales).values(input).onConflictDoNothing().returning().get();
  if (inserted) return { sale: inserted, created: true };
  return { sale: db.select().from(agentSales).where(eq(agentSales.key, input.key)).get()!, created: false };
}

export function findAgentSaleByKey(db: Db, key: string): AgentSale | undefined {
  return db.select().from(agentSales).where(eq(agentSales.key, key)).get();
}

/** One of this agent's sales; another agent's is not found. */
export function findAgentSale(db: Db, staffId: number, id: number): AgentSale | undefined {
  return db.select().from(agentSales).where(and(eq(agentSales.id, id), eq(agentSales.staffId, staffId))).get();
}

/** An agent's sales, newest first. */
export function listAgentSales(db: Db, staffId: number, limit = 100): AgentSale[] {
  return db.select().from(agentSales).where(eq(agentSales.staffId, staffId)).orderBy(desc(agentSales.createdAt), desc(agentSales.id)).limit(limit).all();
}
