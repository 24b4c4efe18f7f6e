import type { Catalogue } from '../shape.js';

// The portal home's usage history (30 days) and the language choice. Wired as portal.selfService.usage.*

export const en = {
  heading: 'Data per day, last {{days}} days',
  chartTitle: 'Data used per day',
  chartDesc: 'Bars per day from {{from}} to {{to}}: downloaded and uploaded. The most on one day: {{most}}.',
  total: 'In all: {{down}} downloaded, {{up}} uploaded.',
  down: 'Downloaded',
  up: 'Uploaded',
  axis: 'Oldest day on the left, today on the right.',
  top: 'Top of the chart: {{most}}',
  none: 'No data used in the last {{days}} days.',
  table: 'Show as a table',
  day: 'Day',
  ended: 'Ended',
};

export const ar: Catalogue<typeof en> = {
  heading: 'البيانات يوميًا، آخر {{days}} يومًا',
  chartTitle: 'البيانات المستخدمة يوميًا',
  chartDesc: 'أعمدة لكل يوم من {{from}} إلى {{to}}: التنزيل والرفع. الأكثر في يوم واحد: {{most}}.',
  total: 'المجموع: {{down}} تنزيل، {{up}} رفع.',
  down: 'التنزيل',
  up: 'الرفع',
  axis: 'أقدم يوم على اليمين، واليوم على اليسار.',
  top: 'أعلى الرسم: {{most}}',
  none: 'لم تُستخدم أي بيانات في آخر {{days}} يومًا.',
  table: 'عرض كجدول',
  day: 'اليوم',
  ended: 'انتهى',
};
