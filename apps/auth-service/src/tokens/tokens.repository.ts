import type { Connection } from 'mongoose';
import { createPublishableStore } from '../publishing/publishable-store';
import type { PublishableStore } from '../publishing/state-publisher';
import { createTokenLastUseStore } from '../usage/token-last-use.repository';
import type { TokenLastUseStore } from '../usage/token-last-use.repository';
import { tokenModel } from './token.model';
import type { TokenRecord } from './token.model';
import { createTokenNoticeStore } from './token-notices.repository';
import type { TokenNoticeStore } from './token-notices.repository';
import { createTokenReads } from './token-reads.repository';
import type { TokenReads } from './token-reads.repository';
import { createTokenWrites } from './token-writes.repository';
import type { TokenWrites } from './token-writes.repository';

/** Queries on the tokens collection, by concern; every result is a plain object. */
export interface TokensRepository
  extends TokenWrites, TokenReads, TokenNoticeStore, TokenLastUseStore, PublishableStore<TokenRecord> {}

/** The tokens repository on `connection`. */
export function createTokensRepository(connection: Connection): TokensRepository {
  const Token = tokenModel(connection);
  return {
    ...createTokenWrites(Token),
    ...createTokenReads(Token),
    ...createTokenNoticeStore(Token),
    ...createTokenLastUseStore(Token),
    ...createPublishableStore(Token),
  };
}
