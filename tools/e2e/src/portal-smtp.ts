import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps what Latchkey sends, for reading e-mailed codes. */
export interface Mailbox {
  port: number;
  /** Every message received so far, oldest first. */
  mails: Array<{ to: string[]; raw: string }>;
  lastCode: (to: string) => string | null;
  /** The messages received for `to` so far, oldest first, raw (headers and MIME body). */
  mailsTo: (to: string) => string[];
  close: () => Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const mails: Array<{ to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
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
  return {
    port: (server.server.address() as { port: number }).port,
    mails,
    lastCode: (to) => /Subject: .*?(\d{6})/.exec([...mails].reverse().find((m) => m.to.includes(to))?.raw ?? '')?.[1] ?? null,
    mailsTo: (to) => mails.filter((m) => m.to.includes(to)).map((m) => m.raw),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until a code was mailed to `to` that differs from `previous`. */
export async function codeMailedTo(mailbox: { lastCode: (to: string) => string | null }, to: string, previous: string | null = null): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const code = mailbox.lastCode(to);
    if (code && code !== previous) return code;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no code mailed to ${to}`);
}

/** Waits for the first message to `to` and returns it with quoted-printable soft breaks and escapes undone. */
export async function mailTo(mailbox: Pick<Mailbox, 'mailsTo'>, to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [raw] = mailbox.mailsTo(to);
    if (raw) return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail to ${to}`);
}
