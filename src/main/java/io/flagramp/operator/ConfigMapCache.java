package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;

/**
 * The flag ConfigMaps as the operator's informer holds them, so a reconcile reads its ConfigMap without
 * a GET, and its own writes (handed back after each patch, so the next reconcile does not read the
 * version before it). A stale read cannot do harm: every write is conditional on the resourceVersion
 * it was decided on, so a decision made on an old version is refused and made again.
 *
 * <p>Each ConfigMap is held as {@link KeptConfigMap} keeps it, within a bound whatever it holds, its
 * writes too; a read the kept copy cannot answer is a GET. The informer lists a page of {@value #LIST_PAGE} at a
 * time, so not even its first list holds the watched ConfigMaps whole.
 */
public final class ConfigMapCache {

  /**
   * ConfigMaps per page of the informer's lists. A ConfigMap is at most about 1.5 MiB as JSON, so a
   * page is read (and briefly held whole, before it is kept) in some tens of MiB; a cluster of ten
   * thousand small ones is still listed in a few hundred requests.
   */
  static final long LIST_PAGE = 20;

  private volatile InformerEventSource<ConfigMap, ?> informer;

  /** Reads go to this informer from now on (set once its event source exists). */
  void use(InformerEventSource<ConfigMap, ?> informer) {
    this.informer = informer;
  }

  /**
   * The cached ConfigMap, if it holds all a read of {@code keys} needs ({@link KeptConfigMap#answers});
   * empty when there is no informer yet, it does not hold this one, or it left out what these keys need.
   */
  Optional<ConfigMap> get(String namespace, String name, List<String> keys) {
    InformerEventSource<ConfigMap, ?> source = informer;
    return source == null ? Optional.empty()
        : source.get(new ResourceID(name, namespace)).filter(cm -> KeptConfigMap.answers(cm, keys));
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
    source.handleRecentResourceUpdate(ResourceID.fromResource(updated), KeptConfigMap.of(updated), previous);
  }
}
