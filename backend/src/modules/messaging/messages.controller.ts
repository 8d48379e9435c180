import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { IdParamDto } from '../../common/validation/uuid-param.dto';
import { MessagesService } from './messages.service';
import {
  ChatIdParamDto,
  ChatPageDto,
  DeviceScopedPageQueryDto,
  MessageDto,
  MessagePageDto,
  MessageQueryDto,
  SendAcceptedDto,
  SendMessageDto,
} from './messaging.dto';
import { SendMessageService } from './send-message.service';

@ApiTags('Messages')
@Controller()
export class MessagesController {
  constructor(
    private readonly sender: SendMessageService,
    private readonly service: MessagesService,
  ) {}

  @Post('whatsapp/send')
  @HttpCode(202)
  @Authenticated(Permission.MessagesSend)
  @ApiOperation({
    summary: 'Send a text message',
    description:
      'Stored as `queued` and queued for sending; 202 means it will not be lost. Status then moves ' +
      'queued → sending → sent → delivered → read, or to failed with `error`. The same Idempotency-Key returns the ' +
      'first message (kept at least 24 h); the same key with another body is 422. Needs a WORKING device (409).',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Up to 200 printable characters, per tenant',
  })
  @ApiAcceptedResponse({ type: SendAcceptedDto })
  @ApiErrors(400, 404, 409, 422, 429)
  send(
    @Auth() auth: AuthContext,
    @Body() dto: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<SendAcceptedDto> {
    return this.sender.send(auth, dto, idempotencyKey);
  }

  @Get('messages')
  @Authenticated(Permission.LogsView)
  @ApiOperation({
    summary: 'Message log of the tenant, newest first',
    description: 'Keyset-paginated (`cursor`).',
  })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors(400, 404, 429)
  log(@Auth() auth: AuthContext, @Query() query: MessageQueryDto): Promise<MessagePageDto> {
    return this.service.log(auth, query);
  }

  @Get('messages/:id')
  @Authenticated(Permission.LogsView)
  @ApiOperation({ summary: 'One message' })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors(400, 404, 429)
  get(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<MessageDto> {
    return this.service.get(auth, id);
  }

  @Get('chats')
  @Authenticated(Permission.LogsView)
  @ApiOperation({
    summary: "Chats of the caller's devices (or of `deviceId`) with their last message, most recent first",
  })
  @ApiOkResponse({ type: ChatPageDto })
  @ApiErrors(400, 404, 429)
  chats(@Auth() auth: AuthContext, @Query() query: DeviceScopedPageQueryDto): Promise<ChatPageDto> {
    return this.service.chatList(auth, query);
  }

  @Get('chats/:chatId/messages')
  @Authenticated(Permission.LogsView)
  @ApiOperation({ summary: 'History of one chat, newest first, both directions' })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors(400, 404, 429)
  chatMessages(
    @Auth() auth: AuthContext,
    @Param() { chatId }: ChatIdParamDto,
    @Query() query: DeviceScopedPageQueryDto,
  ): Promise<MessagePageDto> {
    return this.service.chatHistory(auth, chatId, query);
  }
}
