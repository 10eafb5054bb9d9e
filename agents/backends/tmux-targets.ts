/** What tmux commands are given: key names, exact session targets, text in chunks tmux accepts. */
import type { Key } from '../session-backend.js';

export const TMUX_KEYS: Record<Key, string> = {
  Enter: 'Enter',
  Escape: 'Escape',
  Up: 'Up',
  Down: 'Down',
  Left: 'Left',
  Right: 'Right',
  Tab: 'Tab',
  'C-c': 'C-c',
  'C-d': 'C-d',
  BSpace: 'BSpace',
};

/** Keeps each tmux message well under its 16 KiB limit even for 4-byte characters. */
const SEND_CHUNK = 2048;

/**
 * '=' makes tmux match the session name exactly instead of by prefix; the ':'
 * is needed too, or commands taking a window or pane target read it otherwise.
 */
export const paneOf = (name: string): string => `=${name}:`;

export function chunkText(text: string): string[] {
  const chars = Array.from(text); // code points, so a surrogate pair is never split
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += SEND_CHUNK) chunks.push(chars.slice(i, i + SEND_CHUNK).join(''));
  return chunks;
}
