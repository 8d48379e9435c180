import { registerDecorator, ValidationOptions } from 'class-validator';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
export const USERNAME_RULE =
  'username must be 3-64 characters of letters, digits, dot, underscore or hyphen, starting with a letter or digit';

export const PASSWORD_MIN_LENGTH = 10;
/** bcrypt ignores everything after 72 bytes; refuse longer passwords rather than silently truncate them. */
export const PASSWORD_MAX_BYTES = 72;

export function usernameProblem(username: unknown): string | null {
  return typeof username === 'string' && USERNAME.test(username) ? null : USERNAME_RULE;
}

function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
}

/** Every rule the password breaks, as field messages. */
export function passwordProblems(password: unknown, username?: string): string[] {
  if (typeof password !== 'string') return ['password must be a string'];
  const problems: string[] = [];
  // Characters are Unicode code points (NIST SP 800-63B), not UTF-16 code units: an emoji counts once.
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    problems.push(`password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    problems.push(`password must be at most ${PASSWORD_MAX_BYTES} bytes`);
  }
  if (characterClasses(password) < 2) {
    problems.push(
      'password must mix at least two of: lower-case letters, upper-case letters, digits, symbols',
    );
  }
  if (username && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    problems.push('password must not contain the username');
  }
  return problems;
}

export function IsUsername(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUsername',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: USERNAME_RULE, ...options },
      validator: { validate: (value: unknown) => usernameProblem(value) === null },
    });
}

/**
 * Password policy as a field validator. Reports the first broken rule; the cross-field "must not contain the
 * username" check also runs here when the object has a `username`.
 */
export function IsAcceptablePassword(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAcceptablePassword',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown, args) => {
          const username = (args?.object as { username?: unknown } | undefined)?.username;
          return passwordProblems(value, typeof username === 'string' ? username : undefined).length === 0;
        },
        defaultMessage: (args) => {
          const username = (args?.object as { username?: unknown } | undefined)?.username;
          return passwordProblems(args?.value, typeof username === 'string' ? username : undefined).join(
            '; ',
          );
        },
      },
    });
}
