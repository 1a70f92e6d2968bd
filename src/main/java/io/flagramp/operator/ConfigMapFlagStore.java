package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.ConfigMapPatch;
import io.flagramp.core.FlagFormat;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.OptIn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The flag's keys in a real ConfigMap, written with JSON merge patches that name only the flag's keys
 * and flagramp's claim annotation, so every other key stays byte-identical. Each write carries the
 * uid and resourceVersion the decision was made on as preconditions: if the ConfigMap changed, or was
 * deleted and created again, the API server refuses it and the change is planned again.
 *
 * <p>Why patches and not server-side apply: apply makes a manager's applied set the whole truth, so
 * two ScalingChanges writing different keys of one ConfigMap under the one manager {@value
 * #FIELD_MANAGER} would remove each other's keys. A patch (an Update operation) still records
 * {@value #FIELD_MANAGER} as the owner of every key it changes, so GitOps tools can be told to ignore
 * exactly those fields.
 */
public final class ConfigMapFlagStore implements FlagStore {

  public static final String FIELD_MANAGER = FlagWrite.FIELD_MANAGER;
  /** Restores a key whose owner before the first write is not known (an object without managedFields). */
  public static final String RESTORE_MANAGER = FlagWrite.RESTORE_MANAGER;

  private final KubernetesClient client;
  private volatile ConfigMapCache cache;

  public ConfigMapFlagStore(KubernetesClient client) {
    this.client = client;
  }

  /** Reads from the operator's informer where it holds the ConfigMap; a GET otherwise. */
  public ConfigMapFlagStore readingFrom(ConfigMapCache cache) {
    this.cache = cache;
    return this;
  }

  @Override
  public Optional<Snapshot> read(String namespace, String configMap, FlagFormat format) {
    ConfigMapCache c = cache;
    Optional<ConfigMap> cached = c == null ? Optional.empty() : c.get(namespace, configMap, format.dataKeys());
    // Not in the cache: not labelled (the informer sees only opted-in ones), just created, or gone; or
    // its kept copy left out a value, claim or owner these keys need.
    ConfigMap cm = cached.orElseGet(() -> client.configMaps().inNamespace(namespace).withName(configMap).get());
    return Optional.ofNullable(cm).map(m -> snapshot(m, format));
  }

  static Snapshot snapshot(ConfigMap cm, List<String> keys) {
    return snapshot(cm, FlagFormat.keys(keys));
  }

  static Snapshot snapshot(ConfigMap cm, FlagFormat format) {
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    List<ObservedFlag.ObservedClaim> claims = ClaimAnnotations.read(cm.getMetadata().getAnnotations()).stream()
        .map(c -> new ObservedFlag.ObservedClaim(c, false))
        .toList();
    Map<String, String> labels = cm.getMetadata().getLabels() == null ? Map.of() : cm.getMetadata().getLabels();
    return new Snapshot(ObservedFlag.of(format, cm.getMetadata().getUid(), data, owners(cm, format.dataKeys()),
        claims, OptIn.VALUE.equals(labels.get(OptIn.FLAGS)), Boolean.TRUE.equals(cm.getImmutable())), versionOf(cm));
  }

  /** For each key, the field managers that own {@code data.<key>}, flagramp included. */
  static Map<String, List<String>> owners(ConfigMap cm, List<String> keys) {
    Map<String, List<String>> writers = new HashMap<>();
    List<ManagedFieldsEntry> entries = cm.getMetadata().getManagedFields();
    if (entries == null) {
      return writers;
    }
    for (ManagedFieldsEntry entry : entries) {
      if (entry.getManager() == null || entry.getFieldsV1() == null) {
        continue;
      }
      Object data = entry.getFieldsV1().getAdditionalProperties().get("f:data");
      if (data instanceof Map<?, ?> owned) {
        for (String key : keys) {
          if (owned.containsKey("f:" + key) && !writers.getOrDefault(key, List.of()).contains(entry.getManager())) {
            writers.computeIfAbsent(key, k -> new ArrayList<>()).add(entry.getManager());
          }
        }
      }
    }
    return writers;
  }

  @Override
  public void write(String namespace, String configMap, FlagWrite write, Snapshot read) {
    ReadVersion at = read.version();
    try {
      for (ConfigMapPatch p : read.patches(write)) {
        ConfigMap updated = patch(namespace, configMap, p.manager(),
            p.conditional() ? at : new ReadVersion(at.uid(), null), p.annotations(), p.data());
        at = versionOf(updated);
      }
    } catch (KubernetesClientException e) {
      throw new FlagWriteFailed(configMap, e);
    }
  }

  private static ReadVersion versionOf(ConfigMap cm) {
    return new ReadVersion(cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion());
  }

  private ConfigMap patch(String namespace, String configMap, String manager, ReadVersion version,
      Map<String, String> annotations, Map<String, String> data) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("uid", version.uid());
    if (version.resourceVersion() != null) {
      metadata.put("resourceVersion", version.resourceVersion());
    }
    if (!annotations.isEmpty()) {
      metadata.put("annotations", annotations);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("metadata", metadata);
    if (!data.isEmpty()) {
      body.put("data", data);
    }
    // Patched through .resource(...): Fabric8's withName(...).patch(...) GETs the object first.
    ConfigMap named = new ConfigMapBuilder().withNewMetadata().withName(configMap).withNamespace(namespace)
        .endMetadata().build();
    ConfigMap updated = client.configMaps().inNamespace(namespace).resource(named)
        .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(manager).build(),
            client.getKubernetesSerialization().asJson(body));
    ConfigMapCache c = cache;
    if (c != null) {
      c.wrote(updated, version.resourceVersion());
    }
    return updated;
  }
}
