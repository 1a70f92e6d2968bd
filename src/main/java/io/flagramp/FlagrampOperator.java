package io.flagramp;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Planner;
import io.flagramp.metrics.GuardedDns;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.notify.Notifier;
import io.flagramp.operator.FairShares;
import io.flagramp.operator.HttpEndpoints;
import io.flagramp.operator.JosdkMetrics;
import io.flagramp.operator.KubernetesWorkloads;
import io.flagramp.operator.MeteredSource;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.operator.Clients;
import io.flagramp.operator.ConfigMapCache;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.EventRecorder;
import io.flagramp.operator.KeptScalingChange;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.Measurer;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.operator.Reconciliation;
import io.flagramp.operator.ScalingChangeReconciler;
import io.flagramp.operator.StepPacer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: the current kubeconfig (or the in-cluster service account), all namespaces
 * or those in FLAGRAMP_NAMESPACES, and one controller for ScalingChanges (all of them, or one shard's).
 */
public final class FlagrampOperator {

  private static final Logger log = LoggerFactory.getLogger(FlagrampOperator.class);

  private FlagrampOperator() {}

  public static void main(String[] args) {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.from(System.getenv());
    } catch (IllegalArgumentException e) {
      log.error("flagramp cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    settings.logLevel().apply();
    log.info("flagramp starting: {}", settings);
    if (settings.prometheusAllowlist().isEmpty()) {
      log.info("FLAGRAMP_PROMETHEUS_ALLOWLIST is empty and there is no FLAGRAMP_PROMETHEUS_ADDRESS: a ScalingChange"
          + " that names a Prometheus is Invalid (set the list to the Prometheus base URLs or hosts it may query)");
    }
    if (settings.webhookAllowlist().isEmpty()) {
      log.info("FLAGRAMP_WEBHOOK_ALLOWLIST is empty: no notification is sent, each is refused in status (set it to"
          + " the webhook base URLs or hosts the operator may send to)");
    }
    KubernetesClient client = Clients.client();
    OperatorMetrics metrics = OperatorMetrics.withJvm(PrometheusRegistry.defaultRegistry);
    // One HTTP client for every Prometheus; identical queries of different changes share one call per interval.
    // Names are looked up through the allowlist too: a *. pattern must not lead to a loopback or link-local address.
    MetricsSource prometheus = new SharedQueries(new MeteredSource(
        new PrometheusClient(GuardedDns.client(settings.prometheusAllowlist())), metrics));
    Operator operator = create(client, settings, Clock.systemUTC(), new ConfigMapFlagStore(client), prometheus,
        metrics);
    operator.installShutdownHook(Duration.ofSeconds(30));
    if (settings.httpPort() > 0) {
      try {
        HttpEndpoints.start(settings.httpPort(), metrics.registry(),
            () -> !operator.getRuntimeInfo().isStarted() || operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
      } catch (IOException e) {
        log.error("flagramp cannot start: port {} for /metrics, /healthz and /readyz: {}", settings.httpPort(),
            e.getMessage());
        System.exit(2);
        return;
      }
    }
    operator.start();
    log.info("flagramp watching ScalingChanges via {}{}", client.getMasterUrl(),
        (settings.shard().sharded() ? " of shard " + settings.shard() : "")
            + (settings.leaderElection() ? " once it leads (Lease " + settings.leaseName() + ")" : ""));
  }

  /** An operator that is configured but not started, so tests can run it against their own server. */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Clock clock,
      MetricsSource metrics) {
    return create(client, settings, clock, new ConfigMapFlagStore(client), metrics);
  }

  /** As {@link #create(KubernetesClient, OperatorSettings, Clock, MetricsSource)}, with the ConfigMap access given. */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Clock clock, FlagStore flags,
      MetricsSource metrics) {
    return create(client, settings, clock, flags, metrics, new OperatorMetrics(new PrometheusRegistry()));
  }

  /** The operator, its own metrics recorded in {@code operatorMetrics}. */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Clock clock, FlagStore flags,
      MetricsSource metrics, OperatorMetrics operatorMetrics) {
    // JOSDK may apply this overrider more than once (it does with leader election); register metrics only once.
    JosdkMetrics josdkMetrics = new JosdkMetrics(operatorMetrics.registry());
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client).withCloseClientOnStop(false)
          .withResourceCloner(Clients.cloner(client.getKubernetesSerialization()))
          .withMetrics(josdkMetrics);
      if (settings.leaderElection()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaseName(),
            settings.leaseNamespace().orElse(null), settings.instance()));
      }
    });
    EventRecorder events = EventRecorder.queued(client, clock, settings.instance());
    // Reconciles a change again: its measurements are ready, or its notifications' outcomes are to be recorded.
    SimpleInboundEventSource<ScalingChange> measured = new SimpleInboundEventSource<>("measurements");
    Consumer<ScalingChange> again = change -> measured.propagateEvent(ResourceID.fromResource(change));
    Notifier notifier = Notifier.create(client, settings.webhookAllowlist(), events, again, operatorMetrics, clock);
    Measurer measurer = new Measurer(client, metrics, settings.prometheusAddress(), settings.prometheusAllowlist(),
        new FairShares(), settings.prometheusTenantLabel());
    Reconciliation reconciliation = new Reconciliation(new Planner(settings.planner()), flags, measurer, events,
        (namespace, name) -> Optional.ofNullable(client.resources(ScalingChange.class).inNamespace(namespace)
            .withName(name).get()),
        clock, again).observedBy(Reconciliation.Observer.all(operatorMetrics, notifier))
        .restartingThrough(new KubernetesWorkloads(client), settings.requireConfigMapOptIn())
        .pacedBy(new StepPacer(settings.maxConcurrentSteps()).wakingThrough(again));
    // The flag ConfigMaps are read from the informer the reconciler sets up (a store wrapped by a test reads
    // with GETs, as before).
    ConfigMapCache configMaps = new ConfigMapCache();
    if (flags instanceof ConfigMapFlagStore store) {
      store.readingFrom(configMaps);
    }
    ScalingChangeReconciler reconciler = new ScalingChangeReconciler(reconciliation, events, clock, measured,
        settings.requireConfigMapOptIn(), operatorMetrics, configMaps, settings.shard(), reconciliation::letGo);
    operator.register(reconciler, config -> {
      config.withRetry(new GenericRetry().setInitialInterval(1_000).setIntervalMultiplier(2)
          .setMaxInterval(60_000).withoutMaxAttempts());
      if (!settings.shard().selector().selectsEverything()) {
        // The API server filters the list and the watch: another shard's changes never reach this cache.
        config.withLabelSelector(settings.shard().selector().toString());
      }
      if (settings.namespaces().isEmpty()) {
        config.watchingAllNamespaces();
      } else {
        config.settingNamespaces(settings.namespaces());
      }
      if (settings.namespaces().size() <= 1) {
        // Kept as little as a decision reads (KeptScalingChange). Only with one informer: JOSDK 5.2.3 gives
        // the one store it is configured with to each namespace's informer, whose lists then remove one
        // another's changes from it (a fuzz run with ten namespaces saw only one of them reconciled).
        config.withItemStore(new KeptScalingChange.Store());
      }
    });
    return operator;
  }
}
