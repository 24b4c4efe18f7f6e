// The billing domain's front door. AAA reads subscribers through here, read-only.
export { addPlan, editPlan, listPlans, findPlanByName, currentRateLimit, type Plan, type PlanInput } from './plans.js';
export {
  addCustomer,
  listCustomers,
  findCustomer,
  setCustomerPlan,
  setCustomerStatus,
  activateCustomer,
  createSubscriberLookup,
  type CustomerInput,
  type CustomerSummary,
  type Subscriber,
  type SubscriberLookup,
} from './customers.js';
export { parseMoney, formatMoney, minorDigits, currencies, isCurrency } from './money.js';
export { parseDuration, parseDataSize, parseMonths } from './plan-units.js';
export { isRateLimit } from './rate-limit.js';
export { normaliseMac } from './mac.js';
export { periodEnd, usagePeriodStart } from './plan-period.js';
