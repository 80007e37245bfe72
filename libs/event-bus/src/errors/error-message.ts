/** The message of a thrown value, for logs and error texts (anything can be thrown, not only Errors). */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
