import { usernameCandidates } from './provisioned-username';

describe('usernameCandidates', () => {
  it('prefers the username, then the nickname, then the local part of the email, then the subject', () => {
    const candidates = usernameCandidates(
      { username: 'alice', nickname: 'ally', email: 'alice.smith@example.com' },
      'auth0|65f0c1d2',
    );
    expect(candidates.slice(0, 4)).toEqual(['alice', 'ally', 'alice.smith', 'auth0-65f0c1d2']);
  });

  it('skips hints that are not valid usernames here', () => {
    const candidates = usernameCandidates(
      { username: 'a', nickname: 'Alice Smith', email: '-x@example.com' },
      'google-oauth2|1234567890',
    );
    expect(candidates[0]).toBe('google-oauth2-1234567890');
  });

  it('always ends with hash-based names, also for a subject that cannot be turned into a username', () => {
    const candidates = usernameCandidates(undefined, '||');
    expect(candidates).toHaveLength(2);
    for (const name of candidates) expect(name).toMatch(/^user-[0-9a-f]{12,32}$/);
    expect(usernameCandidates(undefined, '||')).toEqual(candidates);
    expect(usernameCandidates(undefined, '|||')).not.toEqual(candidates);
  });

  it('keeps a long subject within 64 characters and drops duplicates', () => {
    const candidates = usernameCandidates({ username: 'same', nickname: 'same' }, `auth0|${'x'.repeat(100)}`);
    expect(candidates.filter((c) => c === 'same')).toHaveLength(1);
    for (const name of candidates) expect(name.length).toBeLessThanOrEqual(64);
  });
});
