package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.testbed.PrometheusServer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus behind basic auth ({@code basic_auth_users} in its web config) and a path prefix
 * ({@code --web.route-prefix=/prom}), as it often sits behind an ingress.
 */
class PrometheusBasicAuthIT {

  private static final String USER = "flagramp";
  private static final String PASSWORD = "correct horse battery staple";

  private static PrometheusServer prometheus;

  private final PrometheusClient client = new PrometheusClient();

  @BeforeAll
  static void startPrometheusBehindBasicAuth() {
    String webConfig = """
        basic_auth_users:
          %s: '%s'
        """.formatted(USER, bcrypt(PASSWORD));
    String authorization = "Basic " + Base64.getEncoder()
        .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    prometheus = PrometheusServer.prepare(List.of(), "", PrometheusServer.Web.PLAIN.withRoutePrefix("/prom")
        .withWebConfig(webConfig, Optional.empty(), Optional.of(authorization))).start();
  }

  @AfterAll
  static void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @Test
  void theRightCredentialsReadAValueThroughThePathPrefix() throws QueryFailure {
    assertThat(prometheus.baseUrl()).endsWith("/prom");

    assertThat(client.query(query(PASSWORD))).isEqualTo(7);
  }

  @Test
  void aWrongPasswordIsHttpError401AndTheMessageHoldsNoSecret() {
    assertThatThrownBy(() -> client.query(query("wrong password")))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(401))
        .hasMessageStartingWith("HTTP 401 from Prometheus at " + prometheus.baseUrl())
        .message().doesNotContain("wrong password").doesNotContain(PASSWORD);
  }

  @Test
  void noCredentialsAreHttpError401() {
    Query anonymous = new Query(new PrometheusEndpoint(prometheus.baseUrl(), Duration.ofSeconds(5),
        PrometheusEndpoint.Auth.NONE), "vector(7)", Instant.now(), Duration.ZERO);

    assertThatThrownBy(() -> client.query(anonymous))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(401));
  }

  private static Query query(String password) {
    PrometheusEndpoint.Auth auth = new PrometheusEndpoint.Auth(Optional.empty(), Optional.of(USER),
        Optional.of(password), Optional.empty());
    return new Query(new PrometheusEndpoint(prometheus.baseUrl(), Duration.ofSeconds(5), auth), "vector(7)",
        Instant.now(), Duration.ZERO);
  }

  /** Prometheus keeps only the bcrypt hash; cost 4, the least bcrypt allows, keeps each request quick. */
  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 4);
  }
}
