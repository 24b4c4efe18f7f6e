import { defineConfig } from 'drizzle-kit';

// `npm run db:generate -- --name <what-changed>` writes a reviewed SQL migration into migrations/;
// db/migrate.ts applies it at the next start. Shipped migrations are never edited.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/*.ts',
  out: './migrations',
});
