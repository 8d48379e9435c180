import { createHash } from 'node:crypto';
import { usernameProblem } from '../users/credentials.policy';

export interface NameHints {
  username?: string;
  nickname?: string;
  email?: string;
}

/**
 * Usernames to try, in order, for a user provisioned from an external token: the token's `username`, then
 * `nickname`, then the local part of `email` (each only if it is a valid username here), then one derived
 * from `sub` (`auth0|65f0c1d2` → `auth0-65f0c1d2`), then two hash-based names that are practically unique.
 */
export function usernameCandidates(hints: NameHints | undefined, subject: string): string[] {
  const fromSubject = subject
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  const digest = createHash('sha256').update(subject).digest('hex');
  const candidates = [
    hints?.username,
    hints?.nickname,
    hints?.email?.includes('@') ? hints.email.slice(0, hints.email.lastIndexOf('@')) : undefined,
    fromSubject,
    `user-${digest.slice(0, 12)}`,
    `user-${digest.slice(0, 32)}`,
  ];
  const valid = candidates.filter((c): c is string => c !== undefined && usernameProblem(c) === null);
  return [...new Set(valid)];
}
