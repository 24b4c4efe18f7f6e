import type { en } from './en.js';

type Catalogue<T> = { [K in keyof T]?: T[K] extends string ? string : Catalogue<T[K]> };

// The Arabic catalogue, the same shape as en.ts. Sections arrive as the texts they cover do
// (documents and SMS with issues 4 and 5, pages with issue 8); until a key is here, i18next
// falls back to English.
export const ar: Catalogue<typeof en> = {
  // Statuses use "تم …" and other forms without gender, because the same word describes an
  // invoice (فاتورة, feminine), a credit note (إشعار) and a receipt (إيصال, both masculine).
  documents: {
    kind: { invoice: 'فاتورة', creditNote: 'إشعار دائن', receipt: 'إيصال' },
    party: { invoice: 'فاتورة إلى', creditNote: 'إشعار دائن لصالح', receipt: 'استلمنا من' },
    reference: { invoice: 'المرجع', creditNote: 'تصحيحًا للفاتورة', receipt: 'مرجع الدفع' },
    field: {
      number: 'الرقم',
      issuedAt: 'تاريخ الإصدار',
      dueAt: 'تاريخ الاستحقاق',
      status: 'الحالة',
      paymentMethod: 'طريقة الدفع',
      account: 'رقم الحساب',
      taxNumber: 'الرقم الضريبي',
    },
    column: {
      description: 'البيان',
      quantity: 'الكمية',
      unitPrice: 'سعر الوحدة',
      discount: 'الخصم',
      tax: 'مبلغ الضريبة',
      amount: 'المبلغ',
    },
    subtotal: 'المجموع قبل الضريبة',
    total: 'المبلغ الإجمالي',
    paid: 'المبلغ المدفوع',
    due: 'الرصيد المستحق',
    notes: 'ملاحظات',
    thanksForPayment: 'شكرًا لكم على الدفع.',
    page: 'صفحة {{page}} من {{pages}}',
    status: {
      draft: 'مسودة لم تصدر بعد',
      issued: 'تم الإصدار',
      paid: 'تم الدفع بالكامل',
      partiallyPaid: 'تم الدفع جزئيًا',
      overdue: 'فات موعد الاستحقاق',
      void: 'تم الإلغاء',
      refunded: 'تم الاسترداد',
    },
  },
  sms: {
    data_80: '{{operator}}: مرحبا {{name}}، استهلكت 80% من بيانات باقة {{plan}}. اشحن أو رقِّ باقتك لتبقى على السرعة الكاملة.',
    data_100: '{{operator}}: مرحبا {{name}}، نفدت بيانات باقة {{plan}}. اشترِ المزيد من صفحة الدخول أو ادفع للتجديد.',
    time_100: '{{operator}}: مرحبا {{name}}، نفد وقت الاتصال في باقة {{plan}}. اشترِ المزيد من صفحة الدخول لتعود إلى الإنترنت.',
    expiry_24h: '{{operator}}: مرحبا {{name}}، تنتهي باقة {{plan}} في {{expiry}}. جدِّدها الآن ({{price}}) لتبقى متصلا.',
    invoice_issued: '{{operator}}: مرحبا {{name}}، الفاتورة {{invoice}} بمبلغ {{amount}} مستحقة في {{due}}. شكرا لدفعك في الموعد.',
    due_soon: '{{operator}}: مرحبا {{name}}، تذكير: الفاتورة {{invoice}} (المتبقي {{balance}}) مستحقة في {{due}}.',
    due_today: '{{operator}}: مرحبا {{name}}، الفاتورة {{invoice}} (المتبقي {{balance}}) مستحقة اليوم. ادفع لتبقى متصلا.',
    overdue: '{{operator}}: مرحبا {{name}}، الفاتورة {{invoice}} متأخرة منذ {{due}} والمتبقي {{balance}}. ادفع الآن لتجنب الإيقاف.',
    suspended: '{{operator}}: مرحبا {{name}}، أوقفنا الإنترنت لديك بسبب رصيد غير مدفوع قدره {{balance}}. ادفعه ليعود الاتصال فورا.',
    reactivated: '{{operator}}: مرحبا {{name}}، عاد الإنترنت لديك للعمل. شكرا على الدفع.',
    renewed: '{{operator}}: مرحبا {{name}}، جدّدنا باقة {{plan}} حتى {{expiry}}. شكرا لك!',
    renewal_failed: '{{operator}}: مرحبا {{name}}، لم نتمكن من تجديد باقة {{plan}} ({{price}}): في محفظتك {{wallet}}. اشحنها للتجديد.',
    payment_received: '{{operator}}: شكرا {{name}}، استلمنا {{amount}} (المرجع {{reference}}). رقم الإيصال {{receipt}}.',
    payment_failed: '{{operator}}: مرحبا {{name}}، لم تكتمل عملية الدفع. يرجى المحاولة مرة أخرى، أو التواصل معنا إذا خُصم المبلغ.',
    credentials: '{{operator}}: اسم الدخول {{username}} وكلمة المرور {{password}} ({{plan}}). احتفظ بهذه الرسالة لنفسك.',
    custom: 'مرحبا {{name}}، رسالة من {{operator}}.',
    errors: {
      unknownTemplate: 'لا يوجد قالب رسالة باسم "{{key}}". القوالب: {{allowed}}',
      unknownPlaceholder: 'لا يمكن لرسالة {{key}} استخدام {{placeholder}}. المتاح: {{allowed}}',
      badBody: 'الرسالة تحتاج إلى نص، بحد أقصى {{max}} حرفا.',
      unknownMessage: 'لا توجد رسالة رقم {{id}} في صندوق الإرسال.',
      notQueued: 'الرسالة {{id}} في حالة {{status}}؛ يمكن إلغاء الرسائل المنتظرة فقط.',
      noRecipients: 'لا يوجد عميل له رقم هاتف يطابق هذه التصفية، فلم يُرسل شيء.',
    },
  },
};
