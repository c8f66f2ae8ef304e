// Input schemas the browser's forms share with the procedures (no server-only imports here).
import { MIN_PASSWORD_LENGTH } from '@floe/auth/policy';
import { z } from 'zod';

export const signUpInput = z.object({
  name: z.string().trim().min(1, 'enter your name').max(80, 'at most 80 characters'),
  email: z.string().trim().toLowerCase().pipe(z.email('enter a valid email address')),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(200, 'at most 200 characters'),
  organization: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters'),
});
