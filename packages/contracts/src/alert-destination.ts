import { z } from 'zod';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What is wrong with a webhook URL, in words for its form field; null when nothing is. */
function urlProblem(text: string): string | null {
  if (!URL.canParse(text)) return 'a full URL, like https://hooks.example.com/floe';
  const url = new URL(text);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    return 'must start with https:// (http:// only to localhost)';
  if (url.username || url.password) return 'no user or password in the URL: receivers check the signature';
  return null;
}

/**
 * Where a contract's incidents are announced: a webhook that gets a signed JSON body, or a
 * Slack-compatible incoming webhook that gets `{"text": ...}` (Slack, Mattermost, Rocket.Chat...).
 */
export const alertDestinationSchema = z.object({
  kind: z.enum(['webhook', 'slack']),
  url: z
    .string()
    .trim()
    .max(2000, 'at most 2000 characters')
    .superRefine((url, ctx) => {
      const problem = urlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type AlertDestinationInput = z.infer<typeof alertDestinationSchema>;
