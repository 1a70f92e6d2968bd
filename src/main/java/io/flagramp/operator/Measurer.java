package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Durations;
import io.flagramp.core.HttpAddress;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.core.OptIn;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers the planner's {@link MeasurementRequest}s off the reconcile threads: a reconcile that needs
 * numbers starts a round and returns; the queries of the round that must be sent run in the change's
 * namespace's {@link FairShares share}, keyed by the Prometheus endpoint in its canonical form (one
 * another change already sent is joined, taking no room), and when it is complete the change is
 * reconciled again and finds the answers here. So no reconcile ever waits for a Prometheus, an abort,
 * a delete or a revert never waits behind someone else's query, and a namespace whose queries hang or
 * flood holds only its own share: every other namespace's queries start at once.
 *
 * <p>It resolves where and how to ask: the spec's address or the operator's default, the timeout, and
 * credentials from a Secret in the change's own namespace, used only if the Secret carries the
 * {@link OptIn#PROMETHEUS_CREDENTIALS} label and is not a service-account token. A round refused for
 * that sends nothing. Behind a label-enforcing proxy, the tenant of every query is the change's own
 * namespace. Nothing here decides anything.
 */
public final class Measurer implements Reconciliation.Measure {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  private static final String SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token";

  private final KubernetesClient client;
  private final MetricsSource metrics;
  private final Optional<String> defaultAddress;
  private final AddressAllowlist allowlist;
  private final FairShares shares;
  /** The label a proxy in front of Prometheus enforces, if the operator's queries go through one. */
  private final Optional<String> tenantLabel;
  /** The round each change has in flight or ready, by the change's uid. */
  private final Map<String, Round> rounds = new ConcurrentHashMap<>();

  private record Round(MeasurementRequest request, CompletableFuture<Measurements> answers) {}

  /** With an empty allowlist: a change that names an address is refused; one that names none uses the default. */
  public Measurer(KubernetesClient client, MetricsSource metrics, Optional<String> defaultAddress) {
    this(client, metrics, defaultAddress, AddressAllowlist.parse(""), new FairShares());
  }

  public Measurer(KubernetesClient client, MetricsSource metrics, Optional<String> defaultAddress,
      AddressAllowlist allowlist, FairShares shares) {
    this(client, metrics, defaultAddress, allowlist, shares, Optional.empty());
  }

  /** With {@code tenantLabel}, every query is scoped to its change's namespace by the proxy that enforces it. */
  public Measurer(KubernetesClient client, MetricsSource metrics, Optional<String> defaultAddress,
      AddressAllowlist allowlist, FairShares shares, Optional<String> tenantLabel) {
    this.tenantLabel = tenantLabel;
    this.client = client;
    this.metrics = metrics;
    this.defaultAddress = defaultAddress;
    this.allowlist = allowlist;
    this.shares = shares;
  }

  @Override
  public Optional<Measurements> answers(ScalingChange change, MeasurementRequest request, Instant now,
      Runnable ready) {
    String uid = change.getMetadata().getUid();
    Round round = rounds.get(uid);
    if (round != null && round.request().equals(request)) {
      if (!round.answers().isDone()) {
        return Optional.empty();
      }
      // Kept until used: a reconcile that planned with them but could not act comes back to the same.
      Measurements answers = round.answers().join();
      if (request.fresh(answers.at(), now)) {
        return Optional.of(answers);
      }
    }
    Round started = new Round(request, start(change, request, now));
    rounds.put(uid, started);
    started.answers().whenComplete((answers, failure) -> ready.run());
    return Optional.empty();
  }

  @Override
  public void used(ScalingChange change, MeasurementRequest request) {
    String uid = change.getMetadata().getUid();
    rounds.computeIfPresent(uid, (u, round) -> round.request().equals(request) && round.answers().isDone() ? null
        : round);
  }

  @Override
  public void forget(ScalingChange change) {
    rounds.remove(change.getMetadata().getUid());
  }

  /** A whole round, waited for: for tests and tools, never on a reconcile thread. */
  public Measurements measure(ScalingChange change, MeasurementRequest request, Instant now) {
    return start(change, request, now).join();
  }

  private CompletableFuture<Measurements> start(ScalingChange change, MeasurementRequest request, Instant now) {
    Instant at = request.at().orElse(now);
    PrometheusEndpoint endpoint;
    try {
      endpoint = endpoint(change);
    } catch (EndpointRefused e) {
      return CompletableFuture.completedFuture(Measurements.refused(request.kind(), e.getMessage(), at));
    } catch (EndpointUnavailable e) {
      return CompletableFuture.completedFuture(failed(request, e.getMessage(), at));
    }
    Optional<CompletableFuture<Measurements>> alongside = request.alongside().map(r -> start(change, r, now));
    Map<String, CompletableFuture<Measurement>> pending = new LinkedHashMap<>();
    String namespace = change.getMetadata().getNamespace();
    request.queries().forEach((name, promql) -> pending.put(name, ask(namespace, endpoint, promql, at,
        request.shareWithin(name))));
    Optional<CompletableFuture<Measurement>> samples = request.samplesQuery()
        .map(q -> ask(namespace, endpoint, q, at, request.shareWithin()));
    CompletableFuture<?>[] all = new CompletableFuture<?>[pending.size() + 2];
    int i = 0;
    for (CompletableFuture<Measurement> f : pending.values()) {
      all[i++] = f;
    }
    all[i++] = samples.orElse(CompletableFuture.completedFuture(null));
    all[i] = alongside.orElse(CompletableFuture.completedFuture(null));
    return CompletableFuture.allOf(all).thenApply(done -> {
      Map<String, Measurement> answers = new LinkedHashMap<>();
      pending.forEach((name, f) -> answers.put(name, f.join()));
      return new Measurements(request.kind(), answers, samples.map(CompletableFuture::join),
          alongside.map(CompletableFuture::join), at);
    });
  }

  private static Measurements failed(MeasurementRequest request, String why, Instant at) {
    Map<String, Measurement> answers = new LinkedHashMap<>();
    request.queries().keySet().forEach(name -> answers.put(name, new Measurement.Failed(why)));
    return new Measurements(request.kind(), answers, request.samplesQuery().map(q -> new Measurement.Failed(why)),
        request.alongside().map(r -> failed(r, why, r.at().orElse(at))), at);
  }

  /**
   * One query of a round. A call that must reach Prometheus runs in the namespace's share, keyed by
   * the endpoint's address; a query the source answers without a call (one another change already
   * sent) takes no room there.
   */
  private CompletableFuture<Measurement> ask(String namespace, PrometheusEndpoint endpoint, String promql,
      Instant at, Duration shareWithin) {
    Query query = new Query(endpoint, promql, at, shareWithin);
    CompletableFuture<Double> answer;
    try {
      answer = metrics.ask(query, call -> shares.submit(namespace, endpoint.address(), () -> {
        try {
          return call.run();
        } catch (QueryFailure f) {
          throw new CompletionException(f);
        }
      }, call::queued, call::started));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer.handle((value, failure) -> failure == null ? new Measurement.Value(value)
        : measurement(MetricsSource.cause(failure)));
  }

  /** One query as the judge sees it: a value, no data (empty, NaN, Inf), or a provider failure. */
  public static Measurement measure(MetricsSource metrics, Query query) {
    try {
      return new Measurement.Value(metrics.query(query));
    } catch (QueryFailure | RuntimeException e) {
      return measurement(e);
    }
  }

  private static Measurement measurement(Throwable failure) {
    if (failure instanceof QueryFailure f) {
      return f.isNoData() ? new Measurement.NoData(f.getMessage()) : new Measurement.Failed(f.getMessage(),
          f instanceof QueryFailure.BadQuery || f instanceof QueryFailure.NotASingleValue);
    }
    if (failure instanceof FairShares.Refused refused) {
      return new Measurement.Failed(refused.getMessage());
    }
    return new Measurement.Failed("query failed: " + failure.getClass().getSimpleName());
  }

  PrometheusEndpoint endpoint(ScalingChange change) {
    PrometheusSource source = change.getSpec().getAnalysis().getPrometheus();
    Optional<String> named = Optional.ofNullable(source).map(PrometheusSource::getAddress);
    String written = named.or(() -> defaultAddress)
        .orElseThrow(() -> new EndpointUnavailable("no Prometheus address in the spec or the operator's settings"));
    HttpAddress address;
    try {
      // The one form checked, keyed and sent: two spellings of an address are one endpoint.
      address = HttpAddress.base(written);
    } catch (IllegalArgumentException e) {
      throw new EndpointRefused("Prometheus address not one the operator can query: " + e.getMessage());
    }
    if (named.isPresent() && !allowlist.allows(address)) {
      // The planner says so first (Invalid); this is the last line, so that nothing is ever sent.
      throw new EndpointRefused("Prometheus address not in FLAGRAMP_PROMETHEUS_ALLOWLIST");
    }
    Duration interval = Optional.ofNullable(change.getSpec().getAnalysis().getInterval()).map(Durations::parse)
        .orElse(Duration.ofMinutes(1));
    Duration timeout = Optional.ofNullable(source).map(PrometheusSource::getTimeout).map(Durations::parse)
        .orElse(Durations.min(DEFAULT_TIMEOUT, interval));
    PrometheusEndpoint.Auth auth = PrometheusEndpoint.Auth.NONE;
    if (source != null && source.getAuthSecretRef() != null) {
      auth = auth(change.getMetadata().getNamespace(), source.getAuthSecretRef().getName());
    }
    return new PrometheusEndpoint(address.toString(), timeout, auth,
        tenantLabel.map(label -> new PrometheusEndpoint.Tenant(label, change.getMetadata().getNamespace())));
  }

  /**
   * token, or username and password, and ca.crt, from a Secret in the change's own namespace, if its
   * owner opted in.
   */
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
    if (SERVICE_ACCOUNT_TOKEN.equals(secret.getType())) {
      throw new EndpointRefused("auth Secret " + name + " is a service-account token, which is never sent to"
          + " Prometheus; put the credentials in a Secret of their own, labelled " + OptIn.PROMETHEUS_CREDENTIALS
          + "=" + OptIn.VALUE);
    }
    Map<String, String> labels = secret.getMetadata().getLabels() == null ? Map.of() : secret.getMetadata().getLabels();
    if (!OptIn.VALUE.equals(labels.get(OptIn.PROMETHEUS_CREDENTIALS))) {
      throw new EndpointRefused("auth Secret " + name + " does not carry the label " + OptIn.PROMETHEUS_CREDENTIALS
          + "=" + OptIn.VALUE + ": its credentials are sent only if its owner opted in (kubectl label secret " + name
          + " " + OptIn.PROMETHEUS_CREDENTIALS + "=" + OptIn.VALUE + ")");
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

  /** The operator may not ask: nothing of the round is sent. */
  static final class EndpointRefused extends RuntimeException {
    EndpointRefused(String message) {
      super(message);
    }
  }
}
