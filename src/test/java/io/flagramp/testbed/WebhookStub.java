package io.flagramp.testbed;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Webhook receivers on one loopback port (the JDK's HTTP server), each at a path of its own, that
 * record every request and answer as told: 200, another status with a body, a redirect, or nothing at
 * all until {@link #close()} (a receiver that hangs). Each request is handled on a thread of its own,
 * so a hanging receiver holds up no other.
 */
public final class WebhookStub implements AutoCloseable {

  /** One request as it arrived. */
  public record Received(String path, String body, Instant at) {}

  private interface Answer {
    void answer(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "webhook-stub");
    t.setDaemon(true);
    return t;
  });
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final CountDownLatch released = new CountDownLatch(1);

  public WebhookStub() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>} */
  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests to {@code path} are answered 200 (the default for a path nobody configured). */
  public String ok(String path) {
    answers.put(path, exchange -> reply(exchange, 200, ""));
    return base() + path;
  }

  /** Requests to {@code path} are answered {@code status} with {@code body}. */
  public String answering(String path, int status, String body) {
    answers.put(path, exchange -> reply(exchange, status, body));
    return base() + path;
  }

  /** Requests to {@code path} are redirected to {@code location}. */
  public String redirecting(String path, String location) {
    answers.put(path, exchange -> {
      exchange.getResponseHeaders().add("Location", location);
      reply(exchange, 302, "<a href=\"" + location + "\">moved</a>");
    });
    return base() + path;
  }

  /** Requests to {@code path} get no answer until this stub is closed. */
  public String hanging(String path) {
    answers.put(path, exchange -> {
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    return base() + path;
  }

  /** Every request, in the order they arrived. */
  public List<Received> all() {
    return List.copyOf(received);
  }

  /** Every request to {@code path}, in the order they arrived. */
  public List<Received> to(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = exchange.getRequestURI().getPath();
    received.add(new Received(path, body, Instant.now()));
    answers.getOrDefault(path, e -> reply(e, 200, "")).answer(exchange);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
