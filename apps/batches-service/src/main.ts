import { runService } from '@eudr/service-kit';
import { SERVICE_NAME } from './app';
import { loadConfig } from './config';
import { startBatchesService } from './service';

// The process entry point (SIGTERM/SIGINT: drain HTTP, stop auth, the relay, the producer, then
// MongoDB; see service.ts).
void runService({ service: SERVICE_NAME, loadConfig, start: startBatchesService });
