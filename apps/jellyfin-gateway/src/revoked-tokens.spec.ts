import { presentedCredentials, RevokedTokens } from './revoked-tokens';

describe('revoked Jellyfin tokens', () => {
  it('reads the token wherever Jellyfin reads it', () => {
    expect(presentedCredentials({ authorization: 'MediaBrowser Client="x", DeviceId="d1", Token="t1"' }, '/Items')).toEqual({ token: 't1', deviceId: 'd1' });
    expect(presentedCredentials({ 'x-emby-authorization': 'MediaBrowser DeviceId="d2", Token="t2"' }, '/Items')).toEqual({ token: 't2', deviceId: 'd2' });
    expect(presentedCredentials({ 'x-emby-token': 't3' }, '/Items')).toEqual({ token: 't3' });
    expect(presentedCredentials({ 'x-mediabrowser-token': 't4' }, '/Items')).toEqual({ token: 't4' });
    expect(presentedCredentials({}, '/Videos/1/stream?static=true&API_KEY=t5')).toEqual({ token: 't5' });
    expect(presentedCredentials({}, '/Items?apikey=t6')).toEqual({ token: 't6' });
    expect(presentedCredentials({}, '/Items')).toEqual({});
  });

  it('a revoked device’s old tokens are refused, a token it gets after signing in again is not', () => {
    const r = new RevokedTokens();
    expect(r.active).toBe(false);
    r.revokeDevice('tv', ['old-known']);
    expect(r.active).toBe(true);
    expect(r.refuses({ token: 'old-known' })).toBe('known');
    // Issued before a gateway restart, sent with the revoked DeviceId: found, then refused in any form.
    expect(r.refuses({ token: 'old-unknown', deviceId: 'tv' })).toBe('newly_found');
    expect(r.refuses({ token: 'old-unknown' })).toBe('known');
    r.issued('tv', 'new');
    expect(r.refuses({ token: 'new', deviceId: 'tv' })).toBe(false);
    // Other devices and API keys are not looked at.
    expect(r.refuses({ token: 'other', deviceId: 'phone' })).toBe(false);
    expect(r.refuses({ token: 'service-api-key' })).toBe(false);
    expect(r.refuses({ deviceId: 'tv' })).toBe(false);
  });
});
