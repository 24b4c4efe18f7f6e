// The billing domain's front door. AAA reads subscribers through here, read-only.
export { addPlan, listPlans, findPlanByName, type Plan, type PlanInput } from './plans.js';
export { addCustomer, listCustomers, createSubscriberLookup, type CustomerInput, type CustomerSummary, type Subscriber } from './customers.js';
export { parseMoney, formatMoney, minorDigits, currencies, isCurrency } from './money.js';
export { parseDuration, parseDataSize } from './plan-units.js';
export { isRateLimit } from './rate-limit.js';
