/** The messages Weft sends, and what each needs. */
export interface TemplateParams {
  'verify-email': { firstName: string; token: string };
  'account-exists': { firstName: string };
  'reset-password': { firstName: string; token: string };
  invitation: { organizationName: string; invitedBy: string; token: string };
}

export type MailTemplate = keyof TemplateParams;

/** One line of text from a value a person typed: no line breaks (no header or layout tricks). */
function line(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 200);
}

/**
 * Plain-text messages. Links carry the token in the fragment-free query of the web app's page,
 * which then posts it to the API; the API never acts on a GET of such a link.
 */
export function renderMail<T extends MailTemplate>(
  template: T,
  params: TemplateParams[T],
  publicUrl: string,
): { subject: string; text: string } {
  const link = (path: string, token: string) =>
    `${publicUrl}${path}?token=${encodeURIComponent(token)}`;
  switch (template) {
    case 'verify-email': {
      const p = params as TemplateParams['verify-email'];
      return {
        subject: 'Confirm your email address for Weft',
        text: `Hello ${line(p.firstName)},\n\nconfirm your email address to finish creating your Weft account:\n\n${link('/verify-email', p.token)}\n\nThe link works once, for 24 hours. If you did not register, ignore this message.\n`,
      };
    }
    case 'account-exists': {
      const p = params as TemplateParams['account-exists'];
      return {
        subject: 'Someone tried to register with your email address',
        text: `Hello ${line(p.firstName)},\n\nsomeone tried to create a Weft account with this address, which already has one. If it was you, sign in, or reset your password at ${publicUrl}/reset-password. Otherwise, ignore this message.\n`,
      };
    }
    case 'reset-password': {
      const p = params as TemplateParams['reset-password'];
      return {
        subject: 'Reset your Weft password',
        text: `Hello ${line(p.firstName)},\n\nchoose a new password here:\n\n${link('/reset-password', p.token)}\n\nThe link works once, for one hour, and signs you out everywhere. If you did not ask for it, ignore this message: your password stays as it is.\n`,
      };
    }
    case 'invitation': {
      const p = params as TemplateParams['invitation'];
      return {
        subject: `You are invited to ${line(p.organizationName)} on Weft`,
        text: `${line(p.invitedBy)} invites you to the organization "${line(p.organizationName)}" on Weft.\n\nAccept the invitation (sign in or register with this email address first):\n\n${link('/invitations/accept', p.token)}\n\nThe invitation is valid for 7 days.\n`,
      };
    }
    default:
      throw new Error(`unknown mail template "${String(template)}"`);
  }
}
