import type { FastifyReply, FastifyRequest } from 'fastify';
import { t, type Language } from '../../i18n/index.js';
import { BODY_MAX, customerReply, listPublishedArticles, publishedArticle, customerResolve, listCustomerTickets, openTicket, SUBJECT_MAX, TicketError, ticketForCustomer, type TicketRefusal } from '../../support/index.js';
import type { RegisterPortalScreen } from './screens.js';
import { helpArticlePage, newTicketPage, ticketNumber, ticketPage, ticketsListPage, type NewTicketValues } from './tickets-pages.js';

// Issue 8's help pages: the customer's own support requests, opening one, following one and
// replying, marking it solved. The customer is the session's, never the address's: a ticket
// id that is not theirs is the same 404 as one that does not exist (the domain checks it).

const ID = /^\d{1,12}$/;
const PER_PAGE = 20;
const field = (raw: Record<string, unknown>, name: string, max: number) => (typeof raw[name] === 'string' ? (raw[name] as string).slice(0, max + 1) : '');

function refusalText(reason: TicketRefusal, l: Language): string {
  switch (reason) {
    case 'subject':
      return t('portal.selfService.tickets.errors.subject', { max: SUBJECT_MAX }, l);
    case 'bad-choice':
      return t('portal.selfService.tickets.errors.category', {}, l);
    case 'closed':
      return t('portal.selfService.tickets.errors.closed', {}, l);
    default:
      return t('portal.selfService.tickets.errors.body', { max: BODY_MAX }, l);
  }
}

export const registerTicketsRoutes: RegisterPortalScreen = (app, screens) => {
  const { db, prefix } = screens;
  const base = (request: FastifyRequest) => {
    const session = screens.sessionOf(request);
    return { session, language: screens.languageOf(request), prefix, zone: screens.zone, signedIn: screens.signedIn(session) };
  };
  const notFound = (request: FastifyRequest, reply: FastifyReply) => screens.message(request, reply, 404, t('portal.selfService.notFound', {}, screens.languageOf(request)));

  app.get<{ Querystring: { page?: string } }>('/tickets', async (request, reply) => {
    const b = base(request);
    const page = typeof request.query.page === 'string' && /^\d{1,5}$/.test(request.query.page) && Number(request.query.page) >= 1 ? Number(request.query.page) : 1;
    const found = listCustomerTickets(db, b.session.customerId, { limit: PER_PAGE + 1, offset: (page - 1) * PER_PAGE });
    return screens.html(reply, 200, ticketsListPage({ ...b, tickets: found.slice(0, PER_PAGE), page, more: found.length > PER_PAGE, articles: listPublishedArticles(db, b.language) }));
  });

  // A help article, in the customer's language where written (else English); unpublished is 404.
  app.get<{ Params: { slug: string } }>('/help/:slug', async (request, reply) => {
    const b = base(request);
    const article = publishedArticle(db, request.params.slug.slice(0, 100), b.language);
    if (!article) return notFound(request, reply);
    return screens.html(reply, 200, helpArticlePage({ ...b, article }));
  });

  app.get('/tickets/new', async (request, reply) => screens.html(reply, 200, newTicketPage(base(request))));

  // Each ticket reaches staff: a burst from one network is slowed down, as POST /pay is.
  app.post('/tickets', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
    const b = base(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: NewTicketValues = { subject: field(raw, 'subject', SUBJECT_MAX), category: field(raw, 'category', 20), body: field(raw, 'body', BODY_MAX) };
    try {
      const ticket = openTicket(db, { customerId: b.session.customerId, subject: values.subject!, category: values.category, body: values.body!, openedBy: 'customer', now: screens.now() });
      request.log.info({ customerId: b.session.customerId, ticket: ticket.id }, 'customer opened a support ticket');
      return reply.redirect(`${prefix}/tickets/${ticket.id}?done=opened`, 303);
    } catch (err) {
      if (!(err instanceof TicketError)) throw err;
      return screens.html(reply, 400, newTicketPage({ ...b, values, error: refusalText(err.reason, b.language) }));
    }
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/tickets/:id', async (request, reply) => {
    const b = base(request);
    const ticket = ID.test(request.params.id) ? ticketForCustomer(db, b.session.customerId, Number(request.params.id)) : undefined;
    if (!ticket) return notFound(request, reply);
    const done = request.query.done;
    const notice =
      done === 'opened'
        ? t('portal.selfService.tickets.opened', { number: ticketNumber(ticket.id) }, b.language)
        : done === 'sent'
          ? t('portal.selfService.tickets.ticket.sent', {}, b.language)
          : done === 'resolved'
            ? t('portal.selfService.tickets.ticket.resolved', {}, b.language)
            : undefined;
    return screens.html(reply, 200, ticketPage({ ...b, ticket, notice }));
  });

  app.post<{ Params: { id: string } }>('/tickets/:id/reply', async (request, reply) => {
    const b = base(request);
    if (!ID.test(request.params.id)) return notFound(request, reply);
    const ticketId = Number(request.params.id);
    const body = field((request.body ?? {}) as Record<string, unknown>, 'body', BODY_MAX);
    try {
      customerReply(db, { customerId: b.session.customerId, ticketId, body, now: screens.now() });
    } catch (err) {
      if (!(err instanceof TicketError)) throw err;
      const ticket = ticketForCustomer(db, b.session.customerId, ticketId);
      if (!ticket || err.reason === 'unknown-ticket') return notFound(request, reply);
      return screens.html(reply, 400, ticketPage({ ...b, ticket, reply: body, error: refusalText(err.reason, b.language) }));
    }
    return reply.redirect(`${prefix}/tickets/${ticketId}?done=sent`, 303);
  });

  app.post<{ Params: { id: string } }>('/tickets/:id/resolve', async (request, reply) => {
    const b = base(request);
    if (!ID.test(request.params.id)) return notFound(request, reply);
    const ticketId = Number(request.params.id);
    try {
      customerResolve(db, { customerId: b.session.customerId, ticketId, now: screens.now() });
    } catch (err) {
      if (!(err instanceof TicketError)) throw err;
      const ticket = ticketForCustomer(db, b.session.customerId, ticketId);
      if (!ticket || err.reason === 'unknown-ticket') return notFound(request, reply);
      return screens.html(reply, 409, ticketPage({ ...b, ticket, error: refusalText(err.reason, b.language) }));
    }
    return reply.redirect(`${prefix}/tickets/${ticketId}?done=resolved`, 303);
  });
};
