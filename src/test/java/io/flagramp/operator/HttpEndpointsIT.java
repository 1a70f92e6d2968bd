package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /healthz, /readyz and /metrics over real sockets, against clients that do not play along: connections
 * that send half a request and wait. The kubelet restarts the operator when /healthz does not answer
 * within the probe's timeout (3 s in the chart), so no other client may make it wait.
 */
class HttpEndpointsIT {

  private static final Logger log = LoggerFactory.getLogger(HttpEndpointsIT.class);

  /** How long a probe may take here: a third of the chart's timeoutSeconds. */
  private static final Duration PROBE_BOUND = Duration.ofSeconds(1);
  /** How long the test waits for any answer before calling it none. */
  private static final int GIVE_UP_MILLIS = 5_000;

  private final List<Socket> slow = new ArrayList<>();
  private HttpEndpoints endpoints;

  @AfterEach
  void close() throws IOException {
    for (Socket s : slow) {
      s.close();
    }
    if (endpoints != null) {
      endpoints.close();
    }
  }

  @Test
  void healthzAnswersWhileAHundredSlowConnectionsAreOpen() throws IOException {
    endpoints = HttpEndpoints.start(0, new PrometheusRegistry(), () -> true, () -> true);
    Duration quiet = probe("/healthz").latency();

    for (int i = 0; i < 100; i++) {
      slow.add(slowConnection(endpoints.port()));
    }
    Answer answer = probe("/healthz");

    log.info("/healthz took {} ms alone, {} ms with 100 slow connections open", quiet.toMillis(),
        answer.latency().toMillis());
    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(answer.latency()).isLessThan(PROBE_BOUND);
  }

  @Test
  void aConnectionThatDoesNotFinishItsRequestIsClosedAtTheDeadline() throws IOException {
    endpoints = HttpEndpoints.start(0, new PrometheusRegistry(), () -> true, () -> true, Duration.ofMillis(300),
        HttpEndpoints.MAX_CONNECTIONS);
    Socket s = slowConnection(endpoints.port());
    slow.add(s);
    s.setSoTimeout(GIVE_UP_MILLIS);
    long start = System.nanoTime();

    assertThat(s.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(GIVE_UP_MILLIS));
  }

  @Test
  void pastTheConnectionLimitTheOldestConnectionMakesRoom() throws IOException {
    endpoints = HttpEndpoints.start(0, new PrometheusRegistry(), () -> true, () -> true, HttpEndpoints.DEADLINE, 16);
    for (int i = 0; i < 40; i++) {
      slow.add(slowConnection(endpoints.port()));
    }

    Answer answer = probe("/healthz");

    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(answer.latency()).isLessThan(PROBE_BOUND);
    slow.get(0).setSoTimeout(GIVE_UP_MILLIS);
    assertThat(slow.get(0).getInputStream().read()).as("the oldest was closed").isEqualTo(-1);
  }

  @Test
  void aScrapeThatHangsDelaysNoProbe() throws IOException, InterruptedException {
    PrometheusRegistry registry = new PrometheusRegistry();
    CountDownLatch release = new CountDownLatch(1);
    registry.register(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new GaugeSnapshot(new MetricMetadata("flagramp_test_hanging"), List.of());
    });
    endpoints = HttpEndpoints.start(0, registry, () -> true, () -> true);
    List<Socket> scrapes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Socket s = new Socket("127.0.0.1", endpoints.port());
      s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      scrapes.add(s);
    }
    slow.addAll(scrapes);

    Answer answer = probe("/readyz");
    release.countDown();

    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(answer.latency()).isLessThan(PROBE_BOUND);
    scrapes.get(0).setSoTimeout(GIVE_UP_MILLIS);
    assertThat(readAll(scrapes.get(0).getInputStream())).startsWith("HTTP/1.1 200 OK");
  }

  @Test
  void servesTheMetricsInTheFormatAskedFor() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("flagramp_test_things_total").help("things").register(registry).inc(3);
    endpoints = HttpEndpoints.start(0, registry, () -> true, () -> true);

    Answer text = request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    Answer open = request("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text;version=1.0.0;"
        + "q=0.5,text/plain;version=0.0.4;q=0.1\r\n\r\n");
    Answer filtered = request("GET /metrics?name[]=nothing_of_that_name HTTP/1.1\r\nHost: x\r\n\r\n");
    Answer head = request("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(text.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(text.response()).contains("Content-Type: text/plain; version=0.0.4; charset=utf-8")
        .contains("flagramp_test_things_total 3.0");
    assertThat(open.response()).contains("Content-Type: application/openmetrics-text; version=1.0.0")
        .contains("flagramp_test_things_total 3.0").endsWith("# EOF\n");
    assertThat(filtered.response()).doesNotContain("flagramp_test_things");
    int length = text.response().length() - text.response().indexOf("\r\n\r\n") - 4;
    assertThat(text.response()).contains("Content-Length: " + length + "\r\n");
    assertThat(head.response()).contains("Content-Length: " + length + "\r\n").endsWith("\r\n\r\n");
  }

  @Test
  void answersWhatIsNotAProbeOrAScrape() throws IOException {
    AtomicBoolean ready = new AtomicBoolean(false);
    endpoints = HttpEndpoints.start(0, new PrometheusRegistry(), () -> true, ready::get);

    assertThat(probe("/readyz").response()).startsWith("HTTP/1.1 503 Service Unavailable").endsWith("not ok\n");
    ready.set(true);
    assertThat(probe("/readyz").response()).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 3\r\n")
        .endsWith("\r\n\r\nok\n");
    assertThat(request("HEAD /healthz HTTP/1.1\r\n\r\n").response()).startsWith("HTTP/1.1 200 OK")
        .endsWith("\r\n\r\n");
    assertThat(probe("/healthz/x").statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
    assertThat(request("POST /healthz HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi").statusLine())
        .isEqualTo("HTTP/1.1 405 Method Not Allowed");
    assertThat(request("hello\r\n\r\n").statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(request("GET /healthz HTTP/1.1\r\nX: " + "y".repeat(HttpEndpoints.MAX_HEAD) + "\r\n\r\n")
        .statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
  }

  /** A connection that sends the start of a request line and then nothing, ever. */
  private static Socket slowConnection(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), GIVE_UP_MILLIS);
    OutputStream out = s.getOutputStream();
    out.write("GET /heal".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** What a probe got: the status line (empty when none came within the test's patience) and how long it took. */
  record Answer(String statusLine, String response, Duration latency) {}

  private Answer probe(String path) throws IOException {
    return request("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.34\r\n"
        + "Accept: */*\r\nConnection: close\r\n\r\n");
  }

  private Answer request(String request) throws IOException {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", endpoints.port()), GIVE_UP_MILLIS);
      s.setSoTimeout(GIVE_UP_MILLIS);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String response = readAll(s.getInputStream());
      Duration latency = Duration.ofNanos(System.nanoTime() - start);
      int eol = response.indexOf("\r\n");
      return new Answer(eol < 0 ? response : response.substring(0, eol), response, latency);
    } catch (SocketTimeoutException e) {
      return new Answer("", "", Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }
}
