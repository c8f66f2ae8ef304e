/** What the agent reads of a failed AWS SDK call, to say plainly what went wrong. */
export interface AwsFailure {
  /** The error's name: AWS's error code, or the SDK's (for a body-less HEAD answer, named by status). */
  name: string;
  /** The HTTP status, when an answer came. */
  status: number | undefined;
  /** A network error's code (ECONNREFUSED, ENOTFOUND, ...). */
  code: string | undefined;
  /** What AWS (or the SDK) said, fit for a message: name and text, without repeating either. */
  said: string;
}

/**
 * Reads a failed AWS call. An answer the SDK could not parse (an XML error from a proxy or a local
 * stand-in where JSON was expected) keeps only its status, and a 403 among them counts as AccessDenied.
 * AWS error texts name resources and principals, never a credential or a secret's value.
 */
export function awsFailure(error: unknown): AwsFailure {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (e.name === 'SyntaxError' && e.$response !== undefined) {
    return {
      name: status === 403 ? 'AccessDenied' : 'UnreadableAnswer',
      status,
      code: undefined,
      said: `an answer the SDK could not read, HTTP ${status}`,
    };
  }
  const name = e.name ?? 'Error';
  const text = e.message && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  return {
    name,
    status,
    code: e.code,
    said: `${name}${text}${status !== undefined ? `, HTTP ${status}` : ''}`,
  };
}
