package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flagramp.testbed.CapturedLog;
import io.flagramp.testbed.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client against a stub HTTP server, ONLY for answers a real Prometheus cannot be made to give: a
 * body that is not JSON, is cut off or is too big, a reply slower than the timeout, a 401 or 503 with
 * a body of our choosing, a server that does not speak HTTP, a redirect (Prometheus never redirects an API call, but the server at a ScalingChange's
 * address may be anything), and a look at the request itself (a real Prometheus does not check bearer
 * tokens, so only a stub can show the token arrives). Everything a real Prometheus can do is tested against one in
 * {@link PrometheusClientIT}, {@link PrometheusBasicAuthIT} and {@link PrometheusTlsIT}.
 */
class PrometheusClientStubIT {

  private static final Duration TIMEOUT = Duration.ofMillis(500);
  /** Stands for anything the server at the address says: it must never reach a message. */
  private static final String MARKER = "body-marker-7f3a9c";
  private static final String TOKEN = "bearer-token-5be1d0";
  private static final String USER = "basic-user-93ac2e";
  private static final String PASSWORD = "basic-password-e4f801";
  private static final String ONE_VALUE =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"7\"]}]}}";

  private final PrometheusClient client = new PrometheusClient();
  /** Released after each test, so a handler that waits on it never outlives the test. */
  private final CountDownLatch released = new CountDownLatch(1);
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private volatile Handler handler;
  private HttpServer stub;
  /** Servers a test starts besides {@link #stub}, stopped after it. */
  private final List<HttpServer> others = new ArrayList<>();

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  @BeforeEach
  void startStub() throws IOException {
    stub = serve(HttpServer.create(loopback(), 0), exchange -> handler.handle(exchange));
  }

  @AfterEach
  void stopStub() {
    released.countDown();
    stub.stop(0);
    others.forEach(server -> server.stop(0));
    handlers.shutdownNow();
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void aRedirectIsAnHttpErrorSayingOnlyTheStatusAndIsNotFollowed(int status) throws IOException {
    AtomicInteger redirectedTo = new AtomicInteger();
    HttpServer elsewhere = serve(HttpServer.create(loopback(), 0), exchange -> {
      redirectedTo.incrementAndGet();
      reply(exchange, 200, ONE_VALUE);
    });
    String location = "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/internal/" + MARKER;
    handler = exchange -> {
      exchange.getResponseHeaders().set("Location", location);
      reply(exchange, status, "text/html", "<a href=\"" + location + "\">moved</a> " + MARKER);
    };

    assertThatThrownBy(() -> client.query(query(address(), bearer("s3cr3t-token"))))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(status))
        .hasMessage("HTTP " + status + " from Prometheus at " + address() + " (redirects are not followed)");
    assertThat(redirectedTo).as("requests at the redirect's target").hasValue(0);
  }

