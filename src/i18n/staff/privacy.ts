import type { Catalogue } from '../shape.js';

// Personal data: export one customer's data, erase a closed customer's (src/web/staff/privacy.ts); email settings. Wired as staff.privacy.*

export const en = {
  heading: 'Personal data',
  explain: 'Everything Lango holds about this customer, as one file (JSON) to give them when they ask. Passwords are never in it.',
  download: 'Download their data',
  eraseExplain: 'Erasing blanks the name, phone, email, addresses, device MAC and IP, the texts of their messages and tickets and the phone in their payments. Invoices, payments and the ledger stay. It cannot be undone.',
  eraseOnlyTerminated: 'Personal data can be erased once the account is terminated.',
  eraseWhat: "erasing this customer's personal data",
  eraseButton: 'Erase personal data',
  erasedOn: 'Personal data erased on {{time}}.',
  erased: "{{username}}'s personal data is erased. Invoices, payments and the ledger are kept.",
  notConfirmed: 'Tick the box to confirm the erasure.',
  refused: {
    'not-found': 'There is no customer with that username.',
    'not-customer': 'That account is a voucher: it holds no personal data.',
    'not-terminated': 'Only a terminated customer can be erased: terminate the account first.',
    balance: 'The account still has money on it (owed: {{due}}, wallet: {{wallet}}). Settle or refund it first; an administrator can force the erasure from the command line (lango customer erase --force).',
  },
  back: 'Back to the customer',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'البيانات الشخصية',
  explain: 'كل ما يحفظه لانغو عن هذا العميل في ملف واحد (JSON) يُسلَّم إليه عند طلبه. لا يتضمن كلمات المرور أبدًا.',
  download: 'تنزيل بياناته',
  eraseExplain: 'يمحو المسح الاسم والهاتف والبريد الإلكتروني والعناوين وعنوان MAC للجهاز وعنوان IP ونصوص رسائله وتذاكره ورقم الهاتف في مدفوعاته. تبقى الفواتير والمدفوعات ودفتر الحسابات. لا يمكن التراجع عنه.',
  eraseOnlyTerminated: 'يمكن مسح البيانات الشخصية بعد إنهاء الحساب.',
  eraseWhat: 'مسح البيانات الشخصية لهذا العميل',
  eraseButton: 'مسح البيانات الشخصية',
  erasedOn: 'مُسحت البيانات الشخصية في {{time}}.',
  erased: 'مُسحت البيانات الشخصية للعميل {{username}}. بقيت الفواتير والمدفوعات ودفتر الحسابات.',
  notConfirmed: 'ضع علامة في المربع لتأكيد المسح.',
  refused: {
    'not-found': 'لا يوجد عميل بهذا الاسم.',
    'not-customer': 'هذا الحساب قسيمة: لا يحمل بيانات شخصية.',
    'not-terminated': 'لا يُمسح إلا عميل منتهٍ حسابه: أنهِ الحساب أولًا.',
    balance: 'لا يزال في الحساب مال (المستحق: {{due}}، المحفظة: {{wallet}}). سوِّه أو أعِده أولًا؛ يستطيع المدير فرض المسح من سطر الأوامر (lango customer erase --force).',
  },
  back: 'العودة إلى العميل',
};
