/**
 * A forgotten password's activities (domain/password-reset.ts), built from their clients: the
 * registration store (where the customers are) and the mailer. The link's token is made here,
 * emailed, and kept only as a hash; the workflow never holds it.
 */
import type { PasswordResetView } from '../../domain/password-reset';
import { formatTime } from '../../domain/words';
import { newLinkToken, tokenHash, type RegistrationStore } from '../../store/registration-store';
import type { Mailer } from '../adapters/ports';

export interface PasswordResetActivityDeps {
  registrations: RegistrationStore;
  mailer: Mailer;
  fromEmail: string;
  /** PUBLIC_URL: the link is built on it, and the account pages it points to. */
  publicUrl: string;
}

export interface ResetLinkEmail {
  resetId: string;
  to: string;
  name: string;
  expiresAt: string;
}

export function resetLinkUrl(publicUrl: string, token: string): string {
  const url = new URL('/password-resets/confirm', publicUrl.replace(/\/+$/, '') + '/');
  url.searchParams.set('token', token);
  return url.toString();
}

export function createPasswordResetActivities(deps: PasswordResetActivityDeps) {
  const { registrations, mailer } = deps;
  const account = new URL('/account/', deps.publicUrl.replace(/\/+$/, '') + '/').toString();
  return {
    openPasswordReset: (input: { resetId: string; email: string; at: string; expiresAt: string }) =>
      registrations.openPasswordReset(input),
    /** Whether the link went: not for a reset replaced or ended meanwhile. */
    async sendPasswordResetLink(email: ResetLinkEmail): Promise<boolean> {
      const token = newLinkToken();
      const saved = await registrations.savePasswordResetLink({
        resetId: email.resetId,
        tokenHash: tokenHash(token),
        at: new Date().toISOString(),
      });
      // Used, replaced or ended meanwhile: a link that could never work is not sent.
      if (!saved) return false;
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: `${email.resetId}:reset_link`,
        category: 'password_reset_link',
        subject: 'Set a new password',
        text: [
          `Hello ${email.name},`,
          '',
          'Someone, hopefully you, asked to set a new password for your account. Open this link to choose one:',
          '',
          resetLinkUrl(deps.publicUrl, token),
          '',
          `The link works once, until ${formatTime(email.expiresAt)}. Links we sent you before no longer work.`,
          'If you did not ask, ignore this email: your password stays as it is.',
        ].join('\n'),
      });
      return true;
    },
    async sendPasswordChanged(email: { resetId: string; to: string; name: string }): Promise<void> {
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: `${email.resetId}:password_changed`,
        category: 'password_changed',
        subject: 'Your password was changed',
        text: [
          `Hello ${email.name},`,
          '',
          'Your password was just changed, and every device signed in to your account was signed out.',
          `Sign in with the new password at ${account}`,
          'If you did not change it, reply to this email at once.',
        ].join('\n'),
      });
    },
    endPasswordReset: ({ resetId }: { resetId: string }) =>
      registrations.endPasswordReset(resetId, new Date().toISOString()),
    recordPasswordResetView: (view: PasswordResetView) => registrations.recordPasswordResetView(view),
  };
}

export type PasswordResetActivities = ReturnType<typeof createPasswordResetActivities>;
