import { runService } from '@eudr/service-kit';
import { loadConfig } from './config';
import { SERVICE_NAME, startBatchesService } from './service';

// The process entry point (SIGTERM/SIGINT: drain HTTP, stop auth, the relay, the producer, then
// MongoDB; see service.ts).
void runService({ service: SERVICE_NAME, loadConfig, start: startBatchesService });
