import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { InjectRedis } from '../../common/redis/redis.constants';

// Reserves the next free send slot of a device: slot = max(now, next free); next free = slot + gap.
// Redis' clock, so every worker process agrees. Returns the wait in ms until the reserved slot.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
local gap = tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(slot + gap), 'PX', math.max(slot + gap - now, 1) + 60000)
return slot - now`;

// Records that a send goes out now, unless the device's previous send went out less than ARGV[1] ms ago; then
// returns the ms still to wait.
const CLAIM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local min = tonumber(ARGV[1])
if now - last < min then return last + min - now end
redis.call('SET', KEYS[1], tostring(now), 'PX', min + 60000)
return 0`;

/**
 * Per-device send pacing shared by all workers: MESSAGE_RATE_PER_DEVICE_PER_MINUTE plus a random jitter,
 * because WhatsApp restricts numbers that send in bursts. Each send reserves its own future slot once, so a
 * long backlog on one device becomes a schedule instead of a retry storm, and other devices are not held up.
 */
@Injectable()
export class DevicePacer {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Milliseconds to wait before this send may go (0: now). */
  async reserve(tenantId: string, deviceId: string): Promise<number> {
    const { ratePerDevicePerMinute, jitterMs } = this.config.messaging;
    const gap = Math.ceil(60_000 / ratePerDevicePerMinute) + (jitterMs > 0 ? randomInt(0, jitterMs + 1) : 0);
    return Number(await this.redis.eval(RESERVE, 1, `pace:${tenantId}:${deviceId}`, String(gap)));
  }

  /**
   * Called right before a send: 0 when it may go now (and records it), else the ms to wait so that two sends of
   * the device are never closer than the configured gap (jitter aside).
   */
  async claim(tenantId: string, deviceId: string): Promise<number> {
    const min = Math.ceil(60_000 / this.config.messaging.ratePerDevicePerMinute);
    return Number(await this.redis.eval(CLAIM, 1, `pace-last:${tenantId}:${deviceId}`, String(min)));
  }
}
