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
  // "قسيمة" (voucher) is feminine, hence صالحة. "مجموعة" rather than "دفعة" for a batch, since
  // دفعة also means a payment.
  cards: {
    title: 'قسائم الإنترنت',
    batch: 'مجموعة القسائم',
    page: 'صفحة {{page}} من {{pages}}',
    code: 'رمز القسيمة',
    password: 'كلمة المرور',
    validFor: 'صالحة لمدة',
    useBefore: 'استخدمها قبل',
    scanToLogIn: 'امسح للدخول',
    connectTo: 'اتصل بشبكة',
    helpLine: 'للمساعدة',
    serial: 'الرقم التسلسلي',
  },
  portal: {
    title: 'واي فاي {{operator}}',
    welcome: 'أهلًا بك! سجّل الدخول لتتصل بالإنترنت.',
    voucher: {
      heading: 'لديّ كرت (قسيمة)',
      label: 'رمز الكرت',
      submit: 'اتصل',
    },
    account: {
      heading: 'لديّ حساب',
      username: 'اسم المستخدم',
      password: 'كلمة المرور',
      submit: 'تسجيل الدخول',
    },
    buy: {
      heading: 'اشترِ باقة',
      soon: 'الدفع بالهاتف المحمول من هذه الصفحة سيتوفر قريبًا.',
    },
    connecting: 'جارٍ الاتصال، يرجى الانتظار…',
    otherLanguage: 'English',
    noScript: 'فعّل جافاسكربت في المتصفح لتتمكن من تسجيل الدخول.',
    notFromRouter: 'اتصل بشبكة الواي فاي أولًا، ثم افتح أي صفحة ويب: ستعود إلى هنا جاهزًا لتسجيل الدخول.',
    unknownRouter: 'رابط الدخول هذا لم يأتِ من نقطة اتصال نعرفها. اتصل بالواي فاي وافتح أي صفحة ويب لتحصل على رابط جديد.',
    unsafeLogin: 'نقطة الاتصال هذه سترسل كلمة المرور دون حماية، لذلك لن ترسلها هذه الصفحة. اطلب من الموظفين تفعيل الدخول عبر HTTP-CHAP أو HTTPS.',
    unavailable: 'صفحة الدخول غير متاحة الآن. يرجى المحاولة مرة أخرى بعد دقيقة.',
    errors: {
      heading: 'لم يتم تسجيل دخولك بعد',
      badCredentials: 'الرمز أو اسم المستخدم أو كلمة المرور غير صحيح. تحقّق منه وحاول مرة أخرى.',
      noResponse: 'خادم الدخول لم يردّ. انتظر دقيقة وحاول مرة أخرى.',
      sessionLimit: 'هذا الحساب متصل الآن من جهاز آخر. سجّل الخروج هناك أولًا.',
      expiredPage: 'بقيت صفحة الدخول مفتوحة مدة طويلة. يرجى المحاولة مرة أخرى.',
      hotspotFull: 'نقطة الاتصال ممتلئة الآن. حاول مرة أخرى بعد بضع دقائق.',
      busy: 'ما زال التحقق من دخولك جاريًا. انتظر بضع ثوانٍ ثم حاول مرة أخرى.',
      wrongDevice: 'لا يمكن استخدام هذا الحساب من هذا الجهاز.',
      limitReached: 'استهلك هذا الحساب كل وقته أو بياناته. اشترِ باقة جديدة.',
      restarting: 'يُعاد تشغيل نقطة الاتصال الآن. حاول مرة أخرى بعد دقيقة.',
      other: 'رسالة نقطة الاتصال: "{{message}}"',
    },
  },
};
