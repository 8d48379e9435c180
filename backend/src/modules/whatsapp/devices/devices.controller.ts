import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, Authenticated } from '../../../common/auth/auth.decorators';
import { AuthContext } from '../../../common/auth/auth-context';
import { Permission } from '../../../common/auth/permission';
import { ApiErrors } from '../../../common/errors/api-errors.decorator';
import { IdParamDto } from '../../../common/validation/uuid-param.dto';
import {
  CreatedDeviceDto,
  CreateDeviceDto,
  DeviceResponseDto,
  ListDevicesQueryDto,
  QrDto,
  SetActiveDeviceDto,
  SyncAcceptedDto,
} from './devices.dto';
import { DevicesService } from './devices.service';

@ApiTags('WhatsApp devices')
@Controller('whatsapp/devices')
export class DevicesController {
  constructor(private readonly service: DevicesService) {}

  @Post()
  @Authenticated(Permission.DevicesLink)
  @ApiOperation({
    summary: 'Link a new WhatsApp phone',
    description:
      'Places a session on a WAHA server with room and starts it. `qr` is present once WAHA shows a QR; later QRs ' +
      'arrive as `device.qr` events and from GET /whatsapp/devices/{id}/qr. 409 when every WAHA server is full.',
  })
  @ApiCreatedResponse({ type: CreatedDeviceDto })
  @ApiErrors(400, 409, 429, 502, 503)
  create(@Auth() auth: AuthContext, @Body() dto: CreateDeviceDto): Promise<CreatedDeviceDto> {
    return this.service.create(auth, dto);
  }

  @Get()
  @Authenticated(Permission.LogsView)
  @ApiOperation({ summary: "The caller's devices (with `all=true`, every device of the tenant: Admins)" })
  @ApiOkResponse({ type: [DeviceResponseDto] })
  @ApiErrors(400, 429)
  list(@Auth() auth: AuthContext, @Query() query: ListDevicesQueryDto): Promise<DeviceResponseDto[]> {
    return this.service.list(auth, query.all ?? false);
  }

  @Put('active')
  @Authenticated(Permission.DevicesLink, Permission.MessagesSend)
  @ApiOperation({ summary: "Switch the caller's active device (used when a send names no device)" })
  @ApiOkResponse({ type: DeviceResponseDto })
  @ApiErrors(400, 404, 429)
  setActive(@Auth() auth: AuthContext, @Body() dto: SetActiveDeviceDto): Promise<DeviceResponseDto> {
    return this.service.setActive(auth, dto.deviceId);
  }

  @Get(':id')
  @Authenticated(Permission.LogsView)
  @ApiOperation({ summary: 'One device' })
  @ApiOkResponse({ type: DeviceResponseDto })
  @ApiErrors(400, 404, 429)
  get(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<DeviceResponseDto> {
    return this.service.get(auth, id);
  }

  @Get(':id/qr')
  @Authenticated(Permission.DevicesLink)
  @ApiOperation({
    summary: 'The QR to scan',
    description:
      '200 while the device waits for a scan (SCAN_QR_CODE). A FAILED device is restarted first (a fresh QR cycle). ' +
      '409 when the device is WORKING or still starting.',
  })
  @ApiOkResponse({ type: QrDto })
  @ApiErrors(400, 404, 409, 429, 502, 503)
  qr(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<QrDto> {
    return this.service.qr(auth, id);
  }

  @Post(':id/sync')
  @HttpCode(202)
  @Authenticated(Permission.DevicesLink)
  @ApiOperation({
    summary: 'Pull contacts, chat groups and recent history again',
    description: '409 unless WORKING.',
  })
  @ApiAcceptedResponse({ type: SyncAcceptedDto })
  @ApiErrors(400, 404, 409, 429, 503)
  async sync(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<SyncAcceptedDto> {
    await this.service.requestSync(auth, id);
    return { status: 'queued' };
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated(Permission.DevicesLink)
  @ApiOperation({
    summary: 'Unlink a device',
    description:
      'Logs the phone out and removes the WAHA session. Its stored messages, contacts and groups stay.',
  })
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiErrors(400, 404, 429, 502, 503)
  async delete(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<void> {
    await this.service.delete(auth, id);
  }
}
