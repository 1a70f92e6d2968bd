package io.flagramp.testbed;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * prom-label-proxy, as released (src/test/go/promlabelproxy builds the upstream command unchanged), in
 * front of a Prometheus of the test bed on a loopback port: {@code -label <label>} with the label value
 * read from the query parameter of the same name, its default, and the label APIs left off.
 */
public final class PromLabelProxy implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private final TestBedProcess process;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PromLabelProxy(TestBedProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts it, proxying to {@code upstream} and enforcing {@code label}, and returns once it answers its
   * {@code /healthz}; a binary that was not built fails the test under CI=true and skips it elsewhere.
   */
  public static PromLabelProxy start(String upstream, String label) {
    Path binary = GoTool.named("promlabelproxy").binary();
    int port = TestBed.freeLoopbackPort();
    TestBedProcess process = TestBedProcess.start("prom-label-proxy", List.of(binary.toString(),
        "-insecure-listen-address", "127.0.0.1:" + port, "-upstream", upstream, "-label", label),
        TestBed.logDir().resolve("prom-label-proxy-" + port + ".log"));
    PromLabelProxy proxy = new PromLabelProxy(process, port);
    try {
      await().atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(100))
          .until(() -> !process.isAlive() || proxy.status("/healthz") == 200);
    } catch (ConditionTimeoutException e) {
      proxy.close();
      throw new IllegalStateException("prom-label-proxy did not answer /healthz within " + STARTUP_TIMEOUT + ": "
          + process.describe(), e);
    }
    if (!process.isAlive()) {
      throw new IllegalStateException("prom-label-proxy did not start: " + process.describe());
    }
    return proxy;
  }

  /** Its root, the address a ScalingChange names: the proxy serves the Prometheus API only at its root. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** GETs {@code pathAndQuery} from the proxy; the status and body, whatever the status. */
  public HttpResponse<String> get(String pathAndQuery) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private int status(String path) {
    try {
      return get(path).statusCode();
    } catch (UncheckedIOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
