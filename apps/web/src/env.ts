import { z } from 'zod';

// The web app's settings, checked once: a missing or malformed one names itself.
const schema = z.object({
  DATABASE_URL: z.string().startsWith('postgres', 'must be a postgresql:// URL'),
  REDIS_URL: z.string().startsWith('redis', 'must be a redis:// URL'),
  NEXTAUTH_SECRET: z.string().min(16, 'must be at least 16 characters (a random string)'),
});

let parsed: z.infer<typeof schema> | undefined;

export function env() {
  if (parsed) return parsed;
  const result = schema.safeParse(process.env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the web app's environment is not usable: ${problems}`);
  }
  parsed = result.data;
  return parsed;
}
