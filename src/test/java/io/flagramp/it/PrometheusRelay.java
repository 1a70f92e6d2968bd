package io.flagramp.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One more address for the real Prometheus, so that a test can give the operator as many endpoints as
 * it queries at once. Each distinct query is asked of the real Prometheus once ({@link Recordings}),
 * and its answer (status, media type, body) is played back to every asker at every relay: hundreds
 * of answers of 8 MiB at once are more than Prometheus can give quickly (256 at once took the real
 * one 39 s and 6 GiB on a 2-core machine, longer than a query may wait), and the volume, not the
 * answer, is what a relay adds.
 *
 * <p>The first {@value #HELD_AFTER} bytes of an answer go out at once, and the rest waits for a
 * {@link Moment}: the instant a given number of answers, over all relays, are held so. Every answer
 * a client reads that far is then in flight at that one instant. (Held nearer their end, all 256 of
 * 8 MiB would have to be read within the 30 s a query may take, which a busy 2-core machine does not
 * manage; a client that reads as a stream holds the same whether it is 1 MiB into an answer or 8.)
 * An answer the client stops reading is dropped.
 */
final class PrometheusRelay implements AutoCloseable {

  /** Bytes of each answer sent before it waits for the others. */
  static final int HELD_AFTER = 1 << 20;

  private final Recordings answers;
  private final Moment moment;
  private final HttpServer server;
  private final AtomicInteger relayed = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();

  /** @param handlers runs the exchanges, one thread each */
  PrometheusRelay(Recordings answers, Moment moment, ExecutorService handlers) {
    this.answers = answers;
    this.moment = moment;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(handlers);
    server.createContext("/", exchange -> {
      try (exchange) {
        relay(exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
  }

  String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queries answered. */
  int relayed() {
    return relayed.get();
  }

  /** The most exchanges this address had open at once. */
  int mostInFlight() {
    return mostInFlight.get();
  }

  private void relay(HttpExchange exchange) throws IOException, InterruptedException {
    long arrived = System.nanoTime();
    relayed.incrementAndGet();
    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      Answer answer = answers.answer(exchange.getRequestURI());
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      exchange.sendResponseHeaders(answer.status(), answer.body().length);
      OutputStream out = exchange.getResponseBody();
      int first = Math.min(HELD_AFTER, answer.body().length);
      // Throws once the client has stopped reading and closed: the answer is dropped.
      out.write(answer.body(), 0, first);
      out.flush();
      if (first < answer.body().length) {
        moment.hold(arrived);
        out.write(answer.body(), first, answer.body().length - first);
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** An answer as Prometheus gave it. */
  record Answer(int status, String contentType, byte[] body) {}

  /**
   * The real Prometheus' answers, one per distinct query, asked on first use with the first asker's
   * evaluation time and shared by every relay.
   */
  static final class Recordings {

    private final String prometheus;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, Answer> byQuery = new ConcurrentHashMap<>();

    Recordings(String prometheus) {
      this.prometheus = prometheus;
    }

    Answer answer(URI request) {
      return byQuery.computeIfAbsent(query(request), q -> ask(request));
    }

    /** How many distinct queries Prometheus answered. */
    int asked() {
      return byQuery.size();
    }

    private Answer ask(URI request) {
      try {
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(prometheus
            + request.getRawPath() + "?" + request.getRawQuery())).timeout(Duration.ofMinutes(1)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(answer.statusCode(), answer.headers().firstValue("Content-Type").orElse("application/json"),
            answer.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** The PromQL of a request; its evaluation time does not make another answer. */
    private static String query(URI request) {
      for (String parameter : request.getRawQuery().split("&")) {
        if (parameter.startsWith("query=")) {
          return URLDecoder.decode(parameter.substring("query=".length()), StandardCharsets.UTF_8);
        }
      }
      throw new IllegalArgumentException("no query in " + request);
    }
  }

  /**
   * The instant at which {@code goal} answers, over all relays, are held. Each waits in {@link #hold}
   * until the test {@linkplain #release releases} them, or until {@code patience} after its request
   * arrived (within the query's timeout, so the client still gets its answer); then the moment is not
   * reached this time.
   */
  static final class Moment {

    private final int goal;
    private final Duration patience;
    private int holding;
    private int released;

    Moment(int goal, Duration patience) {
      this.goal = goal;
      this.patience = patience;
    }

    /** Holds one answer until released, or until patience has passed since {@code arrived} (nanoTime). */
    synchronized void hold(long arrived) throws InterruptedException {
      int round = released;
      holding++;
      long deadline = arrived + patience.toNanos();
      while (released == round) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          holding--;
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    /** All {@code goal} answers are held now. */
    synchronized boolean reached() {
      return holding >= goal;
    }

    /** Lets every held answer end; true if all {@code goal} were still held. */
    synchronized boolean release() {
      boolean whole = holding >= goal;
      holding = 0;
      released++;
      notifyAll();
      return whole;
    }
  }
}
