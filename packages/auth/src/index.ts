export { createAuthOptions } from './next-auth';
export { hashPassword, verifyPassword } from './password';
export { MIN_PASSWORD_LENGTH } from './policy';
export { hasRole } from './roles';
export { createSession, revokeAllSessions, revokeSession, SESSION_DAYS, sessionUser } from './sessions';
export { SIGN_IN_POLICY, SignInError, verifyCredentials } from './sign-in';
