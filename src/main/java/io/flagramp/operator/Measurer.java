package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Durations;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.PrometheusEndpoint;
import io.flagramp.metrics.Query;
import io.flagramp.metrics.QueryFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Answers the planner's {@link MeasurementRequest}s: resolves where and how to ask (the spec's
 * address or the operator's default, the timeout, credentials from the Secret in the change's own
 * namespace), runs the queries side by side, and turns each typed failure into a measurement the
 * judge understands. Nothing here decides anything.
 */
public final class Measurer implements Reconciliation.Measure {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final MetricsSource metrics;
  private final Optional<String> defaultAddress;
  /**
   * Bounded: a Prometheus that times out must not cost a thread per metric per change. Daemon
   * threads, created on demand, living as long as the operator process.
   */
  private static final int QUERY_THREADS = 16;

  private final ExecutorService pool = Executors.newFixedThreadPool(QUERY_THREADS, r -> {
    Thread t = new Thread(r, "flagramp-query");
    t.setDaemon(true);
    return t;
  });

  public Measurer(KubernetesClient client, MetricsSource metrics, Optional<String> defaultAddress) {
    this.client = client;
    this.metrics = metrics;
    this.defaultAddress = defaultAddress;
  }

  @Override
  public Measurements measure(ScalingChange change, MeasurementRequest request, Instant now) {
    Instant at = request.at().orElse(now);
    Optional<Measurements> alongside = request.alongside().map(r -> measure(change, r, now));
    Optional<PrometheusEndpoint> endpoint;
    String unavailable = null;
    try {
      endpoint = Optional.of(endpoint(change));
    } catch (EndpointUnavailable e) {
      endpoint = Optional.empty();
      unavailable = e.getMessage();
    }
    Map<String, CompletableFuture<Measurement>> pending = new LinkedHashMap<>();
    for (Map.Entry<String, String> q : request.queries().entrySet()) {
      pending.put(q.getKey(), ask(endpoint, unavailable, q.getValue(), at, request.shareWithin()));
    }
    Optional<PrometheusEndpoint> target = endpoint;
    String why = unavailable;
    Optional<CompletableFuture<Measurement>> samples = request.samplesQuery()
        .map(q -> ask(target, why, q, at, request.shareWithin()));
    Map<String, Measurement> answers = new LinkedHashMap<>();
    pending.forEach((name, future) -> answers.put(name, future.join()));
    return new Measurements(request.kind(), answers, samples.map(CompletableFuture::join), alongside);
  }

  private CompletableFuture<Measurement> ask(Optional<PrometheusEndpoint> endpoint, String unavailable,
      String promql, Instant at, Duration shareWithin) {
    if (endpoint.isEmpty()) {
      return CompletableFuture.completedFuture(new Measurement.Failed(unavailable));
    }
    Query query = new Query(endpoint.get(), promql, at, shareWithin);
    return CompletableFuture.supplyAsync(() -> measure(metrics, query), pool);
  }

  /** One query as the judge sees it: a value, no data (empty, NaN, Inf), or a provider failure. */
  public static Measurement measure(MetricsSource metrics, Query query) {
    try {
      return new Measurement.Value(metrics.query(query));
    } catch (QueryFailure f) {
      return f.isNoData() ? new Measurement.NoData(f.getMessage()) : new Measurement.Failed(f.getMessage());
    } catch (RuntimeException e) {
      return new Measurement.Failed("query failed: " + e);
    }
  }

  PrometheusEndpoint endpoint(ScalingChange change) {
    PrometheusSource source = change.getSpec().getAnalysis().getPrometheus();
    String address = Optional.ofNullable(source).map(PrometheusSource::getAddress).or(() -> defaultAddress)
        .orElseThrow(() -> new EndpointUnavailable("no Prometheus address in the spec or the operator's settings"));
    Duration interval = Optional.ofNullable(change.getSpec().getAnalysis().getInterval()).map(Durations::parse)
        .orElse(Duration.ofMinutes(1));
    Duration timeout = Optional.ofNullable(source).map(PrometheusSource::getTimeout).map(Durations::parse)
        .orElse(Durations.min(DEFAULT_TIMEOUT, interval));
    PrometheusEndpoint.Auth auth = PrometheusEndpoint.Auth.NONE;
    if (source != null && source.getAuthSecretRef() != null) {
      auth = auth(change.getMetadata().getNamespace(), source.getAuthSecretRef().getName());
    }
    return new PrometheusEndpoint(address, timeout, auth);
  }

  /** token, or username and password, and ca.crt, from a Secret in the change's own namespace. */
  private PrometheusEndpoint.Auth auth(String namespace, String name) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new EndpointUnavailable("auth Secret " + name + " unreadable: " + ReconcileFault.describe(e));
    }
    if (secret == null) {
      throw new EndpointUnavailable("auth Secret " + name + " not found in namespace " + namespace);
    }
    Map<String, String> data = decoded(secret);
    if (data.containsKey("username") != data.containsKey("password")) {
      throw new EndpointUnavailable("auth Secret " + name + " has " + (data.containsKey("username") ? "username"
          : "password") + " without " + (data.containsKey("username") ? "password" : "username"));
    }
    return new PrometheusEndpoint.Auth(Optional.ofNullable(data.get("token")), Optional.ofNullable(data.get("username")),
        Optional.ofNullable(data.get("password")), Optional.ofNullable(data.get("ca.crt")));
  }

  private static Map<String, String> decoded(Secret secret) {
    Map<String, String> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8).trim()));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> data.put(k, v.trim()));
    }
    return data;
  }

  /** The endpoint cannot be built: every query of the round fails with this message. */
  static final class EndpointUnavailable extends RuntimeException {
    EndpointUnavailable(String message) {
      super(message);
    }
  }
}
