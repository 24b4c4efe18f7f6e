// Golden packets from radius.md §4 (secret testing123), produced or accepted by radclient 3.2.1.
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const GOLDEN_SECRET = Buffer.from('testing123');
export const ACCESS_REQUEST = hex(`017c0049 35f28d609d96043ae932ddc9a5b7e99d 0105626f62 0212876d29c75b441cf4bae4ef878a638e3b
  04067f000001 05060000000a 5012f2a152b6e8291a0c42e3a2c26455193f`);
export const ACCESS_ACCEPT = hex('027c002d 4c2347b19779bb6831e436733f85d9e8 5012 7a497ceed51682f625c8d61ea9b4121d 120768656c6c6f');
export const ACCOUNTING_REQUEST = hex(
  '04840035 cf786b0c7a19161b5ee646633029acfc 280600000001 2c0a3831613030303032 0105626f62 04060a000001 08060a053207',
);
export const ACCOUNTING_RESPONSE = hex('05840014 e33f6aca5602f26b841bddca8272f9af');
export const MIKROTIK_RATE_LIMIT = hex('1a 0d 00 00 3a 8c 08 07 32 4d 2f 35 4d');
