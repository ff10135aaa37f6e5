/** The words of each registration email, kept apart from sending so they can be read and tested on their own. */
import type { RegistrationSupportAlert } from './types';

/**
 * The confirmation email goes to an address nobody has proven yet, so it carries nothing the
 * sign-up typed: not even the name (a stranger's sign-up could put words of theirs above our link).
 */
export function confirmationLinkContent(input: { link: string; expiresAt: string; linkNumber: number }): {
  subject: string;
  text: string;
} {
  const expires = input.expiresAt.replace('T', ' ').slice(0, 16) + ' UTC';
  return {
    subject: 'Confirm your email address',
    text: [
      'Hello,',
      '',
      'To finish creating your account, open this link and enter the password you chose when you signed up:',
      '',
      input.link,
      '',
      `The link works once, until ${expires}.${input.linkNumber > 1 ? ' Links we sent you before for this sign-up no longer work.' : ''}`,
      'If you did not ask for an account, ignore this email: without the password nothing is created.',
    ].join('\n'),
  };
}

export function welcomeContent(input: { name: string; accountUrl?: string }): {
  subject: string;
  text: string;
} {
  return {
    subject: 'Welcome: your account is ready',
    text: [
      `Hello ${input.name},`,
      '',
      `Your email address is confirmed and your account is ready. Sign in with this address and the password you chose${input.accountUrl ? ` at ${input.accountUrl}` : ''}.`,
      'If you did not create this account, reply to this email and we will close it.',
    ].join('\n'),
  };
}

export function registrationSupportAlertContent(alert: RegistrationSupportAlert): {
  subject: string;
  text: string;
} {
  return {
    subject: `[registration ${alert.registrationId}] ${alert.kind.replace(/_/g, ' ')}`,
    text: `${alert.message}\n\nLook the registration up in the back office (Support → Registrations) or with GET /registrations/${alert.registrationId}.`,
  };
}
