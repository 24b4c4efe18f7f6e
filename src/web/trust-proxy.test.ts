import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { fastifyTrustProxy } from './server.js';

async function clientAddress(trust: boolean | string[], forwardedFor: string, remoteAddress = '127.0.0.1'): Promise<string> {
  const app = Fastify({ trustProxy: fastifyTrustProxy(trust) });
  app.get('/ip', async (request) => request.ip);
  const response = await app.inject({ url: '/ip', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
  await app.close();
  return response.body;
}

describe('the client address behind a proxy', () => {
  it('is the address the proxy saw, not one the client wrote into X-Forwarded-For', async () => {
    // A client sends its own header; nginx appends the address it really came from.
    expect(await clientAddress(true, '6.6.6.6, 41.90.1.2')).toBe('41.90.1.2');
  });

  it('believes the header only from a proxy on this machine when set to true', async () => {
    expect(await clientAddress(true, '6.6.6.6', '192.168.88.20')).toBe('192.168.88.20');
  });

  it('walks back through listed proxies only', async () => {
    expect(await clientAddress(['127.0.0.1', '10.0.0.5'], '6.6.6.6, 41.90.1.2, 10.0.0.5')).toBe('41.90.1.2');
  });

  it('ignores the header entirely when no proxy is trusted', async () => {
    expect(await clientAddress(false, '6.6.6.6')).toBe('127.0.0.1');
  });
});
