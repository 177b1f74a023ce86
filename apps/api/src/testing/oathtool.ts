import { execFileSync } from 'node:child_process';

/**
 * The code an authenticator app shows for `secret` at `at`, from Debian's oathtool: an implementation of
 * RFC 6238 independent of the one Latchkey uses (tools/scripts/system-deps.sh installs it).
 */
export function oathtoolCode(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).trim();
}
