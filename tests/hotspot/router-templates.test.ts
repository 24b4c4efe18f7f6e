import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/daemon-process.js';
import { octalEscape, renderRouterTemplate } from '../../scripts/emulators/mikrotik-hotspot.js';
import { PORTAL_PLACEHOLDER, ROUTER_TEMPLATES } from '../../src/web/captive/assets.js';
import { decodeChapValue, readRouterVisit } from '../../src/web/captive/router-visit.js';

// The RouterOS templates of web/hotspot/, rendered the way the router renders them.

const dir = join(repoRoot(), 'web', 'hotspot');
const template = (name: string) => readFileSync(join(dir, name), 'utf8');

function hiddenInputs(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
}

describe('the RouterOS template language of the emulator', () => {
  it('substitutes variables, their -esc form and nested conditions', () => {
    const vars = { a: 'x y', b: '', mode: 'mac' };
    expect(renderRouterTemplate('$(a)|$(a-esc)|$(missing)', vars)).toBe('x y|x%20y|');
    expect(renderRouterTemplate("$(if b)B$(elif mode == 'mac')M$(else)E$(endif)", vars)).toBe('M');
    expect(renderRouterTemplate('$(if a)$(if b)1$(else)2$(endif)$(else)3$(endif)', vars)).toBe('2');
    expect(() => renderRouterTemplate('$(if a)', vars)).toThrow();
  });
});

describe('web/hotspot templates', () => {
  it('are balanced and name only variables RouterOS has', () => {
    for (const name of ROUTER_TEMPLATES) {
      const text = template(name);
      expect(() => renderRouterTemplate(text, {}), name).not.toThrow();
      const used = [...text.matchAll(/\$\(([^)]*)\)/g)].map((m) => m[1]!.trim().replace(/^(if|elif) /, '').split(/\s/)[0]!).filter((v) => v && v !== 'else' && v !== 'endif');
      for (const variable of used) {
        expect(variable, `${name}: $(${variable})`).toMatch(
          /^(link-login-only|link-login|link-orig|link-redirect|link-status|link-logout|mac|ip|identity|server-name|username|error|chap-id|chap-challenge|session-time-left|uptime|bytes-in-nice|bytes-out-nice|refresh-timeout|refresh-timeout-secs|radius\d+(-\d+)?u?)$/,
        );
      }
    }
  });

  it('login.html forwards the router variables to the portal written in it', () => {
    const text = template('login.html');
    expect(text).toContain(`action="${PORTAL_PLACEHOLDER}" method="get"`);
    const html = renderRouterTemplate(text, { 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', mac: 'AA:BB:CC:11:22:33', ip: '10.5.50.2', identity: 'HS-1', 'server-name': 'hs1', error: 'invalid username or password' });
    expect(hiddenInputs(html)).toEqual({ 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', mac: 'AA:BB:CC:11:22:33', ip: '10.5.50.2', identity: 'HS-1', 'server-name': 'hs1', error: 'invalid username or password' });
    expect(html).not.toContain('name="chap-id"');
    expect(html).not.toContain("elements['chap-id']");
  });

  it('login.html passes chap-id and chap-challenge so the portal reads them even without JavaScript', () => {
    const id = randomBytes(1);
    const challenge = randomBytes(16);
    const html = renderRouterTemplate(template('login.html'), { 'link-login-only': 'http://10.5.50.1/login', 'chap-id': octalEscape(id), 'chap-challenge': octalEscape(challenge) });
    const inputs = hiddenInputs(html);
    // What a browser without JavaScript submits: the octal text itself.
    expect(inputs['chap-id']).toMatch(/^\\[0-7]{3}$/);
    expect(decodeChapValue(inputs['chap-id']!, 1)).toEqual(id);
    const visit = readRouterVisit(inputs);
    expect(visit.target).toEqual({ kind: 'chap', url: 'http://10.5.50.1/login', id, challenge });
    // With JavaScript the same bytes are turned into hex from a JavaScript string literal.
    expect(html).toContain(`hex('${octalEscape(challenge)}')`);
  });
});
