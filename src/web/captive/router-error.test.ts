import { describe, expect, it } from 'vitest';
import { t } from '../../i18n/index.js';
import { explainRouterError } from './router-error.js';

describe('explainRouterError', () => {
  it("puts RouterOS's own errors.txt messages in plain words", () => {
    expect(explainRouterError('invalid username or password', 'en')).toBe(t('portal.errors.badCredentials'));
    expect(explainRouterError('RADIUS server is not responding', 'en')).toBe('The login server did not answer. Wait a minute and try again.');
    expect(explainRouterError('no more sessions are allowed for user alice', 'en')).toBe(t('portal.errors.sessionLimit'));
    expect(explainRouterError('web browser did not send challenge response (try again, enable JavaScript)', 'en')).toBe(t('portal.errors.expiredPage'));
    expect(explainRouterError('already authorizing, retry later', 'ar')).toBe(t('portal.errors.busy', {}, 'ar'));
  });

  it("shows Lango's own Reply-Messages in the page language, values kept", () => {
    expect(explainRouterError('Wrong username or password.', 'ar')).toBe(t('portal.errors.badCredentials', {}, 'ar'));
    expect(explainRouterError('Your account is already online on 2 device(s). Log out there first.', 'en')).toBe(t('radius.tooManySessions', { limit: '2' }));
    expect(explainRouterError('This package works only between 06:00 and 18:00.', 'en')).toBe('This package works only between 06:00 and 18:00.');
  });

  it('passes any other text through, quoted and shortened', () => {
    expect(explainRouterError('something odd', 'en')).toBe('The hotspot said: "something odd"');
    expect(explainRouterError('x'.repeat(500), 'en').length).toBeLessThan(250);
  });
});
