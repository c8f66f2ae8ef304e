// Rules the browser and the server both apply (no server-only imports here).
export const MIN_PASSWORD_LENGTH = 10;
