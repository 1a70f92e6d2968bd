package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.OptIn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the operator's cache keeps of a ConfigMap: what a read of a flag takes from it
 * ({@link ConfigMapFlagStore#snapshot}) and no more, within a bound whatever the object holds: tens
 * of KiB at the very most, well under 1 KiB for a flag's ConfigMap as people write them. Anyone who
 * may label a ConfigMap decides how big it is (up to 1 MiB of data, 256 KiB of annotations, a field
 * set per key in managedFields), and the informer holds every labelled one in the cluster: kept
 * whole, a few hundred of them filled the heap.
 *
 * <p>Kept: name, namespace, uid, resourceVersion, {@code immutable}, the opt-in label; data values,
 * the shortest first, up to {@value #KEYS} keys and {@value #DATA_CHARS} characters of keys and
 * values; the {@code claim.flagramp.io/} annotations, all of them up to {@value #CLAIM_CHARS}
 * characters or none; and of managedFields, for each manager, which of the kept keys it owns, for up
 * to {@value #MANAGERS} managers. Which keys are a flag's is not known here (each ScalingChange names
 * its own, and new ones come), so the budget goes to short values first: flagramp writes weights and
 * booleans, and a flag key whose value did not fit is read from the API server.
 *
 * <p>What does not fit is named on the kept copy ({@link #LEFT_OUT}), never guessed at: a read that
 * needs a key whose value was left out, or whose claims or owners were, goes to the API server
 * instead ({@link #answers}). So the cache can only cost a GET, never answer wrong.
 */
public final class KeptConfigMap {

  /** Data values kept at most: a flag's keys, and the short settings often kept beside them. */
  static final int KEYS = 32;
  /** Characters of data keys and values kept at most. */
  static final int DATA_CHARS = 2048;
  /**
   * Characters of claim annotations (keys and values) kept at most. A claim flagramp writes is under
   * 1,000 characters (names and keys are at most 253 each), so this holds eight at their longest and
   * dozens as they are.
   */
  static final int CLAIM_CHARS = 8192;
  /** Managers whose ownership of kept keys is kept at most; the API server merges updaters past ten. */
  static final int MANAGERS = 16;

  /**
   * On a kept copy: the parts not kept whole, comma-separated ({@link Part}); absent when nothing was
   * left out. It is kept when a copy is kept again, so keeping is idempotent. It can only send reads
   * to the API server, so the same annotation written on a ConfigMap in the cluster costs that
   * ConfigMap's changes a GET per read, and nothing else.
   */
  static final String LEFT_OUT = "cache.flagramp.io/left-out";

  /** What may not be kept whole. */
  enum Part {
    /** Some data values: a key not kept may still be there. */
    DATA,
    /** Claim annotations: none is kept. */
    CLAIMS,
    /** Which manager owns which kept key: none is kept. */
    OWNERS;

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private KeptConfigMap() {}

  /** The kept copy of {@code cm}. */
  public static ConfigMap of(ConfigMap cm) {
    Set<String> leftOut = new TreeSet<>(leftOut(cm));
    Map<String, String> data = data(cm.getData(), leftOut);
    Map<String, String> annotations = claims(cm.getMetadata().getAnnotations(), leftOut);
    List<ManagedFieldsEntry> owners = owners(cm.getMetadata().getManagedFields(), data.keySet(), leftOut);
    if (!leftOut.isEmpty()) {
      annotations.put(LEFT_OUT, String.join(",", leftOut));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (cm.getMetadata().getLabels() != null && cm.getMetadata().getLabels().containsKey(OptIn.FLAGS)) {
      labels.put(OptIn.FLAGS, cm.getMetadata().getLabels().get(OptIn.FLAGS));
    }
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(cm.getMetadata().getName())
        .withNamespace(cm.getMetadata().getNamespace())
        .withUid(cm.getMetadata().getUid())
        .withResourceVersion(cm.getMetadata().getResourceVersion())
        .withLabels(labels)
        .withAnnotations(annotations)
        .withManagedFields(owners)
        .endMetadata()
        .withImmutable(cm.getImmutable())
        .withData(data)
        .build();
  }

  /**
   * Whether the kept copy {@code cm} holds all a read of {@code keys} takes: every key it has, with its
   * value, and all claims and owners. False means a GET. A ConfigMap that was never cut down answers
   * anything.
   */
  public static boolean answers(ConfigMap cm, List<String> keys) {
    Set<String> leftOut = leftOut(cm);
    if (leftOut.isEmpty()) {
      return true;
    }
    if (!leftOut.equals(Set.of(Part.DATA.word()))) {
      return false;
    }
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    return keys.stream().allMatch(data::containsKey);
  }

  /** The parts {@link #LEFT_OUT} on {@code cm} names; other words are not kept. */
  private static Set<String> leftOut(ConfigMap cm) {
    Map<String, String> annotations = cm.getMetadata().getAnnotations();
    String words = annotations == null ? null : annotations.get(LEFT_OUT);
    if (words == null) {
      return Set.of();
    }
    Set<String> named = new TreeSet<>(Arrays.asList(words.split(",")));
    return Arrays.stream(Part.values()).map(Part::word).filter(named::contains).collect(Collectors.toSet());
  }

  /** The shortest values first, while they fit the bounds. */
  private static Map<String, String> data(Map<String, String> all, Set<String> leftOut) {
    Map<String, String> kept = new LinkedHashMap<>();
    if (all == null) {
      return kept;
    }
    int chars = 0;
    List<Map.Entry<String, String>> shortestFirst = all.entrySet().stream()
        .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> length(e.getValue()))
            .thenComparing(Map.Entry::getKey))
        .toList();
    for (Map.Entry<String, String> e : shortestFirst) {
      int size = e.getKey().length() + length(e.getValue());
      if (kept.size() == KEYS || chars + size > DATA_CHARS) {
        leftOut.add(Part.DATA.word());
        break;
      }
      kept.put(e.getKey(), e.getValue());
      chars += size;
    }
    return kept;
  }

  private static int length(String value) {
    return value == null ? 0 : value.length();
  }

  /** Every claim annotation, or none when they do not fit. */
  private static Map<String, String> claims(Map<String, String> annotations, Set<String> leftOut) {
    Map<String, String> claims = new LinkedHashMap<>();
    if (annotations == null) {
      return claims;
    }
    int chars = 0;
    for (Map.Entry<String, String> a : annotations.entrySet()) {
      if (a.getKey().startsWith(ClaimAnnotations.PREFIX)) {
        chars += a.getKey().length() + length(a.getValue());
        claims.put(a.getKey(), a.getValue());
      }
    }
    if (chars > CLAIM_CHARS) {
      leftOut.add(Part.CLAIMS.word());
      claims.clear();
    }
    return claims;
  }

  /**
   * Each manager with the kept keys it owns, in managedFields' order (which decides whose a key is
   * handed back to): an entry with only {@code f:data} and those keys, the form
   * {@link ConfigMapFlagStore#owners} reads. None when there are too many managers.
   */
  private static List<ManagedFieldsEntry> owners(List<ManagedFieldsEntry> entries, Set<String> keys,
      Set<String> leftOut) {
    List<ManagedFieldsEntry> kept = new ArrayList<>();
    if (entries == null) {
      return kept;
    }
    // One name per key, shared by every manager's entry.
    List<String> fieldNames = keys.stream().map(key -> "f:" + key).toList();
    for (ManagedFieldsEntry entry : entries) {
      if (entry.getManager() == null || entry.getFieldsV1() == null
          || !(entry.getFieldsV1().getAdditionalProperties().get("f:data") instanceof Map<?, ?> owned)) {
        continue;
      }
      Map<String, Object> ownedKeys = new LinkedHashMap<>();
      for (String field : fieldNames) {
        if (owned.containsKey(field)) {
          ownedKeys.put(field, Map.of());
        }
      }
      if (ownedKeys.isEmpty()) {
        continue;
      }
      if (kept.size() == MANAGERS) {
        leftOut.add(Part.OWNERS.word());
        return new ArrayList<>();
      }
      FieldsV1 fields = new FieldsV1();
      fields.setAdditionalProperty("f:data", ownedKeys);
      kept.add(new ManagedFieldsEntryBuilder().withManager(entry.getManager()).withFieldsV1(fields).build());
    }
    return kept;
  }

  /** The informer's store: each ConfigMap as {@link #of} keeps it, the operator's own writes included. */
  static final class Store extends KeptStore<ConfigMap> {

    Store() {
      super(KeptConfigMap::of);
    }
  }
}
