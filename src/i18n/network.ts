import type { Catalogue } from './shape.js';

// Routers over the RouterOS API (src/network, issue 10): what went wrong, in plain words, for
// the staff pages, the CLI and the log. Wired as network.*

export const en = {
  apiErrors: {
    timeout: 'The router did not answer in time. Check that it is on, that the API address is right and that nothing blocks port {{port}}.',
    refused: 'The router refused the connection on port {{port}}: its API service is off or uses another port (/ip/service print).',
    unreachable: 'The router cannot be reached at {{host}}: check the address, the tunnel or the link.',
    auth: 'The router refused the API user name or password (or the user lacks the "api" policy).',
    tls: 'The secure connection (api-ssl) failed: give the router a certificate (/ip/service set api-ssl certificate=…) or use port 8728.',
    trap: 'The router refused a command: {{detail}}',
    fatal: 'The router closed the connection: {{detail}}',
    closed: 'The connection to the router closed before it answered.',
    protocol: 'The router sent something that is not the RouterOS API: is this port really the API service?',
  },
  errors: {
    noApi: 'Router {{name}} has no API access set: add the API address, user and password first.',
    noRadiusAddress: 'Set the address routers reach Lango at first (setting routers.radiusAddress, e.g. 10.8.0.1).',
    badHost: '"{{value}}" is not an address or host name for the router API.',
    badPort: 'The API port must be a number from 1 to 65535 (8728, or 8729 for api-ssl).',
    badApiUser: 'Give the API user name (1 to 64 characters).',
    apiPasswordNeeded: 'Give the API password the first time (it is stored encrypted and never shown again).',
    unknownRouter: 'There is no router {{name}}: see lango nas list.',
    apiFailed: 'Router {{name}}: {{reason}}',
  },
};

export const ar: Catalogue<typeof en> = {
  apiErrors: {
    timeout: 'لم يردّ الراوتر في الوقت المحدد. تأكد أنه يعمل، وأن عنوان الواجهة صحيح، وأن لا شيء يحجب المنفذ {{port}}.',
    refused: 'رفض الراوتر الاتصال على المنفذ {{port}}: خدمة الواجهة متوقفة أو تستخدم منفذًا آخر (/ip/service print).',
    unreachable: 'لا يمكن الوصول إلى الراوتر على {{host}}: تحقق من العنوان أو النفق أو الوصلة.',
    auth: 'رفض الراوتر اسم المستخدم أو كلمة المرور للواجهة (أو أن المستخدم لا يملك صلاحية "api").',
    tls: 'فشل الاتصال الآمن (api-ssl): ضع شهادة على الراوتر (/ip/service set api-ssl certificate=…) أو استخدم المنفذ 8728.',
    trap: 'رفض الراوتر أمرًا: {{detail}}',
    fatal: 'أغلق الراوتر الاتصال: {{detail}}',
    closed: 'انقطع الاتصال بالراوتر قبل أن يردّ.',
    protocol: 'أرسل الراوتر شيئًا ليس من واجهة RouterOS: هل هذا المنفذ هو خدمة الواجهة فعلًا؟',
  },
  errors: {
    noApi: 'لم تُضبط واجهة الراوتر {{name}}: أضف عنوان الواجهة واسم المستخدم وكلمة المرور أولًا.',
    noRadiusAddress: 'اضبط أولًا العنوان الذي تصل منه الراوترات إلى Lango (الإعداد routers.radiusAddress، مثل 10.8.0.1).',
    badHost: '«{{value}}» ليس عنوانًا أو اسم مضيف لواجهة الراوتر.',
    badPort: 'يجب أن يكون منفذ الواجهة رقمًا من 1 إلى 65535 (8728، أو 8729 لـ api-ssl).',
    badApiUser: 'أدخل اسم مستخدم الواجهة (من 1 إلى 64 حرفًا).',
    apiPasswordNeeded: 'أدخل كلمة مرور الواجهة في المرة الأولى (تُحفظ مشفرة ولا تُعرض مرة أخرى).',
    unknownRouter: 'لا يوجد راوتر باسم {{name}}: راجع lango nas list.',
    apiFailed: 'الراوتر {{name}}: {{reason}}',
  },
};
