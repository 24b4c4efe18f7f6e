import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import type { Language } from '../../i18n/index.js';
import type { PortalSession } from '../../portal/index.js';
import type { PortalServices } from './services.js';
import type { SignedIn } from './pages.js';

/**
 * What the portal plugin (index.ts) lends each page module: the database, the clock and zone,
 * the signed-in customer's session and the page helpers. Its preHandler has already checked
 * the session and, on POST, the CSRF token; every module reads the customer from the session,
 * never from the address.
 */
export interface PortalScreens {
  db: Db;
  /** The operator's time zone. */
  zone: string;
  /** '/portal': links are built from it. */
  prefix: string;
  now: () => number;
  sessionOf: (request: FastifyRequest) => PortalSession;
  languageOf: (request: FastifyRequest) => Language;
  signedIn: (session: PortalSession) => SignedIn;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  message: (request: FastifyRequest, reply: FastifyReply, status: number, text: string) => FastifyReply;
  /** The running daemon's parts some pages use; each may be absent (tests, a bare plugin). */
  services: PortalServices;
}

/** A page module: registers its routes on the portal plugin. */
export type RegisterPortalScreen = (app: FastifyInstance, screens: PortalScreens) => void;
