/** Reads what the test SMTP server captured: headers, and the text and HTML parts decoded. */
export interface ParsedMail {
  subject: string;
  from: string;
  text: string;
  html: string;
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQp(data.replace(/_/g, ' ')),
  );
}

function decodeQp(s: string): string {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function headers(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

function body(part: string): { type: string; content: string } {
  const split = part.search(/\r?\n\r?\n/);
  const h = headers(part.slice(0, split));
  const raw = part.slice(split).replace(/^\r?\n\r?\n/, '');
  const enc = (h.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const content = enc === 'quoted-printable' ? decodeQp(raw) : enc === 'base64' ? Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8') : raw;
  return { type: (h.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase(), content: content.replace(/\r\n/g, '\n') };
}

export function parseMail(raw: string): ParsedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const h = headers(raw.slice(0, split));
  const boundary = /boundary="?([^";]+)"?/.exec(h.get('content-type') ?? '')?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1).map(body) : [body(raw)];
  return {
    subject: decodeWords(h.get('subject') ?? ''),
    from: decodeWords(h.get('from') ?? ''),
    text: parts.find((p) => p.type === 'text/plain')?.content ?? '',
    html: parts.find((p) => p.type === 'text/html')?.content ?? '',
  };
}
