export { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password';
export { hasRole } from './roles';
