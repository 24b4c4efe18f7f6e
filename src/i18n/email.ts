import type { Catalogue } from './shape.js';

// Email, the second outbound channel (src/messaging/email.ts): a staff reply on a help request
// to the customer, health alerts to staff, and the operator's test message. Plain text only:
// no markup to render wrongly in a phone's mail app.

export const en = {
  ticketReply: {
    subject: '{{operator}}: reply to your help request {{number}} ({{title}})',
    body: 'Hello {{name}},\n\nWe answered your help request {{number}} ({{title}}):\n\n{{reply}}\n\nYou can answer in the customer portal.\n\n{{operator}}',
    bodyLink: 'Hello {{name}},\n\nWe answered your help request {{number}} ({{title}}):\n\n{{reply}}\n\nRead it and answer here: {{link}}\n\n{{operator}}',
  },
  alert: {
    subject: '{{operator}}: {{alert}}',
    body: '{{alert}}\n\nSent by Lango at {{operator}} when a problem starts and once more when it clears.',
  },
  test: {
    subject: '{{operator}}: test email from Lango',
    body: 'This is a test from Lango at {{operator}}. Email is set up: customers with an address get staff replies to their help requests, and staff with an address get health alerts.',
  },
  // The staff account page (src/web/staff/users.ts): where an admin's health alerts go.
  staffForm: {
    heading: 'Alert email',
    hint: 'Administrators get health alerts at this address when email is set up. Leave it empty for none.',
    label: 'Email address',
    button: 'Save email',
    saved: '{{username}} gets health alerts at {{email}}.',
    removed: '{{username}} has no alert email address now.',
    bad: '"{{value}}" is not an email address. Example: noc@example.net',
  },
} as const;

export const ar: Catalogue<typeof en> = {
  ticketReply: {
    subject: '{{operator}}: رد على طلب المساعدة {{number}} ({{title}})',
    body: 'مرحبًا {{name}}،\n\nرددنا على طلب المساعدة {{number}} ({{title}}):\n\n{{reply}}\n\nيمكنك الرد من بوابة المشتركين.\n\n{{operator}}',
    bodyLink: 'مرحبًا {{name}}،\n\nرددنا على طلب المساعدة {{number}} ({{title}}):\n\n{{reply}}\n\nاقرأ الرد وأجب هنا: {{link}}\n\n{{operator}}',
  },
  alert: {
    subject: '{{operator}}: {{alert}}',
    body: '{{alert}}\n\nأرسله Lango لدى {{operator}} عند بدء المشكلة ومرة أخرى عند حلّها.',
  },
  test: {
    subject: '{{operator}}: رسالة تجريبية من Lango',
    body: 'هذه رسالة تجريبية من Lango لدى {{operator}}. البريد الإلكتروني جاهز: يتلقى المشتركون الذين لديهم عنوان ردود الموظفين على طلبات المساعدة، ويتلقى الموظفون الذين لديهم عنوان تنبيهات الحالة.',
  },
  staffForm: {
    heading: 'بريد التنبيهات',
    hint: 'يتلقى المديرون تنبيهات الحالة على هذا العنوان عند إعداد البريد الإلكتروني. اتركه فارغًا إن لم يكن هناك عنوان.',
    label: 'البريد الإلكتروني',
    button: 'حفظ البريد',
    saved: '{{username}} يتلقى تنبيهات الحالة على {{email}}.',
    removed: 'لم يعد لدى {{username}} عنوان بريد للتنبيهات.',
    bad: '«{{value}}» ليس عنوان بريد إلكتروني. مثال: noc@example.net',
  },
};
