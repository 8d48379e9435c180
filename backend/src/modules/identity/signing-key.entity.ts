import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonWebKey } from 'node:crypto';

@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid!: string;

  @Column('text')
  alg!: 'RS256' | 'ES256';

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: JsonWebKey;

  /** PKCS#8 PEM sealed with AES-256-GCM (SecretBox, purpose "signing-keys"). */
  @Column('text', { name: 'private_key_enc' })
  privateKeyEnc!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;
}
