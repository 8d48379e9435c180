import { createHash, randomUUID } from 'node:crypto';
import { TenantTx } from '../../common/database/tenant-database';
import { AppConfig } from '../../config/app-config';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokensService } from './refresh-tokens.service';

const DAY = 24 * 3600 * 1000;

/**
 * In-memory RefreshTokenRepository with the semantics of the SQL one: rows are per tenant, `consume` marks a
 * token used only if it is still live (not used, not revoked, neither expiry passed) and is atomic.
 */
class InMemoryRefreshTokens {
  rows: RefreshTokenEntity[] = [];

  constructor(private readonly now: () => number) {}

  async insert(
    tx: TenantTx,
    token: { familyId: string; userId: string; tokenHash: Buffer; expiresAt: Date; familyExpiresAt: Date },
  ): Promise<RefreshTokenEntity> {
    if (this.rows.some((r) => r.tenantId === tx.tenantId && r.tokenHash.equals(token.tokenHash))) {
      throw new Error('duplicate token_hash');
    }
    const row: RefreshTokenEntity = {
      tenantId: tx.tenantId,
      id: randomUUID(),
      createdAt: new Date(this.now()),
      usedAt: null,
      revokedAt: null,
      replacedBy: null,
      ...token,
    };
    this.rows.push(row);
    return { ...row };
  }

  async consume(tx: TenantTx, tokenHash: Buffer): Promise<RefreshTokenEntity | null> {
    const now = this.now();
    const row = this.rows.find(
      (r) =>
        r.tenantId === tx.tenantId &&
        r.tokenHash.equals(tokenHash) &&
        r.usedAt === null &&
        r.revokedAt === null &&
        r.expiresAt.getTime() > now &&
        r.familyExpiresAt.getTime() > now,
    );
    if (!row) return null;
    row.usedAt = new Date(now);
    return { ...row };
  }

  async findByHash(tx: TenantTx, tokenHash: Buffer): Promise<RefreshTokenEntity | null> {
    const row = this.rows.find((r) => r.tenantId === tx.tenantId && r.tokenHash.equals(tokenHash));
    return row ? { ...row } : null;
  }

  async setReplacedBy(tx: TenantTx, id: string, replacedBy: string): Promise<void> {
    const row = this.rows.find((r) => r.tenantId === tx.tenantId && r.id === id);
    if (row) row.replacedBy = replacedBy;
  }

  async revokeFamily(tx: TenantTx, familyId: string): Promise<number> {
    return this.revokeWhere((r) => r.tenantId === tx.tenantId && r.familyId === familyId);
  }

  async revokeAllOfUser(tx: TenantTx, userId: string): Promise<number> {
    return this.revokeWhere((r) => r.tenantId === tx.tenantId && r.userId === userId);
  }

  byToken(token: string): RefreshTokenEntity | undefined {
    const hash = createHash('sha256').update(token).digest();
    return this.rows.find((r) => r.tokenHash.equals(hash));
  }

  private revokeWhere(match: (r: RefreshTokenEntity) => boolean): number {
    let count = 0;
    for (const row of this.rows) {
      if (match(row) && row.revokedAt === null) {
        row.revokedAt = new Date(this.now());
        count++;
      }
    }
    return count;
  }
}

const TENANT_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const TENANT_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const USER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const SECRET = 'A'.repeat(42) + 'w'; // 43 base64url characters

function tx(tenantId: string): TenantTx {
  return { tenantId, em: {} as TenantTx['em'] };
}

