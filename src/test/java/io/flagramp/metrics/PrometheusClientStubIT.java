package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a stub HTTP server, ONLY for answers a real Prometheus cannot be made to give: a
 * body that is not JSON or is cut off, a reply slower than the timeout, a 401 or 503 with a body of
 * our choosing, and a look at the request itself (a real Prometheus does not check bearer tokens, so
 * only a stub can show the token arrives). Everything a real Prometheus can do is tested against one in
 * {@link PrometheusClientIT}, {@link PrometheusBasicAuthIT} and {@link PrometheusTlsIT}.
 */
class PrometheusClientStubIT {

  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final String ONE_VALUE =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"7\"]}]}}";

  private final PrometheusClient client = new PrometheusClient();
  /** Released after each test, so a handler that waits on it never outlives the test. */
  private final CountDownLatch released = new CountDownLatch(1);
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private volatile Handler handler;
  private HttpServer stub;

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  @BeforeEach
  void startStub() throws IOException {
    stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    stub.setExecutor(handlers);
    stub.createContext("/", exchange -> {
      try (exchange) {
        handler.handle(exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    stub.start();
  }

  @AfterEach
  void stopStub() {
    released.countDown();
    stub.stop(0);
    handlers.shutdownNow();
  }

  @Test
  void aBodyThatIsNotJsonIsAnUnreadableAnswer() {
    handler = exchange -> reply(exchange, 200, "<html><body>Please log in</body></html>");

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessage("unreadable answer from Prometheus at " + address()
            + " (HTTP 200, not JSON): <html><body>Please log in</body></html>");
  }

  @Test
  void jsonCutOffMidwayIsAnUnreadableAnswer() {
    handler = exchange -> reply(exchange, 200, ONE_VALUE.substring(0, 60));

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageContaining("(HTTP 200, JSON cut off)");
  }

  @Test
  void aBodyCutOffByTheConnectionClosingIsAnUnreadableAnswer() {
    handler = exchange -> {
      byte[] start = ONE_VALUE.substring(0, 60).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, ONE_VALUE.length());
      exchange.getResponseBody().write(start);
      exchange.getResponseBody().flush();
      // Closing with bytes missing makes the JDK server drop the connection.
    };

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageContaining("(HTTP 200, body cut off");
  }

  @Test
  void aReplySlowerThanTheTimeoutIsUnreachableWithinAboutTheTimeout() {
    handler = exchange -> {
      released.await(30, TimeUnit.SECONDS);
      reply(exchange, 200, ONE_VALUE);
    };

    long started = System.nanoTime();
    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus at " + address() + " unreachable: timed out after 500ms");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plusSeconds(2));
  }

  @Test
  void aBodyThatStallsIsUnreachableWithinAboutTheTimeout() {
    handler = exchange -> {
      exchange.sendResponseHeaders(200, ONE_VALUE.length());
      exchange.getResponseBody().write(ONE_VALUE.substring(0, 10).getBytes(StandardCharsets.UTF_8));
      exchange.getResponseBody().flush();
      released.await(30, TimeUnit.SECONDS);
    };

    long started = System.nanoTime();
    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessageEndingWith("timed out after 500ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
  }

  @Test
  void a401IsAnHttpErrorCarryingTheBody() {
    handler = exchange -> reply(exchange, 401, "token expired\n");

    assertThatThrownBy(() -> client.query(query(address(), bearer("expired-token"))))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(401))
        .hasMessage("HTTP 401 from Prometheus at " + address() + ": token expired");
  }

  @Test
  void a503CarriesPrometheusOwnErrorText() {
    handler = exchange -> reply(exchange, 503,
        "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"TSDB not ready yet\"}");

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(503))
        .hasMessage("HTTP 503 from Prometheus at " + address() + ": TSDB not ready yet");
  }

  @Test
  void theBearerTokenReachesTheServerWithTheQueryUnderThePathPrefix() throws QueryFailure {
    AtomicReference<String> authorization = new AtomicReference<>();
    AtomicReference<URI> uri = new AtomicReference<>();
    handler = exchange -> {
      authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      uri.set(exchange.getRequestURI());
      reply(exchange, 200, ONE_VALUE);
    };
    Query query = new Query(new PrometheusEndpoint(address() + "/prom/", TIMEOUT, bearer("s3cr3t-token\n")),
        "sum(rate(http_requests_total{code=~\"5..\"}[5m]))", Instant.parse("2026-03-02T10:00:00.042Z"),
        Duration.ZERO);

    assertThat(client.query(query)).isEqualTo(7);
    assertThat(authorization.get()).as("sent without the newline a Secret often ends in")
        .isEqualTo("Bearer s3cr3t-token");
    assertThat(uri.get().getPath()).isEqualTo("/prom/api/v1/query");
    assertThat(uri.get().getQuery())
        .isEqualTo("query=sum(rate(http_requests_total{code=~\"5..\"}[5m]))&time=1772445600.042");
  }

  private String address() {
    return "http://127.0.0.1:" + stub.getAddress().getPort();
  }

  private static Query query(String address, PrometheusEndpoint.Auth auth) {
    return new Query(new PrometheusEndpoint(address, TIMEOUT, auth), "up", Instant.now(), Duration.ZERO);
  }

  private static PrometheusEndpoint.Auth bearer(String token) {
    return new PrometheusEndpoint.Auth(Optional.of(token), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
