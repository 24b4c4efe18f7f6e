import type { Catalogue } from '../shape.js';

// The portal's Pay page: paying an invoice, a renewal or a wallet top-up by phone, payment and invoice history. Wired as portal.selfService.pay.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