  @Test
  void aRedirectFromHttpsToHttpIsNotFollowedEither() throws Exception {
    AtomicInteger redirectedTo = new AtomicInteger();
    HttpServer plain = serve(HttpServer.create(loopback(), 0), exchange -> {
      redirectedTo.incrementAndGet();
      reply(exchange, 200, ONE_VALUE);
    });
    String location = "http://127.0.0.1:" + plain.getAddress().getPort() + "/" + MARKER;
    TestCertificates.Issued ca = TestCertificates.authority("stub CA");
    HttpsServer tls = HttpsServer.create(loopback(), 0);
    tls.setHttpsConfigurator(new HttpsConfigurator(serving(TestCertificates.loopbackServer(ca), ca)));
    serve(tls, exchange -> {
      exchange.getResponseHeaders().set("Location", location);
      reply(exchange, 302, "text/html", MARKER);
    });
    String address = "https://127.0.0.1:" + tls.getAddress().getPort();
    PrometheusEndpoint.Auth trustingTheStub = new PrometheusEndpoint.Auth(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.of(ca.certificatePem()));

    assertThatThrownBy(() -> client.query(query(address, trustingTheStub)))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(302))
        .hasMessage("HTTP 302 from Prometheus at " + address + " (redirects are not followed)");
    assertThat(redirectedTo).as("requests at the redirect's target").hasValue(0);
  }

  @Test
  void anHtmlPageIsAnUnreadableAnswerNamingItsMediaTypeAndNotAWordOfIt() {
    handler = exchange -> reply(exchange, 200, "text/html; charset=UTF-8",
        "<html><body>Please log in: " + MARKER + "</body></html>");

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessage("unreadable answer from Prometheus at " + address()
            + " (HTTP 200, text/html): not a Prometheus API answer")
        .message().doesNotContain(MARKER);
  }

  @Test
  void aContentTypeThatIsNotOneMediaTypeIsNotShown() {
    handler = exchange -> reply(exchange, 200, "text/" + MARKER + " <b>", "{}");

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessage("unreadable answer from Prometheus at " + address()
            + " (HTTP 200, an unreadable Content-Type): not a Prometheus API answer");
  }

  @Test
  void jsonCutOffMidwayIsAnUnreadableAnswer() {
    handler = exchange -> reply(exchange, 200, "application/json", ONE_VALUE.substring(0, 60));

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageEndingWith("(HTTP 200, application/json): not a Prometheus API answer");
  }

  @Test
  void aBodyOverTheLimitIsAnUnreadableAnswerSayingOnlyThat() {
    // A label value that does not end: only the byte count can stop reading it.
    handler = exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\""
            + MARKER).getBytes(StandardCharsets.UTF_8));
        byte[] more = new byte[64 * 1024];
        Arrays.fill(more, (byte) 'x');
        for (long sent = 0; sent <= PrometheusAnswer.MAX_ANSWER_BYTES; sent += more.length) {
          out.write(more);
        }
      } catch (IOException e) {
        // The client stops reading at the limit and drops the connection.
      }
    };

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessage("unreadable answer from Prometheus at " + address() + " (HTTP 200, application/json): "
            + "body over 8 MiB");
  }

  /** OkHttp quotes a bad status line, and the hex of a line that never ends, in its exceptions. */
  @ParameterizedTest
  @ValueSource(strings = {"SSH-2.0-OpenSSH_9.6 " + MARKER + "\r\n", "+OK " + MARKER})
  void aServerThatDoesNotSpeakHttpIsUnreachableAndNotQuoted(String banner) throws IOException {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      handlers.execute(() -> {
        // OkHttp may try again on a fresh connection, so every connection gets the banner.
        while (!server.isClosed()) {
          try (Socket connection = server.accept()) {
            connection.getOutputStream().write(banner.getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            return;
          }
        }
      });
      String address = "http://127.0.0.1:" + server.getLocalPort();
      String hex = HexFormat.of().formatHex(MARKER.getBytes(StandardCharsets.UTF_8));

      assertThatThrownBy(() -> client.query(query(address, PrometheusEndpoint.Auth.NONE)))
          .isInstanceOf(QueryFailure.Unreachable.class)
          .hasMessageStartingWith("Prometheus at " + address + " unreachable: no HTTP answer (")
          .hasNoCause()
          .message().doesNotContain(MARKER).doesNotContain(hex.substring(0, 12));
    }
  }

  @Test
  void aBodyCutOffByTheConnectionClosingIsAnUnreadableAnswer() {
    handler = exchange -> {
      byte[] start = ONE_VALUE.substring(0, 60).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, ONE_VALUE.length());
      exchange.getResponseBody().write(start);
      exchange.getResponseBody().flush();
      // Closing with bytes missing makes the JDK server drop the connection.
    };

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageEndingWith("(HTTP 200, application/json): body cut off");
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
  void a401IsAnHttpErrorNamingItsMediaTypeAndNotAWordOfItsBody() {
    handler = exchange -> reply(exchange, 401, "text/plain; charset=utf-8", "token expired: " + MARKER + "\n");

    assertThatThrownBy(() -> client.query(query(address(), bearer("expired-token"))))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(401))
        .hasMessage("HTTP 401 from Prometheus at " + address() + " (text/plain): not a Prometheus API answer")
        .message().doesNotContain(MARKER);
  }

  @Test
  void a503NamesPrometheusErrorTypeAndNotItsText() {
    handler = exchange -> reply(exchange, 503,
        "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"TSDB not ready yet " + MARKER + "\"}");

    assertThatThrownBy(() -> client.query(query(address(), PrometheusEndpoint.Auth.NONE)))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(503))
        .hasMessage("HTTP 503 from Prometheus at " + address() + ": Prometheus is not ready (errorType unavailable)");
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

  private <T extends HttpServer> T serve(T server, Handler handler) {
    server.setExecutor(handlers);
    server.createContext("/", exchange -> {
      try (exchange) {
        handler.handle(exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
    if (server != stub) {
      others.add(server);
    }
    return server;
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  /** A server's TLS: its certificate and key, sent with the CA that signed it. */
  private static SSLContext serving(TestCertificates.Issued server, TestCertificates.Issued ca)
      throws GeneralSecurityException, IOException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "stub".toCharArray();
    keys.setKeyEntry("server", server.privateKey(), password,
        new Certificate[] {server.certificate(), ca.certificate()});
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    return context;
  }

  /**
   * The credentials are sent, and the stub echoes the Authorization header (and basic's decoded
   * user:password) in every place an answer has: an HTML page, a 401, Prometheus' bad_data and
   * execution error texts, a redirect's Location, a Content-Type; and one real value, so the debug
   * line of a success is read too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"bearer", "basic"})
  void noCredentialIsInAnyMessageToStringOrLogLineWhateverTheServerEchoes(String scheme) {
    PrometheusEndpoint.Auth auth = scheme.equals("bearer") ? bearer(TOKEN + "\n")
        : new PrometheusEndpoint.Auth(Optional.empty(), Optional.of(USER), Optional.of(PASSWORD), Optional.empty());
    List<String> credentials = scheme.equals("bearer") ? List.of(TOKEN)
        : List.of(USER, PASSWORD, Base64.getEncoder().encodeToString(
            (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    AtomicReference<String> answer = new AtomicReference<>();
    AtomicInteger asked = new AtomicInteger();
    handler = exchange -> {
      asked.incrementAndGet();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      // "Bearer <token>", or "Basic <base64>" and the "<user>:<password>" it encodes.
      String secret = authorization.startsWith("Basic ")
          ? new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8)
          : authorization.substring(7);
      String echo = authorization + " " + secret;
      String json = echo.replace("\\", "\\\\").replace("\"", "\\\"");
      switch (answer.get()) {
        case "html" -> reply(exchange, 200, "text/html", "<html><pre>" + echo + "</pre></html>");
        case "401" -> reply(exchange, 401, "text/plain", "no access for " + echo);
        case "bad_data" -> reply(exchange, 400, "application/json",
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"unexpected " + json + "\"}");
        case "execution" -> reply(exchange, 422, "application/json",
            "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"" + json + "\"}");
        case "redirect" -> {
          exchange.getResponseHeaders().set("Location", "http://127.0.0.1:1/" + URLEncoder.encode(echo,
              StandardCharsets.UTF_8));
          reply(exchange, 302, "text/plain", echo);
        }
        case "content-type" -> reply(exchange, 200,
            "text/x-" + secret.replaceFirst(":.*", "") + "; echo=\"" + json + "\"", echo);
        default -> reply(exchange, 200, "application/json", ONE_VALUE);
      }
    };
    // The address carries the credentials as user info too: that must not be shown either.
    String address = "http://" + USER + ":" + PASSWORD + "@127.0.0.1:" + stub.getAddress().getPort();
    Query query = query(address, auth);
    List<String> shown = new ArrayList<>();

    try (CapturedLog log = new CapturedLog("io.flagramp.metrics")) {
      for (String kind : List.of("html", "401", "bad_data", "execution", "redirect", "content-type", "value")) {
        answer.set(kind);
        try {
          assertThat(client.query(query)).as(kind).isEqualTo(7);
        } catch (QueryFailure f) {
          for (Throwable t = f; t != null; t = t.getCause()) {
            shown.add(t.getMessage());
            shown.add(t.toString());
          }
        }
      }
      assertThat(log.lines()).as("the debug lines of the answers").hasSizeGreaterThanOrEqualTo(3);
      shown.addAll(log.lines());
    }
    shown.add(query.toString());

    assertThat(asked).as("every answer was asked for").hasValue(7);
    assertThat(shown).contains("bad PromQL (Prometheus' reason is not shown: it holds a value of the auth Secret)",
        "unreadable answer from Prometheus at " + address() + " (HTTP 200, an unreadable Content-Type): "
            + "not a Prometheus API answer");
    for (String credential : credentials) {
      assertThat(shown).noneMatch(line -> line.contains(credential));
    }
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
    reply(exchange, status, null, body);
  }

  private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    if (contentType != null) {
      exchange.getResponseHeaders().set("Content-Type", contentType);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
