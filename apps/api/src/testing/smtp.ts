import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package, in-process) that keeps what it receives.
 * `refuse`, when it returns true, makes the server turn recipients away (451), as a failing relay would.
 * `auth`: the user name and password it accepts (over plain SMTP, as a test relay may); others get 535.
 */
export async function startSmtp(opts: { refuse?: () => boolean; auth?: { user: string; pass: string } } = {}): Promise<{ port: number; mails: CapturedMail[]; lastCode: (to?: string) => string; close: () => Promise<void> }> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok = opts.auth !== undefined && auth.username === opts.auth.user && auth.password === opts.auth.pass;
      callback(ok ? null : Object.assign(new Error('Invalid username or password'), { responseCode: 535 }), ok ? { user: auth.username } : undefined);
    },
    onRcptTo(_address, _session, callback) {
      callback(opts.refuse?.() ? Object.assign(new Error('Mailbox unavailable, try again later'), { responseCode: 451 }) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    lastCode: (to?: string) => {
      const mail = [...mails].reverse().find((m) => !to || m.to.includes(to));
      const code = /Subject: .*?(\d{6})/.exec(mail?.raw ?? '')?.[1];
      if (!code) throw new Error(`no code mailed${to ? ` to ${to}` : ''}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
