// The messaging domain's front door: the outbox, its templates, the dispatcher that turns
// notification events into messages, the sender that hands them to a gateway after commit,
// delivery reports and bulk campaigns. Gateway drivers live in gateways/ and implement gateway.ts.
export type { SmsGateway, SmsRequest, SmsSendResult, DeliveryReport, GatewayModule } from './gateway.js';
export { countSmsParts, isGsm7, type SmsParts } from './segments.js';
export {
  templateKeys,
  templatePlaceholders,
  isTemplateKey,
  isCriticalTemplate,
  setTemplate,
  resetTemplate,
  listTemplates,
  renderTemplate,
  checkTemplateBody,
  templateRenderer,
  type TemplateKey,
  type TemplateValues,
  type TemplateView,
} from './templates.js';
export { previewTemplate } from './template-preview.js';
export { queueMessage, listMessages, findMessage, cancelMessage, isSendableNumber, type Message, type MessageFilter, type QueueInput } from './outbox.js';
export { dispatchNotifications, type DispatchOptions, type DispatchResult } from './dispatcher.js';
export { createSmsSender, retryDelayMs, MAX_ATTEMPTS, type SmsSender, type SenderOptions, type DrainResult } from './sender.js';
export { applyDeliveryReport, lastReports, type DeliveryOutcome, type LastReport } from './delivery.js';
export { previewCampaign, sendCampaign, listCampaigns, DOUBLE_SUBMIT_WINDOW_MS, type Campaign, type CampaignFilter, type CampaignPreview, type CampaignSummary } from './campaigns.js';
