import { runService } from '@eudr/service-kit';
import { loadConfig } from './config';
import { SERVICE_NAME, startWebhooksService } from './service';

// The process entry point (SIGTERM/SIGINT: drain HTTP, stop consuming, let deliveries in flight
// finish, then close auth, the producer and MongoDB; see service.ts).
void runService({ service: SERVICE_NAME, loadConfig, start: startWebhooksService });
