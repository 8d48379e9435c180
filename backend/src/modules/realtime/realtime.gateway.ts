import { Logger } from '@nestjs/common';
import { OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { AccessService } from '../identity/access.service';
import { JwtStrategy } from '../identity/jwt.strategy';
import { decodeJwtExpiry } from './token-expiry';
import { RealtimeService } from './realtime.service';
import { rooms } from './realtime.events';

interface AuthedSocket extends Socket {
  data: { auth?: AuthContext };
}

/**
 * Socket.IO at the API's origin. The access token comes in the handshake (`auth: {token}`) and goes through
 * the same JwtStrategy and AccessService as HTTP requests; an invalid one is refused before the connection
 * exists. Sockets join their tenant's room (with `logs:view`) and their user's room, and are disconnected when
 * their token expires (the client reconnects with a fresh one). No business logic lives here.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit {
  private readonly logger = new Logger(RealtimeGateway.name);

  constructor(
    private readonly strategy: JwtStrategy,
    private readonly access: AccessService,
    private readonly realtime: RealtimeService,
  ) {}

  afterInit(server: Server): void {
    this.realtime.attach(server);
    server.use((socket, next) => {
      void this.authenticate(socket as AuthedSocket)
        .then(() => next())
        .catch(() => next(new Error('unauthorized')));
    });
  }

  private async authenticate(socket: AuthedSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length > 8192) throw new Error('no token');
    const claims = await this.strategy.verify({ authorization: `Bearer ${token}` });
    const auth = claims ? await this.access.resolve(claims) : null;
    if (!auth) throw new Error('invalid token');
    socket.data.auth = auth;
    await socket.join(rooms.user(auth.tenantId, auth.userId));
    if (auth.permissions.has(Permission.LogsView)) await socket.join(rooms.tenant(auth.tenantId));
    const expiresAt = decodeJwtExpiry(token);
    if (expiresAt) {
      const timer = setTimeout(() => socket.disconnect(true), Math.max(expiresAt - Date.now(), 0));
      timer.unref();
      socket.once('disconnect', () => clearTimeout(timer));
    }
    this.logger.debug({ tenantId: auth.tenantId, userId: auth.userId }, 'Socket connected');
  }
}
