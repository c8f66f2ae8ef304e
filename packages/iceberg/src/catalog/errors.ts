/** A catalog's refusal or failure, with the server's own message and, for REST, its HTTP status and error type. */
export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    message: string,
    readonly status?: number,
    /** The server's error type, e.g. "NoSuchTableException". */
    readonly type?: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

export class NoSuchNamespaceError extends CatalogError {
  override name = 'NoSuchNamespaceError';
}

export class NoSuchTableError extends CatalogError {
  override name = 'NoSuchTableError';
}

export class AlreadyExistsError extends CatalogError {
  override name = 'AlreadyExistsError';
}

export class NamespaceNotEmptyError extends CatalogError {
  override name = 'NamespaceNotEmptyError';
}

/** A requirement of the commit did not hold (someone else committed first): reload, re-apply, retry. */
export class CommitFailedError extends CatalogError {
  override name = 'CommitFailedError';
}

/**
 * The commit may or may not have landed (a 5xx answer, a timeout, a dropped connection): check the
 * table before writing again, never commit the same change twice.
 */
export class CommitStateUnknownError extends CatalogError {
  override name = 'CommitStateUnknownError';
}
