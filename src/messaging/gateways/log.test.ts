import { describe, expect, it } from 'vitest';
import { gatewayModules, isGatewayName } from './index.js';
import { logGateway } from './log.js';

describe('log gateway', () => {
  it('accepts every message and keeps it in memory', async () => {
    const gateway = logGateway.create(logGateway.configSchema.parse({}));
    const results = await gateway.send([
      { id: 1, to: '+254711000001', text: 'Your password is 8812' },
      { id: 2, to: 'not a number', text: 'hello' },
    ]);
    expect(results).toEqual([
      { status: 'accepted', gatewayMessageId: 'log-1', cost: null },
      { status: 'accepted', gatewayMessageId: 'log-2', cost: null },
    ]);
    expect(gateway.sent.map((m) => [m.id, m.to, m.text])).toEqual([
      [1, '+254711000001', 'Your password is 8812'],
      [2, 'not a number', 'hello'],
    ]);
  });

  it('logs who and how long, but the text only when asked', async () => {
    const lines: Array<{ object: Record<string, unknown>; message?: string }> = [];
    const logger = { info: (object: object, message?: string) => lines.push({ object: object as Record<string, unknown>, message }) };
    await logGateway.create(logGateway.configSchema.parse({ logger })).send([{ id: 7, to: '+211912345678', text: 'PIN 4455' }]);
    expect(lines[0]?.object).toMatchObject({ messageId: 7, to: '+2119…678', length: 8 });
    expect(JSON.stringify(lines)).not.toContain('4455');
    expect(JSON.stringify(lines)).not.toContain('+211912345678');
    await logGateway.create(logGateway.configSchema.parse({ logger, logText: true })).send([{ id: 8, to: '+211912345678', text: 'PIN 4455' }]);
    expect(lines[1]?.object).toMatchObject({ text: 'PIN 4455' });
  });

  it('keeps only the newest messages', async () => {
    const gateway = logGateway.create(logGateway.configSchema.parse({ keep: 2 }));
    await gateway.send([1, 2, 3].map((id) => ({ id, to: '+254711000001', text: `m${id}` })));
    expect(gateway.sent.map((m) => m.id)).toEqual([2, 3]);
  });

  it('refuses a logger without an info method', () => {
    expect(logGateway.configSchema.safeParse({ logger: {} }).success).toBe(false);
  });
});

describe('gateway registry', () => {
  it('names the log, Africa\'s Talking and HTTP drivers by their setting names', () => {
    expect(Object.keys(gatewayModules).sort()).toEqual(['africastalking', 'http', 'log']);
    for (const [name, module] of Object.entries(gatewayModules)) expect(module.name).toBe(name);
    expect(isGatewayName('http')).toBe(true);
    expect(isGatewayName('toString')).toBe(false);
  });
});
