import { describe, expect, it } from 'vitest';
import { africasTalking, resultOfRecipient } from './africas-talking.js';

const gateway = africasTalking.create(africasTalking.configSchema.parse({ username: 'lango', apiKey: 'k' }));

function recipient(statusCode: number, extra: Record<string, unknown> = {}) {
  return { statusCode, number: '+254711000001', status: 'x', cost: 'KES 0.8000', messageId: 'ATXid_1', ...extra };
}

describe("Africa's Talking driver settings", () => {
  it('keeps the API key sealed and defaults to the live host, batches of 100 and enqueue', () => {
    expect(africasTalking.name).toBe('africastalking');
    expect(africasTalking.secretFields).toEqual(['apiKey']);
    expect(africasTalking.configSchema.parse({ username: 'lango', apiKey: 'k' })).toMatchObject({
      baseUrl: 'https://api.africastalking.com',
      timeoutMs: 10_000,
      batchSize: 100,
      enqueue: true,
    });
    expect(gateway.batchSize).toBe(100);
  });

  it("uses the sandbox host and insists on the username 'sandbox' there", () => {
    expect(africasTalking.configSchema.parse({ environment: 'sandbox', username: 'sandbox', apiKey: 'k' }).baseUrl).toBe('https://api.sandbox.africastalking.com');
    expect(africasTalking.configSchema.safeParse({ environment: 'sandbox', username: 'lango', apiKey: 'k' }).success).toBe(false);
  });
});

describe("Africa's Talking recipient status codes", () => {
  it('accepts 100, 101 and 102 with the message id and the cost as given', () => {
    for (const code of [100, 101, 102]) {
      expect(resultOfRecipient(recipient(code))).toEqual({ status: 'accepted', gatewayMessageId: 'ATXid_1', cost: 'KES 0.8000' });
    }
  });

  it('rejects for good an invalid, unsupported, blacklisted or do-not-disturb number', () => {
    for (const [code, name] of [[403, 'InvalidPhoneNumber'], [404, 'UnsupportedNumberType'], [406, 'UserInBlacklist'], [409, 'DoNotDisturbRejection']] as const) {
      expect(resultOfRecipient(recipient(code, { messageId: 'None', cost: '0' }))).toMatchObject({ status: 'rejected', code: name });
    }
  });

  it('retries risk hold, sender id, balance, routing and gateway errors', () => {
    for (const code of [401, 402, 405, 407, 500, 501, 502]) expect(resultOfRecipient(recipient(code)), String(code)).toMatchObject({ status: 'retry' });
  });

  it('retries an unknown status code rather than dropping the message', () => {
    expect(resultOfRecipient(recipient(499))).toMatchObject({ status: 'retry' });
  });

  it("reads AT's 'None' message id and zero cost as absent", () => {
    expect(resultOfRecipient(recipient(101, { messageId: 'None', cost: '0' }))).toEqual({ status: 'accepted', gatewayMessageId: null, cost: null });
  });
});

describe("Africa's Talking delivery reports", () => {
  const parse = gateway.parseDeliveryReport!;

  it('reads a form-encoded report', () => {
    expect(parse('id=ATXid_1&status=Success&phoneNumber=%2B254711000001&networkCode=63902')).toEqual({ gatewayMessageId: 'ATXid_1', status: 'delivered', failureReason: null });
  });

  it('reads a parsed form object and a JSON body alike', () => {
    expect(parse({ id: 'ATXid_1', status: 'Failed', failureReason: 'UserInBlackList' })).toEqual({ gatewayMessageId: 'ATXid_1', status: 'failed', failureReason: 'UserInBlackList' });
    expect(parse(JSON.stringify({ id: 'ATXid_1', status: 'Rejected', failureReason: 'InsufficientCredit' }))).toMatchObject({ status: 'failed', failureReason: 'InsufficientCredit' });
    expect(parse(new URLSearchParams({ id: 'ATXid_1', status: 'Buffered' }))).toMatchObject({ status: 'sent' });
  });

  it('treats Sent, Submitted and Buffered as interim', () => {
    for (const status of ['Sent', 'Submitted', 'Buffered']) expect(parse({ id: 'a', status }).status).toBe('sent');
  });

  it('throws on a body that is not a delivery report', () => {
    expect(() => parse({ id: 'a' })).toThrow();
    expect(() => parse({ id: 'a', status: 'Teleported' })).toThrow(/unknown/);
    expect(() => parse(42)).toThrow();
  });
});
