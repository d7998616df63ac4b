const MASK = "***";

/**
 * libgit2 messages can echo whatever it was given (URLs, headers), so every
 * text that leaves the git adapter goes through here first.
 */
export function redactSecret(text: string, secret: string): string {
  if (secret.length === 0 || !text.includes(secret)) return text;
  return text.split(secret).join(MASK);
}
