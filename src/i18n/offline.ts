import type { Catalogue } from './shape.js';

// The offline banner and queued forms of the staff pages and the portal (service worker). Wired as offline.*
// The page script (web/offline/offline.js) cannot call t(): the pages carry these texts with
// {time}, {form}, {reason}, {user}, {fields} and {count} left in, and the script fills them.

export const en = {
  banner: 'You are offline. Showing what was on this page at {{time}}.',
  queued: 'Saved on this device; it will be sent when the link returns.',
  waiting: 'Forms saved on this device, waiting for the link: {{count}}.',
  sent: '“{{form}}”, saved at {{time}}, was sent.',
  refused: '“{{form}}”, saved at {{time}}, was not accepted: {{reason}}',
  keptFor: '“{{form}}”, saved at {{time}}, stays on this device until {{user}} signs in here; it will be sent then.',
  held: 'It holds: {{fields}}',
  unknownReason: 'the server refused it. Enter it again.',
} as const;

export const ar: Catalogue<typeof en> = {
  banner: 'أنت غير متصل. تظهر محتويات هذه الصفحة كما كانت عند الساعة {{time}}.',
  queued: 'حُفظ على هذا الجهاز، وسيُرسل عند عودة الاتصال.',
  waiting: 'نماذج محفوظة على هذا الجهاز تنتظر الاتصال: {{count}}.',
  sent: 'أُرسل «{{form}}» المحفوظ عند الساعة {{time}}.',
  refused: 'لم يُقبل «{{form}}» المحفوظ عند الساعة {{time}}: {{reason}}',
  keptFor: 'يبقى «{{form}}» المحفوظ عند الساعة {{time}} على هذا الجهاز حتى يسجّل {{user}} الدخول هنا، ثم يُرسل.',
  held: 'محتواه: {{fields}}',
  unknownReason: 'رفضه الخادم. أدخله مرة أخرى.',
};
