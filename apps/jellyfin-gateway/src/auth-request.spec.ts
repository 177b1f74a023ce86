import { ClientAddress, embyAuthorizationOf, isAuthenticationPath, parseEmbyAuthorization } from './auth-request';

describe('which requests are sign-ins', () => {
  it.each([
    '/Users/AuthenticateByName',
    '/users/authenticatebyname/',
    '/USERS/AUTHENTICATEWITHQUICKCONNECT',
    '/Users/AuthenticateWithQuickConnect/?x=1',
    '/Users/0123abcd/Authenticate?pw=secret',
    '/users/0123abcd/authenticate/',
    '/Users/%41uthenticateByName',
    '/Users/AuthenticateByName%2F',
    '//Users//AuthenticateByName',
    '/emby/Users/AuthenticateByName',
    '/MediaBrowser/users/authenticatebyname',
  ])('%s is intercepted', (url) => expect(isAuthenticationPath(url)).toBe(true));

  it.each(['/Users/Me', '/Users/AuthenticateByName/extra', '/x/Users/AuthenticateByName', '/Users/a/b/Authenticate', '/Videos/1/stream', '/QuickConnect/Connect', '/Users/AuthenticateByNameX', '/Users/%ZZ'])(
    '%s is not',
    (url) => expect(isAuthenticationPath(url)).toBe(false),
  );
});

describe('the MediaBrowser authorization header', () => {
  it('reads Jellyfin clients’ URL-encoded fields', () => {
    expect(parseEmbyAuthorization('MediaBrowser Client="Jellyfin%20Web", Device="Firefox", DeviceId="TW96aWxsYQ%3D%3D", Version="10.11.2", Token=""')).toEqual({
      client: 'Jellyfin Web',
      device: 'Firefox',
      deviceId: 'TW96aWxsYQ==',
      version: '10.11.2',
      token: undefined,
    });
  });

  it('falls back to X-Emby-Authorization when Authorization is not a MediaBrowser one', () => {
    expect(embyAuthorizationOf({ authorization: 'Bearer x', 'x-emby-authorization': 'Emby Client="Infuse", DeviceId="d1"' })).toMatchObject({ client: 'Infuse', deviceId: 'd1' });
    expect(parseEmbyAuthorization('Basic abc')).toBeNull();
  });
});

describe('the client address', () => {
  const addr = new ClientAddress(['10.0.0.0/8', '::1']);

  it('believes X-Forwarded-For only through trusted proxies', () => {
    expect(addr.resolve('203.0.113.9', '192.168.1.20')).toBe('203.0.113.9');
    expect(addr.resolve('10.0.0.2', '198.51.100.7, 10.0.0.5')).toBe('198.51.100.7');
    expect(addr.resolve('::ffff:10.0.0.2', '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
    expect(addr.resolve('::1', 'garbage')).toBe('::1');
  });

  it('refuses a malformed trusted-proxy entry at boot', () => {
    expect(() => new ClientAddress(['not-an-ip'])).toThrow(/GATEWAY_TRUSTED_PROXIES/);
  });
});
