import { runService } from '@eudr/service-kit';
import { loadConfig } from './config';
import { startAuthService } from './service';

// The process entry point (SIGTERM/SIGINT: drain HTTP, stop the relay and the usage consumer, the
// producer, then MongoDB; see service.ts).
void runService({ service: 'auth-service', loadConfig, start: startAuthService });
