// Input schemas the browser's forms share with the procedures (no server-only imports here).
import { MIN_PASSWORD_LENGTH } from '@floe/auth/policy';
import { z } from 'zod';

export const emailInput = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'at most 254 characters')
  .pipe(z.email('enter a valid email address'));

export const newPasswordInput = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'at most 200 characters');

export const signUpInput = z.object({
  name: z.string().trim().min(1, 'enter your name').max(80, 'at most 80 characters'),
  email: emailInput,
  password: newPasswordInput,
  organization: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters'),
});

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, 'enter your current password').max(200, 'at most 200 characters'),
  newPassword: newPasswordInput,
});

export const requestPasswordResetInput = z.object({ email: emailInput });

export const resetPasswordInput = z.object({ token: z.string().min(1).max(200), password: newPasswordInput });
