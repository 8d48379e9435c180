import { Injectable, OnModuleInit } from '@nestjs/common';
import * as bcrypt from 'bcrypt';

export const BCRYPT_COST = 12;

/** bcrypt at cost 12. Unknown users are compared against a dummy hash so both failures take the same time. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await bcrypt.hash('dummy-password-for-timing', BCRYPT_COST);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, BCRYPT_COST);
  }

  /** Compares against `hash`, or against the dummy hash when there is no user, and answers false then. */
  async verify(password: string, hash: string | null | undefined): Promise<boolean> {
    const matches = await bcrypt.compare(password, hash ?? this.dummyHash);
    return Boolean(hash) && matches;
  }
}
