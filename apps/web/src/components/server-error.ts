import { TRPCClientError } from '@trpc/client';

/**
 * Puts a failed mutation's message where it belongs: a conflict on `conflictField`, the server's
 * per-field validation messages on their fields. Returns the message for the whole form when
 * no field is to blame, else undefined.
 */
export function placeServerError<F extends string>(
  error: unknown,
  setError: (field: F, error: { message: string }) => void,
  conflictField: F,
  fallback: string,
): string | undefined {
  if (error instanceof TRPCClientError) {
    if (error.data?.code === 'CONFLICT') {
      setError(conflictField, { message: error.message });
      return undefined;
    }
    const fieldErrors: Record<string, string[]> | null | undefined = error.data?.fieldErrors;
    if (fieldErrors && Object.keys(fieldErrors).length > 0) {
      for (const [field, messages] of Object.entries(fieldErrors))
        setError(field as F, { message: messages[0] ?? '' });
      return undefined;
    }
  }
  return error instanceof Error ? error.message : fallback;
}
