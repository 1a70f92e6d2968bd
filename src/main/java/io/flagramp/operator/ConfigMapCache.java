package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;

/**
 * The flag ConfigMaps as the operator's informer holds them, so a reconcile reads its ConfigMap without
 * a GET, and its own writes (handed back after each patch, so the next reconcile does not read the
 * version before it). A stale read cannot do harm: every write is conditional on the resourceVersion
 * it was decided on, so a decision made on an old version is refused and made again.
 */
public final class ConfigMapCache {

  private volatile InformerEventSource<ConfigMap, ?> informer;

  /** Reads go to this informer from now on (set once its event source exists). */
  void use(InformerEventSource<ConfigMap, ?> informer) {
    this.informer = informer;
  }

  /** The cached ConfigMap; empty when there is no informer yet or it does not hold this one. */
  Optional<ConfigMap> get(String namespace, String name) {
    InformerEventSource<ConfigMap, ?> source = informer;
    return source == null ? Optional.empty() : source.get(new ResourceID(name, namespace));
  }

  /** The operator's own write, so the cache holds it before the informer's watch brings it. */
  void wrote(ConfigMap updated, String previousResourceVersion) {
    InformerEventSource<ConfigMap, ?> source = informer;
    if (source == null || updated == null || previousResourceVersion == null) {
      return;
    }
    ConfigMap previous = new ConfigMapBuilder().withNewMetadata().withName(updated.getMetadata().getName())
        .withNamespace(updated.getMetadata().getNamespace()).withResourceVersion(previousResourceVersion)
        .endMetadata().build();
    source.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, previous);
  }
}
