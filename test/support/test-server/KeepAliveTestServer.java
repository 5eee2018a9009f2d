import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's time-skipping test server as io.temporal.testserver.TestServer starts it, with two differences.
 *
 * <p>It accepts the keepalive pings the TypeScript SDK's connections send every 30 seconds. TestServer keeps gRPC's
 * default, one ping per 5 minutes, and closes a connection after its third early ping with the calls on it, a test's
 * lock or unlock of the skipped clock among them, so that any test longer than about 90 seconds could lose one.
 *
 * <p>With --pool, one JVM serves many servers, each with services of its own (workflows, task queues, a skipped clock),
 * started and stopped on request: a test gets a server of its own without a JVM of its own, whose start and warm-up
 * cost more CPU than most tests. The pool prints "control PORT" and then answers, one line per request on a loopback
 * connection to that port: "start" with the new server's port, "stop PORT" with "stopped". The servers a connection
 * started are stopped when it closes.
 *
 * <p>Usage: KeepAliveTestServer PORT [--enable-time-skipping] | KeepAliveTestServer --pool. It listens on the loopback
 * address only, and exits when the process that started it does.
 */
public final class KeepAliveTestServer {
  public static void main(String[] args) throws Exception {
    boolean pool = args.length == 1 && args[0].equals("--pool");
    boolean single =
        (args.length == 1 && !pool) || (args.length == 2 && args[1].equals("--enable-time-skipping"));
    if (!pool && !single) {
      System.err.println("Usage: KeepAliveTestServer <port> [--enable-time-skipping] | KeepAliveTestServer --pool");
      System.exit(2);
    }
    // A test process that ends without its teardown (a lane stopped by a signal) does not leave this JVM behind.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
    if (pool) {
      servePool();
      return;
    }
    Instance instance = new Instance(Integer.parseInt(args[0]), args.length == 2);
    Runtime.getRuntime().addShutdownHook(new Thread(instance::close));
    instance.server.awaitTermination();
  }

  /** One test server: services of its own on a Netty server of its own. */
  private static final class Instance implements AutoCloseable {
    final TestServicesStarter services;
    final Server server;

    Instance(int port, boolean timeSkipping) throws IOException {
      // The starter's flag is "lock time skipping", the opposite of the command line's, as in TestServer.main.
      services = new TestServicesStarter(!timeSkipping, 0L);
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
              .permitKeepAliveTime(1, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true);
      GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
      server = builder.build().start();
    }

    @Override
    public void close() {
      server.shutdownNow();
      services.close();
    }
  }

  private static void servePool() throws IOException {
    try (ServerSocket control = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      System.out.println("control " + control.getLocalPort());
      System.out.flush();
      while (true) {
        Socket client = control.accept();
        Thread thread = new Thread(() -> serveClient(client), "pool-client-" + client.getPort());
        thread.setDaemon(true);
        thread.start();
      }
    }
  }

  private static void serveClient(Socket client) {
    // As the SDK starts a server: without --enable-time-skipping, the clock stays put until a client unlocks it.
    Map<Integer, Instance> started = new HashMap<>();
    try (client;
        BufferedReader in =
            new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String answer;
        try {
          if (line.equals("start")) {
            Instance instance = new Instance(0, false);
            started.put(instance.server.getPort(), instance);
            answer = String.valueOf(instance.server.getPort());
          } else if (line.startsWith("stop ")) {
            Instance instance = started.remove(Integer.parseInt(line.substring(5).trim()));
            if (instance != null) instance.close();
            answer = "stopped";
          } else {
            answer = "error unknown request";
          }
        } catch (Exception e) {
          answer = "error " + e;
        }
        out.write(answer.replace('\n', ' ') + "\n");
        out.flush();
      }
    } catch (IOException e) {
      // The client went away: its servers go with it (below).
    } finally {
      started.values().forEach(Instance::close);
    }
  }
}
