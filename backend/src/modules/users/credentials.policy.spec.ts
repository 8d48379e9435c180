import { validate } from 'class-validator';
import {
  IsAcceptablePassword,
  IsUsername,
  PASSWORD_MAX_BYTES,
  passwordProblems,
  USERNAME_RULE,
  usernameProblem,
} from './credentials.policy';

const TOO_SHORT = 'password must be at least 10 characters';
const TOO_LONG = 'password must be at most 72 bytes';
const ONE_CLASS =
  'password must mix at least two of: lower-case letters, upper-case letters, digits, symbols';
const HAS_USERNAME = 'password must not contain the username';

describe('usernameProblem', () => {
  it.each([
    ['abc', 3],
    ['a'.repeat(64), 64],
    ['Alice.Smith_1-x', 15],
    ['007', 3],
  ])('accepts %p (%i characters)', (username) => {
    expect(usernameProblem(username)).toBeNull();
  });

  it.each([
    ['ab', '2 characters'],
    ['a'.repeat(65), '65 characters'],
    ['', 'empty'],
    ['.alice', 'leading dot'],
    ['-alice', 'leading hyphen'],
    ['_alice', 'leading underscore'],
    ['alice smith', 'space'],
    ['alice@acme', '@'],
    ['alice/..', 'slash'],
    ['jürgen', 'non-ASCII letter'],
    ['alice\n', 'trailing newline'],
    ["al'; --", 'quote and semicolon'],
  ])('refuses %p (%s)', (username) => {
    expect(usernameProblem(username)).toBe(USERNAME_RULE);
  });

  it('refuses values that are not strings', () => {
    for (const value of [undefined, null, 123, ['alice'], { username: 'alice' }]) {
      expect(usernameProblem(value)).toBe(USERNAME_RULE);
    }
  });
});

describe('passwordProblems', () => {
  it('accepts a password that follows every rule', () => {
    expect(passwordProblems('Correct-Horse-42', 'alice')).toEqual([]);
    expect(passwordProblems('abcdefghi1')).toEqual([]); // exactly 10 characters, two classes
  });

  it('refuses fewer than 10 characters', () => {
    expect(passwordProblems('Abcdefgh1')).toEqual([TOO_SHORT]);
  });

  it('counts characters, not UTF-16 code units', () => {
    // Five emoji are ten UTF-16 code units but only five characters.
    expect(passwordProblems('😀😀😀😀😀a')).toEqual([TOO_SHORT]);
    expect(passwordProblems('😀😀😀😀😀abcde')).toEqual([]);
  });

  it('refuses more than 72 bytes even when that is fewer than 72 characters', () => {
    const exactly72 = 'ä'.repeat(35) + 'ab'; // 37 characters, 72 bytes
    expect(Buffer.byteLength(exactly72)).toBe(PASSWORD_MAX_BYTES);
    expect(passwordProblems(exactly72)).toEqual([]);

    const bytes73 = 'ä'.repeat(36) + 'a'; // 37 characters, 73 bytes
    expect(bytes73.length).toBeLessThan(PASSWORD_MAX_BYTES);
    expect(passwordProblems(bytes73)).toEqual([TOO_LONG]);

    expect(passwordProblems('Aa1-' + '€'.repeat(23))).toEqual([TOO_LONG]); // 27 characters, 73 bytes
  });

  it('refuses a single character class', () => {
    expect(passwordProblems('abcdefghijkl')).toEqual([ONE_CLASS]);
    expect(passwordProblems('ABCDEFGHIJKL')).toEqual([ONE_CLASS]);
    expect(passwordProblems('123456789012')).toEqual([ONE_CLASS]);
    expect(passwordProblems('!@#$%^&*()_+')).toEqual([ONE_CLASS]);
    // Two classes are enough, whichever they are.
    expect(passwordProblems('abcdefghijK')).toEqual([]);
    expect(passwordProblems('1234567890!')).toEqual([]);
  });

  it('refuses a password containing the username, whatever the case', () => {
    expect(passwordProblems('xx-Alice-2024', 'alice')).toEqual([HAS_USERNAME]);
    expect(passwordProblems('xx-alice-2024', 'ALICE')).toEqual([HAS_USERNAME]);
    expect(passwordProblems('xx-alice-2024', 'bob')).toEqual([]);
  });

  it('ignores usernames shorter than 3 characters for the containment rule', () => {
    expect(passwordProblems('Abcdefgh-12', 'ab')).toEqual([]);
  });

  it('reports every broken rule at once', () => {
    expect(passwordProblems('alice', 'alice')).toEqual([TOO_SHORT, ONE_CLASS, HAS_USERNAME]);
    expect(passwordProblems('ä'.repeat(40))).toEqual([TOO_LONG, ONE_CLASS]);
  });

  it('refuses values that are not strings', () => {
    expect(passwordProblems(undefined)).toEqual(['password must be a string']);
    expect(passwordProblems(1234567890123)).toEqual(['password must be a string']);
  });
});

class CredentialsDto {
  @IsUsername()
  username!: unknown;

  @IsAcceptablePassword()
  password!: unknown;
}

async function errorsOf(values: { username: unknown; password: unknown }): Promise<Record<string, string[]>> {
  const dto = Object.assign(new CredentialsDto(), values);
  const errors = await validate(dto);
  return Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})]));
}

describe('class-validator decorators', () => {
  it('pass a valid object', async () => {
    expect(await errorsOf({ username: 'alice', password: 'Correct-Horse-42' })).toEqual({});
  });

  it('report the username rule on the username field', async () => {
    expect(await errorsOf({ username: 'a b', password: 'Correct-Horse-42' })).toEqual({
      username: [USERNAME_RULE],
    });
  });

  it('report every password problem in one message', async () => {
    expect(await errorsOf({ username: 'alice', password: 'alice' })).toEqual({
      password: [`${TOO_SHORT}; ${ONE_CLASS}; ${HAS_USERNAME}`],
    });
  });

  it('check the password against the username of the same object', async () => {
    expect(await errorsOf({ username: 'Bob.Builder', password: 'xx-bob.builder-99' })).toEqual({
      password: [HAS_USERNAME],
    });
    expect(await errorsOf({ username: 'alice', password: 'xx-bob.builder-99' })).toEqual({});
  });

  it('refuse a password that is not a string', async () => {
    expect(await errorsOf({ username: 'alice', password: 42 })).toEqual({
      password: ['password must be a string'],
    });
  });
});
