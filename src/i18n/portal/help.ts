import type { Catalogue } from '../shape.js';

// Help articles customers read on the portal's Help page and on the hotspot page.
// Wired as portal.selfService.help.*

export const en = {
  heading: 'Common questions',
  back: 'All help',
  notFound: 'That help page does not exist.',
  helpLink: 'Help',
  none: 'No help pages yet.',
  backToLogin: 'Back to the sign-in page',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'أسئلة شائعة',
  back: 'كل صفحات المساعدة',
  notFound: 'صفحة المساعدة هذه غير موجودة.',
  helpLink: 'مساعدة',
  none: 'لا توجد صفحات مساعدة بعد.',
  backToLogin: 'العودة إلى صفحة الدخول',
};
