export type { VerifyEmailResult } from './email-verification';
export { issueEmailVerification, verificationLink, verifyEmail } from './email-verification';
export { createAuthOptions, OIDC_NOT_LINKED } from './next-auth';
export { type OidcLinkResult, type OidcLogin, resolveOidcUser } from './oidc-link';
export { hashPassword, verifyPassword } from './password';
export { MIN_PASSWORD_LENGTH } from './policy';
export { hasRole } from './roles';
export { createSession, revokeAllSessions, revokeSession, SESSION_DAYS, sessionUser } from './sessions';
export { SIGN_IN_POLICY, SignInError, verifyCredentials } from './sign-in';
