import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The local MongoDB-protocol server: mongo-java-server with its H2 backend in one file.
 *
 * <p>Usage: {@code java -cp <jars>:<classes> LocalMongoServer <host> <port> <file>}
 *
 * <p>Two things differ from the library's defaults, both kept here so no service works around them:
 * <ul>
 *   <li>Durability: H2 commits once a second by itself, so a killed server lost the last second of
 *       acknowledged writes. Every write command is committed before its answer leaves (group
 *       commit: one commit covers every write that finished before it started).
 *   <li>The insert command's {@code n} counts documents that failed (duplicate keys); MongoDB counts
 *       only the inserted ones, and drivers report {@code insertedCount} from it.
 * </ul>
 */
public final class LocalMongoServer {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3) {
      System.err.println("usage: LocalMongoServer <host> <port> <file>");
      System.exit(64);
    }
    DurableH2Backend backend = new DurableH2Backend(args[2]);
    MongoServer server = new MongoServer(backend);
    server.bind(args[0], Integer.parseInt(args[1]));
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
}
