import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The local MongoDB-protocol server: mongo-java-server with its H2 backend in one file.
 *
 * <p>Usage: {@code java -cp <jars>:<classes> LocalMongoServer <host> <port> <file>}
 *
 * <p>Five things differ from the library's defaults, all kept here so no service works around them:
 * <ul>
 *   <li>Threads: a command blocked on one collection no longer holds up other connections (see
 *       {@link #WORKER_THREADS}).
 *   <li>Durability: H2 commits once a second by itself, so a killed server lost the last second of
 *       acknowledged writes. Every write command is committed before its answer leaves (group
 *       commit: one commit covers every write that finished before it started).
 *   <li>The insert command's {@code n} counts documents that failed (duplicate keys); MongoDB counts
 *       only the inserted ones, and drivers report {@code insertedCount} from it.
 *   <li>Snapshots: the library applies an update by changing the stored document object in place, and
 *       hands that same object to queries and to {@code findAndModify}, whose answers are encoded
 *       after the collection's lock is released; a concurrent update could change a reply while it
 *       was written (two {@code $inc} with {@code new: true} both saw the later value). Every document
 *       a collection hands out here is a copy, so stored objects are never changed in place.
 *   <li>Creating a collection: the library's {@code create} command checks and registers without the
 *       database's lock, so two replicas creating one collection at start (mongoose's autoCreate)
 *       could both pass the check; the second registration replaced the first and then failed on the
 *       namespace's duplicate key before its {@code _id} index was added. Once other indexes were
 *       declared, every update of that collection failed ("Expected one element but got zero"). Here
 *       it runs under the lock every other collection lookup takes.
 * </ul>
 */
public final class LocalMongoServer {
  /**
   * Threads that read, run and answer commands. Each connection is served by one of them, and a command
   * waiting for a busy collection's lock holds its thread; with the library's default (two per core) a
   * few slow list scans on one collection held up every other connection on those threads, whatever
   * database they used (auth-service's heartbeat queries waited seconds behind supplier lists). MongoDB
   * serves each connection on its own thread; this comes close enough for the connections a stack opens.
   */
  private static final int WORKER_THREADS = 128;

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3) {
      System.err.println("usage: LocalMongoServer <host> <port> <file>");
      System.exit(64);
    }
    DurableH2Backend backend = new DurableH2Backend(args[2]);
    MongoServer server = new MongoServer(backend);
    server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 1, WORKER_THREADS);
    System.err.println("LocalMongoServer listening on " + args[0] + ":" + args[1] + ", data in " + args[2]);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown();
                  System.err.println("LocalMongoServer stopped");
                  stopped.countDown();
                }));
    stopped.await();
  }

  static final class DurableH2Backend extends H2Backend {
    private static final Set<String> WRITE_COMMANDS =
        Set.of(
            "insert", "update", "delete", "findandmodify", "createindexes", "dropindexes",
            "deleteindexes", "drop", "dropdatabase", "create", "renamecollection");

    private final Object commitLock = new Object();
    private long writesFinished;
    private long writesCommitted;

    DurableH2Backend(String file) {
      super(file);
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String name) {
      return new SnapshotH2Database(name, getCursorRegistry());
    }

    /**
     * An H2 database whose collections hand out copies (see the class comment). An inner class: the
     * super constructor already opens the existing collections, before any field of this class is set,
     * so the store comes from the enclosing backend.
     */
    final class SnapshotH2Database extends H2Database {
      SnapshotH2Database(String name, CursorRegistry cursors) {
        super(name, getMvStore(), cursors);
      }

      /** Under the database's lock, like the library's other collection lookups (see the class comment). */
      @Override
      public synchronized MongoCollection<Object> createCollectionOrThrowIfExists(
          String name, CollectionOptions options) {
        return super.createCollectionOrThrowIfExists(name, options);
      }

      @Override
      protected MongoCollection<Object> openOrCreateCollection(String name, CollectionOptions options) {
        // The same map names as H2Database uses, so files and dropCollection stay compatible.
        String namespace = getFullCollectionNamespace(name);
        return new SnapshotH2Collection(
            this, name, options, getMvStore().openMap("databases." + namespace),
            getMvStore().openMap("meta." + namespace), cursorRegistry);
      }
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      String name = command.toLowerCase(Locale.ROOT);
      if (!WRITE_COMMANDS.contains(name)) {
        return super.handleCommand(channel, database, command, query);
      }
      try {
        Document response = super.handleCommand(channel, database, command, query);
        if (name.equals("insert")) countOnlyInserted(response);
        return response;
      } finally {
        commitThroughThisWrite();
      }
    }

    private void countOnlyInserted(Document response) {
      Object n = response.get("n");
      Object errors = response.get("writeErrors");
      if (n instanceof Number && errors instanceof List<?> list && !list.isEmpty()) {
        response.put("n", Math.max(0, ((Number) n).intValue() - list.size()));
      }
    }

    private void commitThroughThisWrite() {
      long mine;
      synchronized (this) {
        mine = ++writesFinished;
      }
      synchronized (commitLock) {
        if (writesCommitted >= mine) return;
        long upTo;
        synchronized (this) {
          upTo = writesFinished;
        }
        commit();
        writesCommitted = upTo;
      }
    }
  }

  static final class SnapshotH2Collection extends H2Collection {
    SnapshotH2Collection(
        MongoDatabase database,
        String name,
        CollectionOptions options,
        org.h2.mvstore.MVMap<Object, Document> data,
        org.h2.mvstore.MVMap<String, Object> meta,
        CursorRegistry cursors) {
      super(database, name, options, data, meta, cursors);
    }

    @Override
    protected Document getDocument(Object position) {
      Document stored = super.getDocument(position);
      return stored == null ? null : stored.cloneDeeply();
    }

    @Override
    protected QueryResult matchDocuments(
        Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
      QueryResult matched = super.matchDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
      List<Document> copies = new ArrayList<>();
      for (Document document : matched) copies.add(document.cloneDeeply());
      return new QueryResult(copies, matched.getCursorId());
    }
  }
}
