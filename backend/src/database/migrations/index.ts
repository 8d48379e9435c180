import { Foundation1733300000000 } from './1733300000000-foundation';
import { WhatsappDevices1733400000000 } from './1733400000000-whatsapp-devices';
import { Messaging1733500000000 } from './1733500000000-messaging';
import { AuthSubjects1733600000000 } from './1733600000000-auth-subjects';

/** Every migration in order. Listed explicitly so the same array works from TypeScript sources and from dist. */
export const MIGRATIONS = [
  Foundation1733300000000,
  WhatsappDevices1733400000000,
  Messaging1733500000000,
  AuthSubjects1733600000000,
];
