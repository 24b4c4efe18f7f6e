import type { Catalogue } from './shape.js';

// The decision trace's words for staff (src/aaa/decisions.ts; the "Why?" screen and `lango why`):
// each reason code a decision is stored with, said plainly, English and Arabic side by side.
// Times come already formatted in the operator's zone, amounts in decimal units.

export const en = {
  result: {
    accept: 'Let in',
    reject: 'Refused',
    ignored: 'Not answered',
  },
  reason: {
    accepted: 'All checks passed',
    accepted_overdue: 'Let in to pay only: the bill is overdue (router address list {{addressList}})',
    unknown_user: 'No such user ({{method}})',
    wrong_password: 'Wrong password ({{method}})',
    no_credentials: 'No password in the request (no PAP, CHAP or MS-CHAP attribute)',
    too_many_attempts: 'Too many wrong logins from this device: refused without checking',
    voucher_revoked: 'Voucher cancelled',
    voucher_unused_expired: 'Voucher not used before {{at}}',
    voucher_wrong_place: 'Voucher not valid at this router',
    voucher_locked: 'Voucher locked to another device ({{device}})',
    voucher_lock_race: 'Voucher taken by another device at the same moment',
    suspended: 'Account suspended',
    overdue: 'Account suspended: the bill is overdue',
    terminated: 'Account terminated',
    no_plan: 'No plan',
    plan_paused: 'Plan paused',
    plan_expired: 'Plan expired at {{at}}',
    outside_window: 'Outside the plan window {{from}}–{{to}}',
    data_used_up: 'Data allowance used ({{used}} of {{allowance}})',
    time_used_up: 'Time allowance used ({{used}} of {{allowance}} hours)',
    simultaneous_use: 'Simultaneous-use limit {{limit}} reached by session {{session}} on router {{router}}',
    mac_binding: 'Not the registered device ({{registered}})',
    unknown_nas: 'Unknown NAS {{ip}}: not answered',
    missing_message_authenticator: 'Missing Message-Authenticator (router {{router}} requires it): not answered',
    bad_message_authenticator: 'Bad Message-Authenticator (router {{router}}; wrong shared secret?): not answered',
    proxy_state_without_message_authenticator: 'Proxy-State without Message-Authenticator (router {{router}}): not answered',
    eap_without_message_authenticator: 'EAP without Message-Authenticator (router {{router}}): not answered',
  },
  // The same decision again and again (a phone retrying, a router re-asking), kept as one row.
  repeated: '{{words}} — {{count}} times, the last at {{until}}',
  // The same reasons when what they would name is not known.
  undated: {
    plan_expired: 'Plan expired',
    voucher_unused_expired: 'Voucher not used in time',
    simultaneous_use: 'Simultaneous-use limit {{limit}} reached',
  },
  // `lango decisions` and `lango storage` (src/cli/trace-commands.ts).
  cli: {
    noSubject: 'Name whose decisions to show: --username, --mac or --customer.',
  },
  storage: {
    table: 'Table',
    rows: 'Rows',
    size: 'Size',
    unknownSize: 'not known',
    total: 'Whole database: {{size}}',
    retention: 'Decisions are kept {{days}} days, at most {{rows}} rows.',
  },
};

export const ar: Catalogue<typeof en> = {
  result: {
    accept: 'سُمح بالدخول',
    reject: 'رُفض',
    ignored: 'لم يُجَب',
  },
  reason: {
    accepted: 'اجتاز كل الفحوص',
    accepted_overdue: 'سُمح بالدخول للدفع فقط: الفاتورة متأخرة (قائمة عناوين الراوتر {{addressList}})',
    unknown_user: 'لا يوجد مستخدم بهذا الاسم ({{method}})',
    wrong_password: 'كلمة مرور خاطئة ({{method}})',
    no_credentials: 'لا كلمة مرور في الطلب (لا سمة PAP أو CHAP أو MS-CHAP)',
    too_many_attempts: 'محاولات خاطئة كثيرة من هذا الجهاز: رُفض دون تحقق',
    voucher_revoked: 'القسيمة ملغاة',
    voucher_unused_expired: 'لم تُستعمل القسيمة قبل {{at}}',
    voucher_wrong_place: 'القسيمة غير صالحة على هذا الراوتر',
    voucher_locked: 'القسيمة مقفلة على جهاز آخر ({{device}})',
    voucher_lock_race: 'أخذ جهاز آخر القسيمة في اللحظة نفسها',
    suspended: 'الحساب موقوف',
    overdue: 'الحساب موقوف: الفاتورة متأخرة',
    terminated: 'الحساب منتهٍ',
    no_plan: 'لا باقة',
    plan_paused: 'الباقة مُعلّقة',
    plan_expired: 'انتهت الباقة عند {{at}}',
    outside_window: 'خارج ساعات الباقة {{from}}–{{to}}',
    data_used_up: 'نفدت حصة البيانات ({{used}} من {{allowance}})',
    time_used_up: 'نفد رصيد الوقت ({{used}} من {{allowance}} ساعة)',
    simultaneous_use: 'بلغ حد الاستخدام المتزامن {{limit}} بالجلسة {{session}} على الراوتر {{router}}',
    mac_binding: 'ليس الجهاز المسجّل ({{registered}})',
    unknown_nas: 'جهاز NAS غير معروف {{ip}}: لم يُجَب',
    missing_message_authenticator: 'ينقصه Message-Authenticator (الراوتر {{router}} يشترطه): لم يُجَب',
    bad_message_authenticator: 'Message-Authenticator خاطئ (الراوتر {{router}}؛ سرّ مشترك خاطئ؟): لم يُجَب',
    proxy_state_without_message_authenticator: 'Proxy-State دون Message-Authenticator (الراوتر {{router}}): لم يُجَب',
    eap_without_message_authenticator: 'EAP دون Message-Authenticator (الراوتر {{router}}): لم يُجَب',
  },
  repeated: '{{words}} — {{count}} مرة، آخرها عند {{until}}',
  undated: {
    plan_expired: 'انتهت الباقة',
    voucher_unused_expired: 'لم تُستعمل القسيمة في وقتها',
    simultaneous_use: 'بلغ حد الاستخدام المتزامن {{limit}}',
  },
  cli: {
    noSubject: 'حدّد صاحب القرارات: --username أو --mac أو --customer.',
  },
  storage: {
    table: 'الجدول',
    rows: 'الصفوف',
    size: 'الحجم',
    unknownSize: 'غير معروف',
    total: 'قاعدة البيانات كلها: {{size}}',
    retention: 'تُحفظ القرارات {{days}} يومًا، وبحد أقصى {{rows}} صف.',
  },
};
