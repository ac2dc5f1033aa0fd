/**
 * True for text PostgreSQL stores exactly as given: well-formed UTF-16 (a
 * lone surrogate would be stored as U+FFFD, so two different ids could
 * become one) and no U+0000 (which PostgreSQL's text types cannot hold).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The text with what cannot be stored replaced by U+FFFD, for values the
 * library records but never looks up by (a request's User-Agent header).
 */
export function toStorableText(value: string): string {
  return (value as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD');
}
