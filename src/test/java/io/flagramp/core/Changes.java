package io.flagramp.core;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/** Builds ScalingChanges for tests: {@code Changes.change("use-redis").step(1, "1h").step(100, null).build()}. */
final class Changes {

  static final Instant CREATED = Instant.parse("2026-11-20T00:00:00Z");

  private final String name;
  private final List<Step> steps = new ArrayList<>();
  private String configMap = "app-features";
  private String percentageKey = "USE_REDIS_PERCENTAGE";
  private String enabledKey = "USE_REDIS";
  private Instant created = CREATED;
  private long generation = 1;
  private boolean suspend;
  private String flagdKey;
  private String flagdFlag;

  private Changes(String name) {
    this.name = name;
  }

  static Changes change(String name) {
    return new Changes(name);
  }

  Changes step(int weight, String pause) {
    steps.add(new Step(weight, pause));
    return this;
  }

  Changes configMap(String configMap) {
    this.configMap = configMap;
    return this;
  }

  Changes keys(String percentageKey, String enabledKey) {
    this.percentageKey = percentageKey;
    this.enabledKey = enabledKey;
    return this;
  }

  /** Ramps flag {@code flag} of the flagd document in data key {@code key}, variants "on" and "off". */
  Changes flagd(String key, String flag) {
    this.flagdKey = key;
    this.flagdFlag = flag;
    return this;
  }

  Changes created(Instant created) {
    this.created = created;
    return this;
  }

  Changes generation(long generation) {
    this.generation = generation;
    return this;
  }

  Changes suspended() {
    this.suspend = true;
    return this;
  }

  ScalingChange build() {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("social").withGeneration(generation)
        .withUid("uid-" + name).withCreationTimestamp(created.toString()).withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(flagdKey != null ? FlagTarget.flagd(configMap, flagdKey, flagdFlag)
        : new FlagTarget(configMap, percentageKey, enabledKey));
    spec.setSteps(new ArrayList<>(steps));
    spec.setSuspend(suspend);
    change.setSpec(spec);
    return change;
  }
}
