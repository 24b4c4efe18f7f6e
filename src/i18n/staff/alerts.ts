import type { Catalogue } from '../shape.js';

// Health alerts sent to staff by SMS (src/operations/alerts.ts): one when a problem starts, one
// when it clears. Short, because each is one SMS.

export const en = {
  routerSilent: {
    started: 'Lango alert: router {{router}} has sent no accounting for {{minutes}} minutes.',
    resolved: 'Lango resolved: router {{router}} is sending accounting again.',
  },
  paymentsFailing: {
    started: 'Lango alert: the last {{count}} payment attempts all failed. Check the payment provider.',
    resolved: 'Lango resolved: payments are succeeding again.',
  },
  outboxBacklog: {
    started: 'Lango alert: {{queued}} SMS are waiting to be sent, the oldest for {{minutes}} minutes. Check the SMS gateway.',
    resolved: 'Lango resolved: the SMS queue is moving again.',
  },
  diskFull: {
    started: 'Lango alert: only {{percent}}% of the database disk is free. Free some space.',
    resolved: 'Lango resolved: the database disk has enough free space again.',
  },
  backup: {
    started: 'Lango alert: the last backup failed or is too old ({{detail}}).',
    resolved: 'Lango resolved: a backup succeeded.',
  },
} as const;

export const ar: Catalogue<typeof en> = {
  routerSilent: {
    started: 'تنبيه Lango: الموجّه {{router}} لم يرسل بيانات المحاسبة منذ {{minutes}} دقيقة.',
    resolved: 'تم الحل في Lango: الموجّه {{router}} يرسل بيانات المحاسبة من جديد.',
  },
  paymentsFailing: {
    started: 'تنبيه Lango: فشلت آخر {{count}} محاولات دفع كلها. تحقّق من مزوّد الدفع.',
    resolved: 'تم الحل في Lango: المدفوعات تنجح من جديد.',
  },
  outboxBacklog: {
    started: 'تنبيه Lango: {{queued}} رسالة SMS تنتظر الإرسال، أقدمها منذ {{minutes}} دقيقة. تحقّق من بوابة الرسائل.',
    resolved: 'تم الحل في Lango: قائمة رسائل SMS تتحرك من جديد.',
  },
  diskFull: {
    started: 'تنبيه Lango: المساحة الحرة على قرص قاعدة البيانات {{percent}}% فقط. أفرغ بعض المساحة.',
    resolved: 'تم الحل في Lango: على قرص قاعدة البيانات مساحة حرة كافية من جديد.',
  },
  backup: {
    started: 'تنبيه Lango: فشلت آخر نسخة احتياطية أو هي قديمة جدًا ({{detail}}).',
    resolved: 'تم الحل في Lango: نجحت نسخة احتياطية.',
  },
};
