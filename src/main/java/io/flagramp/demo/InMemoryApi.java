package io.flagramp.demo;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.OptIn;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.FlagWriteFailed;
import io.flagramp.operator.Reconciliation;
import io.flagramp.operator.StatusWriteFailed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A stand-in for the API server where a real one cannot run (the demo, the planner's tests, and the
 * fault tests that need thousands of histories): ConfigMaps and ScalingChanges with resourceVersions,
 * uids and preconditions, field ownership with the semantics of an Update (a manager that changes a
 * key's value owns it), optimistic locking on status, and a hook that injects a fault into any write.
 * It answers the same interfaces the operator uses against the real server, with the same meaning.
 */
public final class InMemoryApi {

  /** Restart targets, shared by every simulated operator process on this API. */
  public final Map<io.flagramp.api.v1alpha1.RestartTarget, InMemoryWorkloads.Workload> workloads =
      InMemoryWorkloads.store();

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** What a write meets. */
  public enum Fault {
    /** It goes through. */
    NONE,
    /** It never reaches the server: not applied, an error. */
    LOST,
    /** Someone else wrote the object just before it: not applied, a 409. */
    CONFLICT,
    /** It is applied, but the answer is lost (a timeout, or the process dies right after). */
    APPLIED_ANSWER_LOST
  }

  /** Which write is about to happen, for a {@link Faults} hook. */
  public enum WriteKind {
    STATUS,
    CONFIGMAP
  }

  /** Sees every ConfigMap write that is applied, with the data as it was just before. */
  @FunctionalInterface
  public interface WriteObserver {
    void applied(String configMap, Map<String, String> before, FlagWrite write);
  }

  /** Decides the fault for each write. */
  @FunctionalInterface
  public interface Faults {
    Fault next(WriteKind kind);
  }

  /** One ConfigMap. */
  public static final class ConfigMap {
    public final String uid = UUID.randomUUID().toString();
    long resourceVersion;
    public final Map<String, String> data = new LinkedHashMap<>();
    public final Map<String, String> annotations = new LinkedHashMap<>();
    public final Map<String, String> labels = new LinkedHashMap<>(Map.of(OptIn.FLAGS, OptIn.VALUE));
    public boolean immutable;
    /** The manager that owns each data key. */
    public final Map<String, String> owners = new LinkedHashMap<>();
  }

  private final Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
  private final Map<String, ScalingChange> changes = new LinkedHashMap<>();
  private long resourceVersions;
  public Faults faults = kind -> Fault.NONE;
  public WriteObserver observer = (configMap, before, write) -> { };
  public int configMapWrites;
  public int statusWrites;
  public int conflicts;

  // ---- ConfigMaps ----

  public ConfigMap createConfigMap(String name, Map<String, String> data, String manager) {
    ConfigMap cm = new ConfigMap();
    cm.data.putAll(data);
    data.keySet().forEach(k -> cm.owners.put(k, manager));
    cm.resourceVersion = ++resourceVersions;
    configMaps.put(name, cm);
    return cm;
  }

  public Optional<ConfigMap> configMap(String name) {
    return Optional.ofNullable(configMaps.get(name));
  }

  public void deleteConfigMap(String name) {
    configMaps.remove(name);
  }

  /** Someone else (kubectl, a GitOps tool) sets a key; null removes it. */
  public void externalWrite(String configMap, String key, String value, String manager) {
    ConfigMap cm = configMaps.get(configMap);
    if (value == null) {
      cm.data.remove(key);
      cm.owners.remove(key);
    } else if (!value.equals(cm.data.get(key))) {
      cm.data.put(key, value);
      cm.owners.put(key, manager);
    }
    cm.resourceVersion = ++resourceVersions;
  }

  /** Another change's claim on the ConfigMap, as its own write would have left it. */
  public void putClaim(String configMap, FlagClaim claim) {
    ConfigMap cm = configMaps.get(configMap);
    cm.annotations.put(claim.uid(), encode(claim));
    cm.resourceVersion = ++resourceVersions;
  }

  // ---- ScalingChanges ----

  public ScalingChange create(ScalingChange change) {
    if (change.getMetadata().getUid() == null) {
      change.getMetadata().setUid(UUID.randomUUID().toString());
    }
    if (change.getMetadata().getGeneration() == null) {
      change.getMetadata().setGeneration(1L);
    }
    change.getMetadata().setResourceVersion(Long.toString(++resourceVersions));
    changes.put(change.getMetadata().getName(), change);
    return change;
  }

  /** The stored object itself: a test may edit it in place, as if nobody were watching. */
  public ScalingChange stored(String name) {
    return changes.get(name);
  }

  /** What a reconcile gets: a copy, as an informer hands out. */
  public ScalingChange read(String name) {
    ScalingChange stored = changes.get(name);
    return stored == null ? null : JSON.unmarshal(JSON.asJson(stored), ScalingChange.class);
  }

  /** Another client touches the object (a label, an annotation): a new resourceVersion. */
  public void touch(String name) {
    changes.get(name).getMetadata().setResourceVersion(Long.toString(++resourceVersions));
  }

  /** A spec edit: a new generation. */
  public void specEdited(String name) {
    ScalingChange c = changes.get(name);
    c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
    touch(name);
  }

  // ---- what the operator uses ----

  public FlagStore flagStore(String namespace) {
    return new FlagStore() {
      @Override
      public Optional<Snapshot> read(String ns, String configMap, List<String> keys) {
        ConfigMap cm = configMaps.get(configMap);
        if (cm == null) {
          return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> others = new LinkedHashMap<>();
        for (String key : keys) {
          if (cm.data.containsKey(key)) {
            values.put(key, cm.data.get(key));
            String owner = cm.owners.get(key);
            if (owner != null && !owner.equals(ConfigMapFlagStore.FIELD_MANAGER)) {
              others.put(key, List.of(owner));
            }
          }
        }
        List<ObservedFlag.ObservedClaim> claims = new ArrayList<>();
        cm.annotations.forEach((k, v) -> claims.add(new ObservedFlag.ObservedClaim(decode(k, v), false)));
        return Optional.of(new Snapshot(new ObservedFlag(cm.uid, values, others, claims,
            OptIn.VALUE.equals(cm.labels.get(OptIn.FLAGS)), cm.immutable),
            new ReadVersion(cm.uid, Long.toString(cm.resourceVersion))));
      }

      @Override
      public void write(String ns, String configMap, FlagWrite write, ReadVersion version) {
        Fault fault = faults.next(WriteKind.CONFIGMAP);
        ConfigMap cm = configMaps.get(configMap);
        if (fault == Fault.LOST) {
          throw new FlagWriteFailed(configMap, new KubernetesClientException("connection reset"));
        }
        if (fault == Fault.CONFLICT && cm != null) {
          cm.resourceVersion = ++resourceVersions;  // a concurrent writer got there first
        }
        if (cm == null || !cm.uid.equals(version.uid())) {
          throw new FlagWriteFailed(configMap, new KubernetesClientException("not found", 404, null));
        }
        if (cm.immutable) {
          throw new FlagWriteFailed(configMap, new KubernetesClientException("field is immutable", 422, null));
        }
        boolean precondition = !(write instanceof FlagWrite.ReleaseClaim);
        if (precondition && !Long.toString(cm.resourceVersion).equals(version.resourceVersion())) {
          conflicts++;
          throw new FlagWriteFailed(configMap, new KubernetesClientException("the object has been modified", 409, null));
        }
        Map<String, String> before = new LinkedHashMap<>(cm.data);
        apply(cm, write);
        observer.applied(configMap, before, write);
        configMapWrites++;
        cm.resourceVersion = ++resourceVersions;
        if (fault == Fault.APPLIED_ANSWER_LOST) {
          throw new FlagWriteFailed(configMap, new KubernetesClientException("timeout waiting for the answer"));
        }
      }
    };
  }

  private static void apply(ConfigMap cm, FlagWrite write) {
    if (write instanceof FlagWrite.SetValues set) {
      set.values().forEach((k, v) -> set(cm, k, v, ConfigMapFlagStore.FIELD_MANAGER));
      cm.annotations.put(set.claim().uid(), encode(set.claim()));
      set.staleClaims().forEach(cm.annotations::remove);
    } else if (write instanceof FlagWrite.Restore restore) {
      restore.originals().forEach((k, v) -> set(cm, k, v,
          restore.managers().getOrDefault(k, ConfigMapFlagStore.RESTORE_MANAGER)));
      restore.keys().stream().filter(k -> !restore.originals().containsKey(k)).forEach(k -> {
        cm.data.remove(k);
        cm.owners.remove(k);
      });
      cm.annotations.remove(restore.claimUid());
    } else if (write instanceof FlagWrite.ReleaseClaim release) {
      cm.annotations.remove(release.claimUid());
    }
  }

  /** An Update: a manager that changes a key's value becomes its owner; the same value changes nothing. */
  private static void set(ConfigMap cm, String key, String value, String manager) {
    if (!value.equals(cm.data.get(key))) {
      cm.data.put(key, value);
      cm.owners.put(key, manager);
    }
  }

  private static String encode(FlagClaim claim) {
    return claim.name() + "|" + String.join(",", claim.keys()) + "|" + claim.applied();
  }

  private static FlagClaim decode(String uid, String value) {
    String[] parts = value.split("\\|", -1);
    return new FlagClaim(uid, parts[0], List.of(parts[1].split(",")), parts[2]);
  }

  public Reconciliation.StatusStore statusStore() {
    return (observed, next) -> {
      Fault fault = faults.next(WriteKind.STATUS);
      ScalingChange stored = changes.get(observed.getMetadata().getName());
      if (fault == Fault.LOST) {
        throw new StatusWriteFailed(new KubernetesClientException("connection reset"));
      }
      if (fault == Fault.CONFLICT && stored != null) {
        touch(stored.getMetadata().getName());
      }
      if (stored == null || !Objects.equals(stored.getMetadata().getResourceVersion(),
          observed.getMetadata().getResourceVersion())) {
        conflicts++;
        throw new StatusWriteFailed(new KubernetesClientException("the object has been modified", 409, null));
      }
      ScalingChangeStatus copy = JSON.unmarshal(JSON.asJson(next), ScalingChangeStatus.class);
      stored.setStatus(copy);
      statusWrites++;
      touch(stored.getMetadata().getName());
      if (fault == Fault.APPLIED_ANSWER_LOST) {
        throw new StatusWriteFailed(new KubernetesClientException("timeout waiting for the answer"));
      }
    };
  }

  public Reconciliation.Changes changes() {
    return (namespace, name) -> Optional.ofNullable(read(name));
  }
}
