import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { addStaff, signIn, type SignInResult } from './accounts.js';
import { auditTrail } from './audit.js';
import { LOCK_AFTER } from './lockout.js';
import { completeSignIn, pendingSignIn, resetSecondFactor, secondFactorOf, sendSmsCode, setSmsSignIn, SMS_CODE_TRIES, turnOffTotp, turnOnTotp } from './second-factor.js';
import { sessionFor } from './sessions.js';
import { newTotpSecret, totpCode } from './totp.js';

let conn: Connection;
const box = createSecretBox(Buffer.alloc(32, 9));
const T0 = Date.UTC(2026, 2, 1, 8, 0, 5);
const PASSWORD = 'kibera-shop-7';

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-2fa-')), 'lango.db'));
});
afterEach(() => conn.close());

async function withTotp(username = 'amina'): Promise<{ id: number; secret: string }> {
  const { staff } = await addStaff(conn.db, { username, role: 'support', password: PASSWORD });
  const { secret } = newTotpSecret(username);
  expect(turnOnTotp(conn.db, box, { actor: `staff:${username}`, staffId: staff.id, secret, code: totpCode(secret, T0), now: T0 })).toEqual({ kind: 'on' });
  return { id: staff.id, secret };
}

const pendingToken = (result: SignInResult) => {
  expect(result.kind).toBe('second-factor');
  return (result as { token: string }).token;
};

describe('two-step sign-in with an authenticator app', () => {
  it('refuses to turn on with a wrong code, and keeps the secret sealed once on', async () => {
    const { staff } = await addStaff(conn.db, { username: 'otieno', role: 'support', password: PASSWORD });
    const { secret } = newTotpSecret('otieno');
    expect(turnOnTotp(conn.db, box, { actor: 'staff:otieno', staffId: staff.id, secret, code: '000000', now: T0 }).kind).toBe(totpCode(secret, T0) === '000000' ? 'on' : 'wrong');
    expect(secondFactorOf(conn.db, staff.id)?.totp).toBe(false);
    expect(turnOnTotp(conn.db, box, { actor: 'staff:otieno', staffId: staff.id, secret, code: totpCode(secret, T0), now: T0 })).toEqual({ kind: 'on' });
    const stored = conn.sqlite.prepare('SELECT totp_secret FROM staff WHERE id = ?').get(staff.id) as { totp_secret: string };
    expect(stored.totp_secret).not.toContain(secret);
    expect(box.open(stored.totp_secret)).toBe(secret);
    expect(auditTrail(conn.db, `staff:${staff.id}`)[0]).toMatchObject({ action: 'staff.2fa.on', detail: { method: 'totp' } });
    expect(JSON.stringify(auditTrail(conn.db))).not.toContain(secret);
  });

  it('asks for a code after the right password, and opens a session only with the right code', async () => {
    const { id, secret } = await withTotp();
    const at = T0 + 60_000;
    const token = pendingToken(await signIn(conn.db, 'amina', PASSWORD, at));
    expect(pendingSignIn(conn.db, token, at)).toMatchObject({ staff: { id }, totp: true, phone: null });
    // The pending token is not a session.
    expect(sessionFor(conn.db, token, at)).toBeUndefined();
    expect(completeSignIn(conn.db, box, token, '000000' === totpCode(secret, at) ? '111111' : '000000', at).kind).toBe('wrong');
    const done = completeSignIn(conn.db, box, token, totpCode(secret, at), at);
    expect(done.kind).toBe('signed-in');
    expect(sessionFor(conn.db, (done as { token: string }).token, at)?.staff.id).toBe(id);
    expect(pendingSignIn(conn.db, token, at)).toBeUndefined();
  });

  it('refuses the same code twice in its time step, and a pending sign-in that has expired', async () => {
    const { secret } = await withTotp();
    const at = T0 + 90_000;
    const first = pendingToken(await signIn(conn.db, 'amina', PASSWORD, at));
    expect(completeSignIn(conn.db, box, first, totpCode(secret, at), at).kind).toBe('signed-in');
    const second = pendingToken(await signIn(conn.db, 'amina', PASSWORD, at + 1000));
    expect(completeSignIn(conn.db, box, second, totpCode(secret, at), at + 1000).kind).toBe('used');
    const late = pendingToken(await signIn(conn.db, 'amina', PASSWORD, at + 60_000));
    expect(completeSignIn(conn.db, box, late, totpCode(secret, at + 6 * 60_000), at + 6 * 60_000).kind).toBe('expired');
  });

  it('counts wrong codes toward the lockout, with wrong passwords', async () => {
    await withTotp();
    const at = T0 + 60_000;
    expect((await signIn(conn.db, 'amina', 'wrong-password-1', at)).kind).toBe('wrong');
    const token = pendingToken(await signIn(conn.db, 'amina', PASSWORD, at));
    const results: string[] = [];
    for (let i = 0; i < LOCK_AFTER - 1; i++) results.push(completeSignIn(conn.db, box, token, 'abcdef', at).kind);
    expect(results).toEqual(['wrong', 'wrong', 'wrong', 'locked']);
    expect((await signIn(conn.db, 'amina', PASSWORD, at)).kind).toBe('locked');
  });

  it('turns off with the password only, and an administrator can turn it off (audited)', async () => {
    const { id } = await withTotp();
    expect(await turnOffTotp(conn.db, { actor: 'staff:amina', staffId: id, password: 'not-it-at-all', now: T0 })).toEqual({ kind: 'wrong-password' });
    expect(secondFactorOf(conn.db, id)?.totp).toBe(true);
    expect(resetSecondFactor(conn.db, { actor: 'staff:admin', staffId: id, now: T0 })).toBe(true);
    expect(secondFactorOf(conn.db, id)?.totp).toBe(false);
    expect(auditTrail(conn.db, `staff:${id}`)[0]).toMatchObject({ actor: 'staff:admin', action: 'staff.2fa.reset', detail: { before: { totp: true }, after: { totp: false } } });
    expect((await signIn(conn.db, 'amina', PASSWORD, T0)).kind).toBe('signed-in');
  });
});

