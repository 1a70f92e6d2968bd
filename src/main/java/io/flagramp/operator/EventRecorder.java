package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Notice;
import io.flagramp.core.Timestamps;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a ScalingChange, for {@code kubectl describe}. An Event that cannot be
 * written is logged and dropped: it never fails a reconcile, whose decision is in status anyway.
 */
public final class EventRecorder implements Reconciliation.Events {

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;

  public EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void record(ScalingChange change, Notice notice) {
    String ns = change.getMetadata().getNamespace();
    String now = Timestamps.format(clock.instant());
    String message = notice.message().length() <= MAX_MESSAGE ? notice.message()
        : notice.message().substring(0, MAX_MESSAGE - 1) + "…";
    Event event = new EventBuilder()
        .withNewMetadata()
          .withNamespace(ns)
          .withName(change.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)
              .toLowerCase(Locale.ROOT))
        .endMetadata()
        .withNewInvolvedObject()
          .withApiVersion(change.getApiVersion()).withKind(change.getKind())
          .withName(change.getMetadata().getName()).withNamespace(ns)
          .withUid(change.getMetadata().getUid())
          .withResourceVersion(change.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(notice.kind().name())
        .withReason(notice.reason())
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent("flagramp").endSource()
        .withReportingComponent("flagramp.io/operator")
        .withReportingInstance(instance)
        .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn("{}/{}: could not record Event {} ({}): {}", ns, change.getMetadata().getName(),
          notice.reason(), notice.message(), e.getMessage());
    }
  }
}
