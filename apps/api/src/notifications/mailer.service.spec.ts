import { explainSmtpError } from './mailer.service';

const smtp = { host: 'smtp.example.com', port: 587, security: 'starttls' as const, user: 'me', password: 'hunter2-secret', from: 'x@example.com' };
const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

describe('explainSmtpError: what the test e-mail button says', () => {
  it.each([
    [err('connect ECONNREFUSED 1.2.3.4:587', { code: 'ESOCKET' }), 'Could not connect to smtp.example.com:587: the connection was refused. Check the host and port.'],
    [err('getaddrinfo ENOTFOUND smtp.example.com', { code: 'EDNS' }), 'The host name smtp.example.com could not be found. Check the host.'],
    [err('Connection timeout', { code: 'ETIMEDOUT' }), 'smtp.example.com:587 did not answer in time. Check the host, the port and any firewall.'],
    [err('Invalid login', { code: 'EAUTH', response: '535 5.7.8 Bad credentials' }), 'The mail server refused the user name or password (535 5.7.8 Bad credentials).'],
    [err('Can not create secure connection', { code: 'ETLS' }), expect.stringContaining('The secure connection to smtp.example.com:587 failed')],
    [err('Mailbox unavailable', { code: 'EENVELOPE', responseCode: 451, response: '451 Mailbox unavailable' }), 'The mail server refused the sender or recipient (451 Mailbox unavailable).'],
    [err('Message rejected', { responseCode: 554, response: '554 spam' }), 'The mail server answered 554: 554 spam'],
  ])('%s', (e, expected) => {
    expect(explainSmtpError(e, smtp)).toEqual(expected);
  });

  it('never repeats the SMTP password, even when the server echoes it', () => {
    const text = explainSmtpError(err('x', { code: 'EAUTH', response: '535 bad password hunter2-secret' }), smtp);
    expect(text).not.toContain('hunter2-secret');
    expect(text).toContain('••••');
  });
});
