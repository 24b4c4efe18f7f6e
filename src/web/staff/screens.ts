import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import type { Language } from '../../i18n/index.js';
import type { StaffSession } from '../../staff/index.js';
import type { SignedIn } from './pages.js';
import type { StaffServices } from './services.js';

/**
 * What the staff plugin (index.ts) lends each screen module: the database, the operator's
 * clock and zone, the signed-in session and the page helpers. Its preHandler has already
 * checked session, role and CSRF before any screen's handler runs.
 */
export interface StaffScreens {
  db: Db;
  /** The operator's time zone, for every time on the pages. */
  zone: string;
  /** '/staff': links are built from it. */
  prefix: string;
  now: () => number;
  sessionOf: (request: FastifyRequest) => StaffSession;
  languageOf: (request: FastifyRequest) => Language;
  signedIn: (session: StaffSession) => SignedIn;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  message: (request: FastifyRequest, reply: FastifyReply, status: number, text: string) => FastifyReply;
  /** The running daemon's parts some screens use; each may be absent (tests, a bare plugin). */
  services: StaffServices;
}

/** A screen module: registers its routes on the staff plugin, each naming its action. */
export type RegisterScreen = (app: FastifyInstance, screens: StaffScreens) => void;
