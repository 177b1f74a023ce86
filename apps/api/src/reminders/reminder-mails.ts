import { escapeHtml, type Mail } from '../notifications/mailer.service';

const DAY_MS = 86_400_000;

const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
/** `15 March 2026, 12:00 UTC` */
export function when(d: Date): string {
  return `${longDate.format(d)}, ${d.toISOString().slice(11, 16)} UTC`;
}

/** `in 3 days`, `in 1 day`, `in less than a day`, or null once it has passed. */
function timeLeft(deadline: Date, now: Date): string | null {
  const ms = deadline.getTime() - now.getTime();
  if (ms <= 0) return null;
  const days = Math.floor(ms / DAY_MS);
  return days === 0 ? 'in less than a day' : `in ${days} day${days === 1 ? '' : 's'}`;
}

/** A paragraph of text, or a link with its label, or a quote (the owner's own words). */
type Block = { text: string } | { link: string; label: string } | { quote: string };

function render(to: string, subject: string, blocks: Block[], signature: string): Mail {
  const text =
    blocks
      .map((b) => ('text' in b ? b.text : 'link' in b ? `${b.label}:\n${b.link}` : b.quote.split('\n').map((l) => `  > ${l}`).join('\n')))
      .join('\n\n') + `\n\n— ${signature}\n`;
  const html =
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:40em">' +
    blocks
      .map((b) =>
        'text' in b
          ? `<p>${escapeHtml(b.text)}</p>`
          : 'link' in b
            ? `<p><a href="${escapeHtml(b.link)}" style="display:inline-block;padding:10px 18px;background:#1d4ed8;color:#fff;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(b.label)}</a></p>`
            : `<blockquote style="margin:0 0 1em;padding:0 1em;border-left:3px solid #ccc;color:#333">${b.quote.split('\n').map(escapeHtml).join('<br>')}</blockquote>`,
      )
      .join('') +
    `<p style="color:#555">— ${escapeHtml(signature)}</p></body></html>`;
  return { to, subject, text, html };
}

export interface MemberReminder {
  to: string;
  memberName: string;
  ownerName: string;
  serverName: string;
  message: string | null;
  deadline: Date;
  now: Date;
  link: { url: string; expiresAt: Date };
}

/** To a member who has not set up MFA yet: who requires it, by when, and their personal link. */
export function memberReminderMail(r: MemberReminder): Mail {
  const left = timeLeft(r.deadline, r.now);
  const subject = left
    ? `Action needed by ${longDate.format(r.deadline)}: set up two-step sign-in for ${r.serverName}`
    : `Deadline passed: set up two-step sign-in for ${r.serverName} now`;
  const blocks: Block[] = [
    { text: `Hello ${r.memberName},` },
    {
      text: left
        ? `${r.ownerName}, who runs the media server ${r.serverName}, requires everyone who signs in to it to set up two-step sign-in (multi-factor authentication) by ${when(r.deadline)} — ${left}.`
        : `${r.ownerName}, who runs the media server ${r.serverName}, requires everyone who signs in to it to set up two-step sign-in (multi-factor authentication). Your deadline was ${when(r.deadline)}: until you set it up, ${r.serverName} may not let you in.`,
    },
    ...(r.message ? ([{ text: `${r.ownerName} adds:` }, { quote: r.message }] as Block[]) : []),
    { text: 'It takes about a minute: use a passkey, an authenticator app, or another method your server owner allows.' },
    { link: r.link.url, label: 'Set up two-step sign-in' },
    {
      text: `This link is just for you: do not forward it. It works once, until ${when(r.link.expiresAt)}; after that, sign in to ${r.serverName} to get a new one. Latchkey never asks for your ${r.serverName} password.`,
    },
  ];
  return render(r.to, subject, blocks, `Latchkey, for ${r.ownerName}`);
}

export interface ExemptionReminder {
  to: string;
  adminName: string;
  memberName: string;
  serverName: string;
  policyName: string | null;
  reason: string;
  expiresAt: Date;
  now: Date;
  consoleUrl: string;
}

/** To an owner or admin, before an exemption ends: renew it or let it end on purpose. */
export function exemptionReminderMail(r: ExemptionReminder): Mail {
  const left = timeLeft(r.expiresAt, r.now);
  const subject = left ? `Exemption for ${r.memberName} ends ${longDate.format(r.expiresAt)}: renew it or let it end` : `Exemption for ${r.memberName} has ended`;
  const from = r.policyName ? `the policy “${r.policyName}”` : 'every MFA policy';
  const blocks: Block[] = [
    { text: `Hello ${r.adminName},` },
    {
      text: left
        ? `The exemption of ${r.memberName} (${r.serverName}) from ${from} ends ${when(r.expiresAt)} — ${left}. After that, they must use two-step sign-in like everyone else in scope.`
        : `The exemption of ${r.memberName} (${r.serverName}) from ${from} ended ${when(r.expiresAt)}. They must now use two-step sign-in like everyone else in scope.`,
    },
    { text: `The reason given: ${r.reason}` },
    { text: left ? 'If they still need it, renew it; otherwise there is nothing to do.' : 'If they still need it, give a new exemption.' },
    { link: r.consoleUrl, label: 'Open exemptions' },
  ];
  return render(r.to, subject, blocks, 'Latchkey');
}
