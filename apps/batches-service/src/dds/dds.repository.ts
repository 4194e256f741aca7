import { mongo } from 'mongoose';
import type { Connection } from 'mongoose';
import { orgKey } from '../common/ids';
import { ddsCounterKey } from './dds-number';
import { ddsModels } from './dds.model';
import type { ClaimDocument, DdsCounterDocument, DdsDocument, DdsNumberDocument } from './dds.model';

/** Queries on the DDS collections; every query scoped to `orgId`. */
export interface DdsRepository {
  /**
   * Reserves `count` consecutive numbers of the organisation's counter for `year` in one step, and
   * returns the first. Numbers are never handed out twice; concurrent requests get disjoint,
   * contiguous ranges (see `ClaimDocument` for why a claim and not `$inc`).
   */
  reserveNumbers(orgId: string, year: number, count: number): Promise<number>;
  /** Inserts new DDS and their number mappings. */
  insert(documents: readonly DdsDocument[]): Promise<void>;
  findByBatch(orgId: string, batchExternalId: string): Promise<DdsDocument | null>;
  findByNumber(orgId: string, ddsNumber: string): Promise<DdsDocument | null>;
  /**
   * Writes `changes` if the DDS is still at `current.version`; returns the DDS as written, or null
   * when another change took this version first. The step is claimed by inserting its claim, so two
   * concurrent changes can never both win, on MongoDB or FerretDB.
   */
  updateIf(current: DdsDocument, changes: Partial<DdsDocument>): Promise<DdsDocument | null>;
}

const DUPLICATE_KEY = 11000;
/** Claims tried before giving up (each failure means another request advanced the counter). */
const RESERVE_ATTEMPTS = 100;

function isDuplicateKey(err: unknown): boolean {
  return err instanceof mongo.MongoServerError && err.code === DUPLICATE_KEY;
}

/** The DDS repository on `connection`. */
export function createDdsRepository(connection: Connection): DdsRepository {
  const { Dds, DdsNumber, DdsCounter, DdsClaim } = ddsModels(connection);
  const dds = Dds.collection;
  const claims = DdsClaim.collection;
  const counters = DdsCounter.collection;

  /** Inserts the claim; false when someone else holds it. */
  async function claim(id: string, state: Record<string, unknown>): Promise<boolean> {
    try {
      await claims.insertOne({ _id: id, state, createdAt: new Date() } as never);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async function findClaim(id: string): Promise<ClaimDocument | null> {
    return (await claims.findOne({ _id: id } as never)) as ClaimDocument | null;
  }

  /** Moves the counter hint forward to a claimed step (never back, as far as the server allows). */
  async function advanceCounter(key: string, version: number, seq: number): Promise<void> {
    await counters.updateOne(
      { _id: key, version: { $lt: version } } as never,
      { $set: { version, seq } } as never,
    );
    if (version === 1) {
      // The very first step: the hint does not exist yet.
      await counters.insertOne({ _id: key, version, seq } as never).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
    }
  }

  async function findByBatch(orgId: string, batchExternalId: string): Promise<DdsDocument | null> {
    return (await dds.findOne({ _id: orgKey(orgId, batchExternalId) } as never)) as DdsDocument | null;
  }

  return {
    async reserveNumbers(orgId, year, count) {
      const key = ddsCounterKey(orgId, year);
      for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt += 1) {
        const hint = (await counters.findOne({ _id: key } as never)) as DdsCounterDocument | null;
        let version = hint?.version ?? 0;
        let seq = hint?.seq ?? 0;
        // The hint may lag: walk the claims forward to the newest step.
        for (
          let next = await findClaim(`${key}:v${version + 1}`);
          next !== null;
          next = await findClaim(`${key}:v${version + 1}`)
        ) {
          version += 1;
          seq = Number(next.state['seq']);
        }
        if (await claim(`${key}:v${version + 1}`, { seq: seq + count })) {
          await advanceCounter(key, version + 1, seq + count);
          return seq + 1;
        }
        // Lost to a concurrent request: try again from its step, after a short, jittered pause.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      }
      throw new Error('could not reserve DDS numbers: too many concurrent requests');
    },

    async insert(documents) {
      if (documents.length === 0) return;
      const numbers: DdsNumberDocument[] = documents.map((doc) => ({
        _id: orgKey(doc.orgId, doc.ddsNumber),
        orgId: doc.orgId,
        batchExternalId: doc.batchExternalId,
      }));
      // The mapping first: a DDS is only reachable by number once both exist, and a DDS without its
      // mapping would be unreachable for the admin.
      await DdsNumber.collection.insertMany(numbers as never[], { ordered: false });
      await dds.insertMany(documents as never[], { ordered: false });
    },

    findByBatch,

    async findByNumber(orgId, ddsNumber) {
      const mapping = (await DdsNumber.collection.findOne({
        _id: orgKey(orgId, ddsNumber),
      } as never)) as DdsNumberDocument | null;
      if (mapping === null) return null;
      return findByBatch(orgId, mapping.batchExternalId);
    },

    async updateIf(current, changes) {
      const version = current.version + 1;
      const claimId = `${current._id}:v${version}`;
      const state = { ...changes, version };
      if (!(await claim(claimId, state))) {
        // Someone else owns this step. If a crash kept them from writing it, finish it for them (the
        // same values, so racing the owner's own write is harmless).
        const other = await findClaim(claimId);
        if (other !== null) {
          await dds.updateOne(
            { _id: current._id, version: current.version } as never,
            { $set: other.state } as never,
          );
        }
        return null;
      }
      await dds.updateOne({ _id: current._id, version: current.version } as never, { $set: state } as never);
      return { ...current, ...changes, version } as DdsDocument;
    },
  };
}
