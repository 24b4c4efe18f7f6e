import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type StaffRole = 'admin' | 'billing_manager' | 'support' | 'technician' | 'agent';

export const staff = sqliteTable('staff', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** argon2id hash; staff passwords are never needed in clear. */
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<StaffRole>().notNull(),
  mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
});
