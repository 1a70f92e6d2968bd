package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.core.AddressAllowlist;
import io.flagramp.notify.HttpTransport;
import io.flagramp.notify.Transport;
import io.flagramp.testbed.WebhookStub;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard where it stands in the operator, in front of the Prometheus client and the webhook
 * transport: a name a tenant controls under an allowed pattern (here resolved to a stub on 127.0.0.1,
 * as a Service of type ExternalName could make it) gets no connection, and the stub sees no request;
 * named in the allowlist itself, the same name is reached.
 */
class GuardedDnsIT {

  private static final String NAME = "metrics.tenant-b.svc";
  /** Every name resolves to loopback, where the stub listens. */
  private static final Dns TO_LOOPBACK = host -> List.of(InetAddress.getLoopbackAddress());

  private final WebhookStub stub = new WebhookStub();
  private final int port = Integer.parseInt(stub.base().substring(stub.base().lastIndexOf(':') + 1));

  @AfterEach
  void stop() {
    stub.close();
  }

  private static OkHttpClient guarded(String allowlist) {
    return new OkHttpClient.Builder().dns(new GuardedDns(TO_LOOPBACK, AddressAllowlist.parse(allowlist))).build();
  }

  @Test
  void aPrometheusNameUnderAPatternThatResolvesToLoopbackIsNeverAsked() {
    PrometheusClient client = new PrometheusClient(guarded("*.tenant-b.svc"));
    Query query = new Query(new PrometheusEndpoint("http://" + NAME + ":" + port, Duration.ofSeconds(2),
        PrometheusEndpoint.Auth.NONE), "vector(1)", Instant.now(), Duration.ZERO);

    assertThatThrownBy(() -> client.query(query)).isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus at http://" + NAME + ":" + port + " unreachable: refused: " + NAME + " resolves to a"
            + " loopback or link-local address, which the operator reaches only where its allowlist names that host"
            + " itself");
    assertThat(stub.to("/api/v1/query")).isEmpty();

    PrometheusClient named = new PrometheusClient(guarded(NAME));
    assertThatThrownBy(() -> named.query(query)).as("reached: the stub is no Prometheus")
        .isNotInstanceOf(QueryFailure.Unreachable.class);
    assertThat(stub.to("/api/v1/query")).hasSize(1);
  }

  @Test
  void aWebhookNameUnderAPatternThatResolvesToLoopbackIsNeverPosted() throws UnknownHostException {
    byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
    HttpUrl url = HttpUrl.get("http://" + NAME + ":" + port + "/hook");

    Transport.Attempt refused = new HttpTransport(guarded("*.tenant-b.svc"), Duration.ofSeconds(2)).post(url, json);
    assertThat(refused.delivered()).isFalse();
    assertThat(refused.cause()).isEqualTo("not_allowed");
    assertThat(refused.retryable()).isFalse();
    assertThat(stub.to("/hook")).isEmpty();

    Transport.Attempt sent = new HttpTransport(guarded(NAME), Duration.ofSeconds(2)).post(url, json);
    assertThat(sent.delivered()).isTrue();
    assertThat(stub.to("/hook")).hasSize(1);
  }
}
