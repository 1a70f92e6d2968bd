package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.SecretReference;
import io.flagramp.core.OptIn;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator, as its own process, against Prometheus stand-ins that do what no real
 * Prometheus does (a stub server, the only way to get these answers): one echoes every credential it
 * receives back in its answer, one redirects elsewhere. No credential (bearer token, basic username and
 * password, CA certificate) appears in status, in an Event or in the operator's log; the redirect is
 * not followed and its body and Location are nowhere.
 */
@ExtendWith(KubeApiServerExtension.class)
class NothingLeaksIT {

  private static final String TOKEN = "tok-leak-7d9c2e";
  private static final String USER = "user-leak-31b8";
  private static final String PASSWORD = "pw-leak-f04a66";
  private static final String MARKER = "body-marker-5e1a";

  @Test
  void noCredentialAppearsInStatusEventsOrTheLogAndNoRedirectIsFollowed(KubeTestCluster cluster) throws Exception {
    TestCertificates.Issued ca = TestCertificates.authority("leak-test-ca");
    String caPem = ca.certificatePem();
    String caBody = caPem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    AtomicInteger redirectTargetHits = new AtomicInteger();
    HttpServer target = serve(HttpServer.create(loopback(), 0), exchange -> {
      redirectTargetHits.incrementAndGet();
      answer(exchange, 200, "text/plain", MARKER);
    });
    HttpServer redirecting = serve(HttpServer.create(loopback(), 0), exchange -> {
      exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + target.getAddress().getPort()
          + "/" + MARKER);
      answer(exchange, 302, "text/html", "<a href=\"/" + MARKER + "\">" + MARKER + "</a>");
    });
    HttpServer echoing = serve(HttpServer.create(loopback(), 0), NothingLeaksIT::echo);
    HttpsServer echoingTls = HttpsServer.create(loopback(), 0);
    echoingTls.setHttpsConfigurator(new HttpsConfigurator(serving(TestCertificates.loopbackServer(ca), ca)));
    serve(echoingTls, NothingLeaksIT::echo);
    String plain = "http://127.0.0.1:" + echoing.getAddress().getPort();
    String tls = "https://127.0.0.1:" + echoingTls.getAddress().getPort();
    String redirect = "http://127.0.0.1:" + redirecting.getAddress().getPort();

    OperatorHarness.installCrd(cluster.client());
    List<String> namespaces = new ArrayList<>();
    namespaces.add(withChange(cluster, "bearer", plain, Map.of("token", TOKEN)));
    namespaces.add(withChange(cluster, "basic", plain, Map.of("username", USER, "password", PASSWORD)));
    namespaces.add(withChange(cluster, "ca", tls, Map.of("token", TOKEN, "ca.crt", caPem)));
    namespaces.add(withChange(cluster, "redirect", redirect, Map.of()));

    Map<String, String> settings = Map.of("FLAGRAMP_NAMESPACES", String.join(",", namespaces),
        "FLAGRAMP_INSTANCE", "leaks", "FLAGRAMP_PROMETHEUS_ALLOWLIST", plain + "," + tls + "," + redirect
            + ",http://127.0.0.1:" + target.getAddress().getPort());
    Path logs = Files.createDirectories(Path.of("target", "leaks"));
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings, logs)) {
      operator.start();
      // Each change's queries fail until the breaker holds it: by then every message has been written.
      await().atMost(Duration.ofSeconds(90)).until(() -> namespaces.stream().allMatch(ns -> {
        ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").get();
        return sc.getStatus() != null && "MetricsUnavailable".equals(String.valueOf(sc.getStatus().getReason()))
            && sc.getStatus().getPhase() == io.flagramp.api.v1alpha1.Phase.Held;
      }));

      List<String> everything = new ArrayList<>(operator.logLines());
      for (String ns : namespaces) {
        ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").get();
        everything.add(cluster.client().getKubernetesSerialization().asJson(sc.getStatus()));
        for (Event e : cluster.client().v1().events().inNamespace(ns).list().getItems()) {
          everything.add(e.getReason() + " " + e.getMessage());
        }
      }
      String basic = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      for (String secret : List.of(TOKEN, USER, PASSWORD, basic, caBody, MARKER)) {
        assertThat(everything).as("nothing shows " + secret).noneMatch(line -> line.contains(secret));
      }
      assertThat(redirectTargetHits).as("the redirect was not followed").hasValue(0);
      String redirected = cluster.client().resources(ScalingChange.class).inNamespace(namespaces.get(3))
          .withName("use-redis").get().getStatus().getMetrics().get(0).getMessage();
      assertThat(redirected).contains("HTTP 302").contains("redirects are not followed");
      assertThat(cluster.client().resources(ScalingChange.class).inNamespace(namespaces.get(0)).withName("use-redis")
          .get().getStatus().getMetrics().get(0).getMessage()).contains("HTTP 401");
    } finally {
      target.stop(0);
      redirecting.stop(0);
      echoing.stop(0);
      echoingTls.stop(0);
    }
  }

  /** A namespace with an opted-in ConfigMap and Secret, and a change querying {@code address} with it. */
  private static String withChange(KubeTestCluster cluster, String prefix, String address, Map<String, String> auth) {
    String ns = cluster.createNamespace("leak-" + prefix);
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("app-features").addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("OTHER", "x").build())
        .create();
    ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("1s");
    if (!auth.isEmpty()) {
      cluster.client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prom-auth")
          .addToLabels(OptIn.PROMETHEUS_CREDENTIALS, OptIn.VALUE).endMetadata().withStringData(auth).build()).create();
      source.setAuthSecretRef(new SecretReference("prom-auth"));
    }
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    io.flagramp.api.v1alpha1.ProviderErrorPolicy breaker = new io.flagramp.api.v1alpha1.ProviderErrorPolicy();
    breaker.setConsecutiveErrorLimit(3);
    analysis.setOnProviderError(breaker);
    MetricCheck m = new MetricCheck("error-rate", "vector(0)");
    m.setMax(1.0);
    analysis.setMetrics(new ArrayList<>(List.of(m)));
    sc.getSpec().setAnalysis(analysis);
    cluster.client().resources(ScalingChange.class).resource(sc).create();
    return ns;
  }

  /** Answers 401 with every credential it received, in the body, in headers and in a realm. */
  private static void echo(HttpExchange exchange) throws IOException {
    String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
    String decoded = auth.startsWith("Basic ")
        ? new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8) : "";
    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + auth + " " + decoded + "\"");
    exchange.getResponseHeaders().add("X-Echo", auth);
    answer(exchange, 401, "text/html; charset=" + auth.replace(' ', '_'),
        "<html>" + MARKER + " you sent " + auth + " (" + decoded + ")</html>");
  }

  private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private static <S extends HttpServer> S serve(S server, Handler handler) {
    server.createContext("/", exchange -> {
      try (exchange) {
        handler.handle(exchange);
      }
    });
    server.start();
    return server;
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static SSLContext serving(TestCertificates.Issued server, TestCertificates.Issued ca) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "stub".toCharArray();
    keys.setKeyEntry("server", server.privateKey(), password, new Certificate[] {server.certificate(), ca.certificate()});
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    return context;
  }
}
