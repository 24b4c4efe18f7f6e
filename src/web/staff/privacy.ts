import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findCustomer, formatMoney, type CustomerSummary } from '../../billing/index.js';
import { t, type Language } from '../../i18n/index.js';
import { erasedAt, eraseCustomer, exportCustomerDataFor, exportText } from '../../privacy/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import { neverKeep } from '../offline.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, formatTime, text } from './ui.js';

// Personal data of one customer: download it (customers.export) and erase it once the account
// is terminated (customers.erase), from a section of the customer's page.

const customerPath = (prefix: string, username: string) => `${prefix}/customers/${encodeURIComponent(username)}`;

/** The customer page's "Personal data" section; empty for a member of staff who may do neither. */
export function personalDataSection(screens: StaffScreens, session: StaffSession, customer: CustomerSummary, l: Language): string {
  const role = session.staff.role;
  const mayExport = can(role, 'customers.export');
  const mayErase = can(role, 'customers.erase');
  if (!mayExport && !mayErase) return '';
  const url = `${customerPath(screens.prefix, customer.username)}/personal-data`;
  const erased = erasedAt(screens.db, customer.id);
  const download = mayExport ? `<p>${text('staff.privacy.explain', l)}</p><form method="post" action="${url}/export">${csrfField(session.csrfToken)}<button type="submit">${text('staff.privacy.download', l)}</button></form>` : '';
  let erase = '';
  if (erased) erase = `<p id="erased">${text('staff.privacy.erasedOn', l, { time: formatTime(erased, screens.zone) })}</p>`;
  else if (mayErase && customer.status !== 'terminated') erase = `<p>${text('staff.privacy.eraseOnlyTerminated', l)}</p>`;
  else if (mayErase) erase = `<p>${text('staff.privacy.eraseExplain', l)}</p><form method="post" action="${url}/erase">${csrfField(session.csrfToken)}${confirmBox(l, t('staff.privacy.eraseWhat', {}, l))}<button class="danger" type="submit">${text('staff.privacy.eraseButton', l)}</button></form>`;
  return `<section id="personal-data"><h2>${text('staff.privacy.heading', l)}</h2>${download}${erase}</section>`;
}

export function registerPrivacyRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;

  const customerOr404 = (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
    const customer = findCustomer(db, request.params.username);
    if (!customer) screens.message(request, reply, 404, t('staff.privacy.refused.not-found', {}, screens.languageOf(request)));
    return customer;
  };

  // A POST with the CSRF token, not a link: taking someone's data is an audited act, never a prefetch.
  app.post<{ Params: { username: string } }>('/customers/:username/personal-data/export', { config: { staffAction: 'customers.export' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const data = exportCustomerDataFor(db, customer.username, `staff:${screens.sessionOf(request).staff.username}`, screens.now())!;
    neverKeep(reply);
    const stamp = new Date(screens.now()).toISOString().slice(0, 10);
    return reply
      .code(200)
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="customer-${customer.id}-${stamp}.json"`)
      .header('cache-control', 'no-store')
      .send(exportText(data));
  });

  app.post<{ Params: { username: string } }>('/customers/:username/personal-data/erase', { config: { staffAction: 'customers.erase' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const l = screens.languageOf(request);
    if (!confirmed(request.body as Record<string, unknown> | undefined)) return screens.message(request, reply, 400, t('staff.privacy.notConfirmed', {}, l));
    const outcome = eraseCustomer(db, { username: customer.username, actor: `staff:${screens.sessionOf(request).staff.username}`, now: screens.now() });
    if (outcome.kind === 'refused') {
      const money = (minor: number | undefined) => formatMoney(minor ?? 0, customer.currency, l);
      return screens.message(request, reply, 409, t(`staff.privacy.refused.${outcome.reason}`, { due: money(outcome.dueMinor), wallet: money(outcome.walletMinor) }, l));
    }
    return reply.redirect(`${customerPath(prefix, customer.username)}#personal-data`, 303);
  });
}
