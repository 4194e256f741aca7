export { getInfra, stopInfra, parseEnvLines } from './infra';
export type { Infra } from './infra';
export { createTestScope, withDatabase } from './scope';
export type { TestScope } from './scope';
export { startPrivateKafka, startPrivateMongo, startPrivateRedis } from './private-infra';
export type { PrivateServer } from './private-infra';
export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { freePort } from './ports';
export { repoRoot } from './paths';
export { produceRaw, readRawMessages } from './raw-kafka';
export type { RawMessage, RawKafkaSasl } from './raw-kafka';
export { startAppProcess } from './app-process';
export type { AppProcess, AppExit, StartAppProcessOptions } from './app-process';
export { startEdge } from './edge';
export type { PrivateEdge, StartEdgeOptions } from './edge';
export { mintAdminJwt, createAdminClient, AdminApiError, ADMIN_API_PATH } from './admin-client';
export type {
  AdminClient,
  AdminIntegration,
  AdminToken,
  AdminCreatedToken,
  CreateTokenInput,
  MintAdminJwtOptions,
} from './admin-client';
export { call, errorCode } from './http';
export type { HttpResult, CallOptions } from './http';
export { replicasAndEdge, startStack, summarizeRevocations, watchRevocation } from './stack';
export type { Stack, StackOptions, IssuedToken, RevocationTarget, RevocationSeen } from './stack';
export {
  HOSTILE_ADMIN_PATH,
  HOSTILE_INTEGRATION_PATH,
  hostileRequests,
  plainRequests,
} from './hostile-requests';
export type { HostileCredentials, HostileRequest } from './hostile-requests';
export { startDevProvider, DEV_SIGN_INS } from './console';
export type { DevProvider } from './console';
