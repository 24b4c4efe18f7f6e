import type { Catalogue } from '../shape.js';

// The staff audit screen (src/web/staff/audit.ts), English and Arabic side by side.

export const en = {
  heading: 'Audit log',
  actor: 'Who (staff username)',
  action: 'What (action, e.g. customer.suspend)',
  subject: 'On (customer username, invoice number, voucher code…)',
  text: 'Any text',
  from: 'From (date)',
  to: 'To (date)',
  search: 'Search',
  none: 'No entry matches. Try fewer conditions or a wider date range.',
  badDate: 'Type dates as year-month-day, for example 2026-11-24.',
  time: 'Time',
  who: 'Who',
  what: 'What',
  on: 'On what',
  detail: 'Detail',
  before: 'Before',
  after: 'After',
  field: 'Field',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'سجل التدقيق',
  actor: 'مَن (اسم مستخدم الموظف)',
  action: 'ماذا (الإجراء، مثل customer.suspend)',
  subject: 'على (اسم مستخدم العميل، رقم الفاتورة، رمز القسيمة…)',
  text: 'أي نص',
  from: 'من (تاريخ)',
  to: 'إلى (تاريخ)',
  search: 'بحث',
  none: 'لا يوجد سجل مطابق. جرّب شروطًا أقل أو مدة أوسع.',
  badDate: 'اكتب التاريخ بصيغة سنة-شهر-يوم، مثل 2026-11-24.',
  time: 'الوقت',
  who: 'مَن',
  what: 'ماذا',
  on: 'على ماذا',
  detail: 'التفاصيل',
  before: 'قبل',
  after: 'بعد',
  field: 'الحقل',
};
