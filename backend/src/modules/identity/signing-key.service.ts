import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  JsonWebKey,
  KeyObject,
  randomUUID,
} from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { SecretBox } from '../../common/crypto/secret-box';
import { SigningKeyEntity } from './signing-key.entity';

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: string;
  use: 'sig';
}

interface NewKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  publicJwk: JsonWebKey;
  privateKeyEnc: string;
}

interface ActiveKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  loadedAt: number;
}

/** How long an instance keeps signing with the key it loaded before looking for a newer one. */
const ACTIVE_KEY_CACHE_MS = 60_000;
const KEY_LOCK_ID = 724_100_002;

/**
 * The built-in issuer's asymmetric keys. Created once (under an advisory lock, so concurrent instances agree),
 * private parts sealed with AUTH_KEY_SECRET. Rotation adds a key and retires the old one; retired keys stay in
 * the JWKS until every token they signed has expired.
 *
 * Signing keys are platform data, not tenant data: the table has no tenant_id and no RLS, and this service
 * is its only user.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyService.name);
  private readonly box: SecretBox;
  private active: ActiveKey | null = null;
  private readonly rotationListeners: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.auth.keySecret, 'signing-keys');
  }

  async onModuleInit(): Promise<void> {
    if (this.config.auth.mode !== 'local') return;
    await this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
      const active = await em.getRepository(SigningKeyEntity).countBy({ retiredAt: IsNull() });
      if (active === 0) {
        await this.insert(em, this.generate(this.config.auth.algorithms[0] ?? 'RS256'));
        this.logger.log('Created the first signing key of the built-in issuer');
      }
    });
  }

  /** The key new tokens are signed with: the newest one that is not retired. */
  async signingKey(): Promise<ActiveKey> {
    if (this.active && Date.now() - this.active.loadedAt < ACTIVE_KEY_CACHE_MS) return this.active;
    const row = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .where('k.retired_at IS NULL')
      .orderBy('k.created_at', 'DESC')
      .getOne();
    if (!row) throw new Error('No active signing key');
    const privateKey = createPrivateKey(this.box.open(row.privateKeyEnc));
    this.active = { kid: row.kid, alg: row.alg, privateKey, loadedAt: Date.now() };
    return this.active;
  }

  /**
   * Keys a verifier must accept: active ones, and retired ones whose tokens may still be valid (access-token
   * lifetime plus the time another instance may keep signing with a key it cached).
   */
  async publishedJwks(): Promise<PublicJwk[]> {
    const graceSeconds = this.config.auth.accessTokenTtlSeconds + ACTIVE_KEY_CACHE_MS / 1000 + 60;
    const rows: SigningKeyEntity[] = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .where(`k.retired_at IS NULL OR k.retired_at > now() - make_interval(secs => :grace)`, {
        grace: graceSeconds,
      })
      .orderBy('k.created_at', 'DESC')
      .getMany();
    return rows.map((row) => ({ ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' as const }));
  }

  onRotate(listener: () => void): void {
    this.rotationListeners.push(listener);
  }

  /** Adds a new key and retires the current ones. Returns the new key id. */
  async rotate(): Promise<string> {
    const key = this.generate(this.config.auth.algorithms[0] ?? 'RS256');
    await this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
      await em.query('UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL');
      await this.insert(em, key);
    });
    this.active = null;
    for (const listener of this.rotationListeners) listener();
    this.logger.log({ kid: key.kid }, 'Rotated the signing key');
    return key.kid;
  }

  private async insert(em: EntityManager, key: NewKey): Promise<void> {
    await em.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_key_enc) VALUES ($1, $2, $3, $4)`,
      [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateKeyEnc],
    );
  }

  private generate(alg: 'RS256' | 'ES256'): NewKey {
    const { privateKey } =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return { kid: randomUUID(), alg, publicJwk, privateKeyEnc: this.box.seal(pem) };
  }
}
