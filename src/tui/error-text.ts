/** An error as one line for the screen: the message, then what to try when the error says. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const hint = (err as { hint?: unknown }).hint;
    return typeof hint === 'string' && hint ? `${err.message} (${hint})` : err.message;
  }
  return String(err);
}

/** True for the rejection an AbortSignal causes (DOMException AbortError, or our own cancel). */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (err instanceof Error && err.name === 'AbortError');
}
