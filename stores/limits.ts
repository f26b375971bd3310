/** Browsers drop a cookie whose name, value and attributes exceed about 4096 bytes (RFC 6265 minimum). */
export const BROWSER_COOKIE_LIMIT_BYTES = 4096;
