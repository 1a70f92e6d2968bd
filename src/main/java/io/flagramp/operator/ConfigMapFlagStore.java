package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The flag's keys in a real ConfigMap, written with server-side apply under the field manager
 * {@value #FIELD_MANAGER}. Apply sends only the flag's keys, so every other key stays byte-identical,
 * and GitOps tools can be told to ignore exactly the fields this manager owns.
 *
 * <p>Each write carries the resourceVersion the decision was made on: if the ConfigMap changed in
 * between, the API server answers 409 and the change is planned again from what is there now. With
 * that guard the apply is forced, so flagramp takes the flag's keys over from whoever wrote them
 * before the rollout started.
 */
public final class ConfigMapFlagStore implements FlagStore {

  public static final String FIELD_MANAGER = "flagramp";

  private final KubernetesClient client;

  public ConfigMapFlagStore(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<Snapshot> read(String namespace, String configMap, List<String> keys) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(configMap).get();
    if (cm == null) {
      return Optional.empty();
    }
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : keys) {
      if (data.containsKey(key)) {
        values.put(key, data.get(key));
      }
    }
    return Optional.of(new Snapshot(new ObservedFlag(values, otherWriters(cm, keys)), versionOf(cm)));
  }

  /** For each key, the field managers other than flagramp that own {@code data.<key>}. */
  static Map<String, List<String>> otherWriters(ConfigMap cm, List<String> keys) {
    Map<String, List<String>> writers = new HashMap<>();
    List<ManagedFieldsEntry> entries = cm.getMetadata().getManagedFields();
    if (entries == null) {
      return writers;
    }
    for (ManagedFieldsEntry entry : entries) {
      if (FIELD_MANAGER.equals(entry.getManager()) || entry.getFieldsV1() == null) {
        continue;
      }
      Object data = entry.getFieldsV1().getAdditionalProperties().get("f:data");
      if (data instanceof Map<?, ?> owned) {
        for (String key : keys) {
          if (owned.containsKey("f:" + key)) {
            writers.computeIfAbsent(key, k -> new ArrayList<>()).add(entry.getManager());
          }
        }
      }
    }
    return writers;
  }

  @Override
  public void write(String namespace, String configMap, FlagWrite write, ReadVersion readVersion) {
    try {
      if (write instanceof FlagWrite.SetValues set) {
        apply(namespace, configMap, set.values(), readVersion);
      } else if (write instanceof FlagWrite.Restore restore) {
        restore(namespace, configMap, restore, readVersion);
      }
    } catch (KubernetesClientException e) {
      throw new FlagWriteFailed(configMap, e);
    }
  }

  private static ReadVersion versionOf(ConfigMap cm) {
    return new ReadVersion(cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion());
  }

  /**
   * Applies the values. The uid and resourceVersion in the applied object are preconditions: the
   * resourceVersion alone would not stop apply from creating a ConfigMap deleted since the read.
   */
  private ConfigMap apply(String namespace, String configMap, Map<String, String> values, ReadVersion version) {
    ConfigMapBuilder desired = new ConfigMapBuilder().withNewMetadata().withName(configMap)
        .withNamespace(namespace).withUid(version.uid()).withResourceVersion(version.resourceVersion()).endMetadata();
    if (!values.isEmpty()) {
      desired.withData(values);
    }
    return client.configMaps().inNamespace(namespace).resource(desired.build())
        .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(FIELD_MANAGER).withForce(true).build());
  }

  /**
   * Gives each key its original value back. Keys that did not exist are left out of the apply, which
   * removes them where flagramp was their only owner; a key someone else also owns is then removed
   * explicitly, since the original state had no such key at all.
   */
  private void restore(String namespace, String configMap, FlagWrite.Restore restore, ReadVersion version) {
    ConfigMap after = apply(namespace, configMap, restore.originals(), version);
    Map<String, String> data = after.getData() == null ? Map.of() : after.getData();
    List<String> stillThere = restore.keys().stream()
        .filter(k -> !restore.originals().containsKey(k) && data.containsKey(k)).toList();
    if (stillThere.isEmpty()) {
      return;
    }
    Map<String, Object> removal = new LinkedHashMap<>();
    stillThere.forEach(k -> removal.put(k, null));
    ReadVersion applied = versionOf(after);
    Map<String, Object> patch = Map.of(
        "metadata", Map.of("uid", applied.uid(), "resourceVersion", applied.resourceVersion()),
        "data", removal);
    client.configMaps().inNamespace(namespace).withName(configMap)
        .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(FIELD_MANAGER).build(),
            client.getKubernetesSerialization().asJson(patch));
  }
}
