package io.activitystreamer.it;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A REGISTER flood from one address and the LOGIN latency of a normal client meanwhile (issue 13's
 * measurement). {@code connections} threads REGISTER fresh names as fast as they can, in one of two ways:
 * {@code fire} connects, sends REGISTER and closes at once without reading (every request costs the server
 * a hash unless it checks first), {@code wait} sends the next REGISTER on the same connection once the
 * last is answered. Meanwhile one client logs in, again and again, as a registered user on a fresh
 * connection each time; each LOGIN's time to LOGIN_SUCCESS (or its failure) is recorded.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) io.activitystreamer.it.RegisterFlood 127.0.0.1 3780 30 8 fire
 * </pre>
 */
public final class RegisterFlood {
  private RegisterFlood() {}

  /** What a run measured. */
  public record Result(long requests, long answers, List<Long> loginMillis, long loginFailures, List<String> failures) {
    public long percentile(double p) {
      if (loginMillis.isEmpty()) {
        return -1;
      }
      List<Long> sorted = new ArrayList<>(loginMillis);
      Collections.sort(sorted);
      return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1));
    }

    @Override
    public String toString() {
      return String.format("flood: %d REGISTERs sent, %d answered; normal client: %d LOGINs, p50 %d ms, p99 %d ms,"
              + " max %d ms, %d failed %s", requests, answers, loginMillis.size(), percentile(50), percentile(99),
          percentile(100), loginFailures, failures.isEmpty() ? "" : failures.subList(0, Math.min(3, failures.size())));
    }
  }

  public static Result run(String host, int port, int connections, Duration duration, boolean fire) throws Exception {
    String user = "normal" + System.nanoTime();
    try (LineClient c = LineClient.connect(host, port)) {
      c.register(user, "s3cret").expect("REGISTER_SUCCESS", Duration.ofSeconds(30));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    List<Thread> flooders = new ArrayList<>();
    for (int t = 0; t < connections; t++) {
      int id = t;
      Thread th = new Thread(() -> flood(host, port, id, fire, stop, sent, answered), "flood-" + t);
      th.setDaemon(true);
      th.start();
      flooders.add(th);
    }
    // the flood is on before the first LOGIN: as many REGISTERs sent as there are flooders
    org.awaitility.Awaitility.await("the flood is on").atMost(Duration.ofSeconds(30))
        .until(() -> sent.get() >= connections);
    List<Long> logins = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    long failed = 0;
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      try (LineClient c = LineClient.connect(host, port)) {
        JsonObject r = c.login(user, "s3cret").next(Duration.ofSeconds(30));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if ("LOGIN_SUCCESS".equals(r.getString("command"))) {
          logins.add(ms);
        } else {
          failed++;
          failures.add(r.encode());
        }
      } catch (AssertionError e) {
        failed++;
        failures.add(String.valueOf(e.getMessage()));
      }
    }
    stop.set(true);
    for (Thread th : flooders) {
      th.join(5000);
    }
    return new Result(sent.get(), answered.get(), logins, failed, failures);
  }

  private static void flood(String host, int port, int id, boolean fire, AtomicBoolean stop, AtomicLong sent,
      AtomicLong answered) {
    long n = 0;
    while (!stop.get()) {
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        do {
          String line = new JsonObject().put("command", "REGISTER").put("username", "flood-" + id + "-" + (n++)
              + "-" + System.nanoTime()).put("secret", "x").encode() + "\n";
          out.write(line.getBytes(StandardCharsets.UTF_8));
          out.flush();
          sent.incrementAndGet();
          if (fire) {
            break;
          }
          String answer = in.readLine();
          if (answer == null) {
            break;
          }
          answered.incrementAndGet();
          if (!answer.contains("REGISTER_SUCCESS")) {
            break; // refused (busy, limit): the server closes; connect again
          }
        } while (!stop.get());
      } catch (IOException e) {
        // refused or reset: try again
      }
    }
  }

  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 3780;
    int connections = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    boolean fire = args.length <= 4 || "fire".equals(args[4]);
    System.out.println((fire ? "fire" : "wait") + " " + run(host, port, connections, Duration.ofSeconds(seconds), fire));
  }
}
