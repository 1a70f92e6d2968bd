package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;

/** JOSDK's own counts through its {@link Metrics} interface, as {@code flagramp_josdk_*}. */
public final class JosdkMetrics implements Metrics {

  private final Counter events;
  private final Counter started;
  private final Counter finished;
  private final Counter failed;
  private final Counter cleanups;
  private final Gauge executing;
  private final Histogram execution;

  public JosdkMetrics(PrometheusRegistry registry) {
    events = Counter.builder().name("flagramp_josdk_events_received_total").help("Events JOSDK received")
        .labelNames("type").register(registry);
    started = Counter.builder().name("flagramp_josdk_reconciliations_started_total")
        .help("Reconciliations JOSDK started").labelNames("retry").register(registry);
    finished = Counter.builder().name("flagramp_josdk_reconciliations_succeeded_total")
        .help("Reconciliations that finished without an error").register(registry);
    failed = Counter.builder().name("flagramp_josdk_reconciliations_failed_total")
        .help("Reconciliations that ended in an exception, by its type").labelNames("exception").register(registry);
    cleanups = Counter.builder().name("flagramp_josdk_cleanups_total").help("Deletions JOSDK finished")
        .register(registry);
    executing = Gauge.builder().name("flagramp_josdk_reconciliations_executing").help("Reconciliations running now")
        .register(registry);
    execution = Histogram.builder().name("flagramp_josdk_controller_execution_seconds")
        .help("JOSDK's timing of reconcile and cleanup calls").labelNames("type")
        .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5).register(registry);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    events.labelValues(event.getClass().getSimpleName()).inc();
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retry, Map<String, Object> metadata) {
    started.labelValues(retry == null ? "false" : "true").inc();
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    failed.labelValues(exception.getClass().getSimpleName()).inc();
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    executing.inc();
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    executing.dec();
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    cleanups.inc();
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    finished.inc();
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    long startedAt = System.nanoTime();
    try {
      return execution.execute();
    } finally {
      this.execution.labelValues(execution.controllerName() + "/" + execution.name())
          .observe((System.nanoTime() - startedAt) / 1e9);
    }
  }
}
