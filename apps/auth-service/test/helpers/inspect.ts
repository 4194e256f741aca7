import { readRawMessages } from '@eudr/testkit';
import type { RawMessage } from '@eudr/testkit';
import mongoose from 'mongoose';

/** Every document of every collection of the database at `mongoUrl`, with its collection name. */
export async function allDocuments(
  mongoUrl: string,
): Promise<{ collection: string; doc: Record<string, unknown> }[]> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  try {
    const db = connection.db;
    if (db === undefined) throw new Error('no database handle');
    const out: { collection: string; doc: Record<string, unknown> }[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) out.push({ collection: name, doc });
    }
    return out;
  } finally {
    await connection.close();
  }
}

/** The documents of one collection. */
export async function collectionDocuments(
  mongoUrl: string,
  collection: string,
): Promise<Record<string, unknown>[]> {
  return (await allDocuments(mongoUrl)).filter((d) => d.collection === collection).map((d) => d.doc);
}

/** Every message of the given physical topics, raw (see @eudr/testkit's readRawMessages). */
export const readAllMessages = readRawMessages;
export type { RawMessage };
