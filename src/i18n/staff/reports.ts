import type { Catalogue } from '../shape.js';

// The reports index (src/web/staff/reports.ts). Wired as staff.reports.*

export const en = {
  heading: 'Reports',
  intro: 'Figures for the months you pick, each with a CSV download for a spreadsheet.',
  money: 'Money',
  usage: 'Usage and network',
  revenue: 'Revenue by day, month, plan and payment method',
  collection: 'Collection: billed against received',
  aging: 'Money owed, by age',
  customers: 'New and lost customers (monthly cohorts)',
  arpu: 'Average revenue per customer (ARPU)',
  vouchers: 'Voucher sales by batch and seller',
  topUsers: 'Top data users',
  usagePerRouter: 'Usage per router and per plan',
  network: 'Network load: sessions and traffic per router over time',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'التقارير',
  intro: 'أرقام للأشهر التي تختارها، مع تنزيل CSV لكل تقرير لجدول البيانات.',
  money: 'المال',
  usage: 'الاستخدام والشبكة',
  revenue: 'الإيرادات حسب اليوم والشهر والباقة وطريقة الدفع',
  collection: 'التحصيل: المفوتر مقابل المستلم',
  aging: 'المبالغ المستحقة حسب عمرها',
  customers: 'العملاء الجدد والمغادرون (مجموعات شهرية)',
  arpu: 'متوسط الإيراد لكل عميل',
  vouchers: 'مبيعات القسائم حسب الدفعة والبائع',
  topUsers: 'أكثر المستخدمين استهلاكًا للبيانات',
  usagePerRouter: 'الاستخدام لكل جهاز توجيه ولكل باقة',
  network: 'حمل الشبكة: الجلسات وحركة البيانات لكل جهاز توجيه عبر الزمن',
};