describe('RefreshTokensService', () => {
  let clock: number;
  let repo: InMemoryRefreshTokens;
  let service: RefreshTokensService;
  const idleSeconds = 7 * 24 * 3600;
  const absoluteSeconds = 30 * 24 * 3600;

  beforeEach(() => {
    clock = Date.UTC(2026, 0, 1);
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    repo = new InMemoryRefreshTokens(() => clock);
    const config = {
      auth: { refreshIdleTtlSeconds: idleSeconds, refreshAbsoluteTtlSeconds: absoluteSeconds },
    } as AppConfig;
    service = new RefreshTokensService(repo as unknown as RefreshTokenRepository, config);
  });
  afterEach(() => jest.restoreAllMocks());

  describe('issue', () => {
    it('returns <tenantId>.<256 random bits> and stores only its SHA-256', async () => {
      const token = await service.issue(tx(TENANT_A), USER);
      expect(token).toMatch(new RegExp(`^${TENANT_A}\\.[A-Za-z0-9_-]{43}$`));
      expect(Buffer.from(token.split('.')[1]!, 'base64url')).toHaveLength(32);
      expect(RefreshTokensService.tenantOf(token)).toBe(TENANT_A);

      expect(repo.rows).toHaveLength(1);
      const row = repo.rows[0]!;
      expect(row.tokenHash).toEqual(createHash('sha256').update(token).digest());
      expect(JSON.stringify(row)).not.toContain(token.split('.')[1]);
      expect(row.userId).toBe(USER);
      expect(row.expiresAt.getTime()).toBe(clock + idleSeconds * 1000);
      expect(row.familyExpiresAt.getTime()).toBe(clock + absoluteSeconds * 1000);
    });

    it('starts a new family at every login and never repeats a token', async () => {
      const first = await service.issue(tx(TENANT_A), USER);
      const second = await service.issue(tx(TENANT_A), USER);
      expect(second).not.toBe(first);
      expect(repo.byToken(first)!.familyId).not.toBe(repo.byToken(second)!.familyId);
    });
  });

  describe('rotate', () => {
    it('spends the presented token and returns a successor in the same family', async () => {
      const r0 = await service.issue(tx(TENANT_A), USER);
      clock += DAY;
      const result = await service.rotate(tx(TENANT_A), r0);
      if (result.outcome !== 'rotated') throw new Error(`expected rotated, got ${result.outcome}`);

      const r1 = result.token;
      expect(r1).not.toBe(r0);
      expect(result.previous.userId).toBe(USER);
      const old = repo.byToken(r0)!;
      const successor = repo.byToken(r1)!;
      expect(old.usedAt?.getTime()).toBe(clock);
      expect(old.replacedBy).toBe(successor.id);
      expect(successor.familyId).toBe(old.familyId);
      expect(successor.usedAt).toBeNull();
      // The idle expiry slides with each use; the absolute one is inherited.
      expect(successor.expiresAt.getTime()).toBe(clock + idleSeconds * 1000);
      expect(successor.familyExpiresAt).toEqual(old.familyExpiresAt);

      expect((await service.rotate(tx(TENANT_A), r1)).outcome).toBe('rotated');
    });

    it('treats a spent token presented again as reuse and revokes the whole family, newest token too', async () => {
      const r0 = await service.issue(tx(TENANT_A), USER);
      const other = await service.issue(tx(TENANT_A), USER); // another device of the same user
      const rotated = await service.rotate(tx(TENANT_A), r0);
      if (rotated.outcome !== 'rotated') throw new Error('expected rotated');
      const r1 = rotated.token;

      const reuse = await service.rotate(tx(TENANT_A), r0);
      expect(reuse).toEqual({ outcome: 'reused', familyId: repo.byToken(r0)!.familyId, userId: USER });
      expect(repo.byToken(r1)!.revokedAt).not.toBeNull();
      expect(repo.byToken(r0)!.revokedAt).not.toBeNull();
      expect(await service.rotate(tx(TENANT_A), r1)).toEqual({ outcome: 'invalid' });

      // Only that family: the user's other session lives on.
      expect(repo.byToken(other)!.revokedAt).toBeNull();
      expect((await service.rotate(tx(TENANT_A), other)).outcome).toBe('rotated');
    });

    it('lets only one of two concurrent rotations of the same token succeed', async () => {
      const r0 = await service.issue(tx(TENANT_A), USER);
      const outcomes = await Promise.all([
        service.rotate(tx(TENANT_A), r0),
        service.rotate(tx(TENANT_A), r0),
      ]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['reused', 'rotated']);
    });

    it('answers invalid for unknown tokens and for a token of another tenant', async () => {
      const token = await service.issue(tx(TENANT_A), USER);
      expect(await service.rotate(tx(TENANT_A), `${TENANT_A}.${SECRET}`)).toEqual({ outcome: 'invalid' });
      expect(await service.rotate(tx(TENANT_B), token)).toEqual({ outcome: 'invalid' });
      expect(repo.byToken(token)!.usedAt).toBeNull();
    });

    it('answers invalid, not reuse, for a token revoked at logout', async () => {
      const token = await service.issue(tx(TENANT_A), USER);
      expect(await service.revokeFamilyOf(tx(TENANT_A), token, USER)).toBe(true);
      expect(await service.rotate(tx(TENANT_A), token)).toEqual({ outcome: 'invalid' });
    });

    it('refuses a token unused for longer than the idle lifetime', async () => {
      const token = await service.issue(tx(TENANT_A), USER);
      clock += idleSeconds * 1000 - 1000;
      const fresh = await service.issue(tx(TENANT_A), USER);
      clock += 1000;
      expect(await service.rotate(tx(TENANT_A), token)).toEqual({ outcome: 'invalid' });
      expect((await service.rotate(tx(TENANT_A), fresh)).outcome).toBe('rotated');
    });

    it("caps the idle expiry at the family's absolute expiry, even for a token used every day", async () => {
      let token = await service.issue(tx(TENANT_A), USER);
      const familyEnd = repo.byToken(token)!.familyExpiresAt.getTime();
      for (let day = 1; day < 30; day++) {
        clock += DAY;
        const result = await service.rotate(tx(TENANT_A), token);
        if (result.outcome !== 'rotated') throw new Error(`day ${day}: ${result.outcome}`);
        token = result.token;
        const expiresAt = repo.byToken(token)!.expiresAt.getTime();
        expect(expiresAt).toBe(Math.min(clock + idleSeconds * 1000, familyEnd));
      }
      // Day 29: the last successor expires with the family, not a week later.
      expect(repo.byToken(token)!.expiresAt.getTime()).toBe(familyEnd);
      clock = familyEnd;
      expect(await service.rotate(tx(TENANT_A), token)).toEqual({ outcome: 'invalid' });
    });
  });

  describe('revokeFamilyOf', () => {
    it("does not revoke another user's family", async () => {
      const token = await service.issue(tx(TENANT_A), USER);
      expect(await service.revokeFamilyOf(tx(TENANT_A), token, randomUUID())).toBe(false);
      expect(repo.byToken(token)!.revokedAt).toBeNull();
    });
  });

  describe('tenantOf', () => {
    it('returns the tenant of a well-formed token', () => {
      expect(RefreshTokensService.tenantOf(`${TENANT_A}.${SECRET}`)).toBe(TENANT_A);
      expect(RefreshTokensService.tenantOf(`${TENANT_A}.${'-_09azAZ'.repeat(5)}abc`)).toBe(TENANT_A);
    });

    it.each([
      ['empty', ''],
      ['no dot', TENANT_A],
      ['no secret', `${TENANT_A}.`],
      ['no tenant', `.${SECRET}`],
      ['tenant not a UUID', `acme.${SECRET}`],
      ['UUID without hyphens', `${TENANT_A.replace(/-/g, '')}.${SECRET}`],
      ['secret too short', `${TENANT_A}.${SECRET.slice(1)}`],
      ['secret too long', `${TENANT_A}.${SECRET}A`],
      ['standard base64 alphabet', `${TENANT_A}.${SECRET.slice(2)}+/`],
      ['padding', `${TENANT_A}.${SECRET.slice(1)}=`],
      ['whitespace', ` ${TENANT_A}.${SECRET}`],
      ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
      ['SQL', `${TENANT_A}' OR '1'='1.${SECRET}`],
    ])('returns null for %s', (_label, token) => {
      expect(RefreshTokensService.tenantOf(token)).toBeNull();
    });
  });
});
