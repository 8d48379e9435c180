import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { SigningKeyService } from './signing-key.service';

export interface AccessTokenSubject {
  tenantId: string;
  userId: string;
  groupId: string;
}

/** Signs the built-in issuer's access tokens (RS256/ES256, short-lived). Verification is JwtStrategy's job. */
@Injectable()
export class AccessTokensService {
  constructor(
    private readonly keys: SigningKeyService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.auth.accessTokenTtlSeconds;
  }

  async sign(subject: AccessTokenSubject): Promise<string> {
    const key = await this.keys.signingKey();
    const ns = this.config.auth.claimNamespace;
    return jwt.sign(
      {
        [`${ns}tenantId`]: subject.tenantId,
        [`${ns}userId`]: subject.userId,
        [`${ns}groupId`]: subject.groupId,
      },
      key.privateKey,
      {
        algorithm: key.alg,
        keyid: key.kid,
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        subject: subject.userId,
        expiresIn: this.config.auth.accessTokenTtlSeconds,
        jwtid: randomUUID(),
        header: { alg: key.alg, typ: 'JWT', kid: key.kid },
      },
    );
  }
}