describe('two-step sign-in with SMS codes', () => {
  async function withSms(): Promise<number> {
    const { staff } = await addStaff(conn.db, { username: 'wanjiru', role: 'support', password: PASSWORD });
    expect(await setSmsSignIn(conn.db, { actor: 'staff:wanjiru', staffId: staff.id, password: PASSWORD, phone: '0712', on: true, now: T0 })).toEqual({ kind: 'bad-phone' });
    expect(await setSmsSignIn(conn.db, { actor: 'staff:wanjiru', staffId: staff.id, password: PASSWORD, phone: '+254712000111', on: true, now: T0 })).toEqual({ kind: 'saved' });
    return staff.id;
  }
  const sent: Array<{ to: string; code: string; minutes: number }> = [];
  const send = (_d: unknown, message: { to: string; code: string; minutes: number }) => void sent.push(message);

  it('sends a 6-digit code valid 5 minutes, keeps only its hash, and signs in with it', async () => {
    await withSms();
    sent.length = 0;
    const token = pendingToken(await signIn(conn.db, 'wanjiru', PASSWORD, T0));
    expect(sendSmsCode(conn.db, token, T0, send)).toEqual({ kind: 'sent', phone: '+254712000111' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: '+254712000111', minutes: 5 });
    expect(sent[0]!.code).toMatch(/^\d{6}$/);
    const stored = conn.sqlite.prepare('SELECT sms_code_hash FROM staff_pending_sign_ins').get() as { sms_code_hash: string };
    expect(stored.sms_code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sendSmsCode(conn.db, token, T0 + 10_000, send).kind).toBe('too-soon');
    expect(completeSignIn(conn.db, box, token, sent[0]!.code, T0 + 4 * 60_000).kind).toBe('signed-in');
  });

  it('refuses the code after 5 minutes and after 5 wrong tries', async () => {
    await withSms();
    sent.length = 0;
    const late = pendingToken(await signIn(conn.db, 'wanjiru', PASSWORD, T0));
    sendSmsCode(conn.db, late, T0, send);
    expect(completeSignIn(conn.db, box, late, sent[0]!.code, T0 + 5 * 60_000 + 1).kind).toBe('expired');

    sent.length = 0;
    const tries = pendingToken(await signIn(conn.db, 'wanjiru', PASSWORD, T0 + 10 * 60_000));
    sendSmsCode(conn.db, tries, T0 + 10 * 60_000, send);
    const code = sent[0]!.code;
    const wrong = code === '000000' ? '111111' : '000000';
    // Two wrong tries here, so the lockout (five in a row, with passwords) is not what stops it.
    for (let i = 0; i < 2; i++) completeSignIn(conn.db, box, tries, wrong, T0 + 10 * 60_000);
    conn.sqlite.prepare('UPDATE staff_pending_sign_ins SET sms_tries = ?').run(SMS_CODE_TRIES);
    expect(completeSignIn(conn.db, box, tries, code, T0 + 10 * 60_000).kind).toBe('wrong');
  });
});
