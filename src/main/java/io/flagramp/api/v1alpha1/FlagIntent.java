package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A ConfigMap write, recorded in status before it is made. A reconcile that finds it not made yet
 * makes it before deciding anything else; one that finds it made changes nothing. The next status
 * write after it was made clears it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FlagIntent {

  /** What the write does. */
  public enum Action {
    /** Set the flag's keys to a step's values. */
    Step,
    /** Put the original values back (a key that did not exist is removed) and release the claim. */
    Restore
  }

  @JsonPropertyDescription("Identifies the write, \"<attempt>.<weight>\" for a step; the ConfigMap's claim"
      + " annotation carries it once the write is made.")
  private String id;

  @JsonPropertyDescription("Step (write a step's values) or Restore (put the original values back).")
  private Action action;

  @JsonPropertyDescription("For a step: the weight it writes.")
  private Integer weight;

  @JsonPropertyDescription("For a step: the weight the flag held before it; absent when it held the original"
      + " values. For a restore: the weight the attempt had written when the revert was decided.")
  private Integer fromWeight;

  @JsonPropertyDescription("For a step: the values it writes.")
  private Map<String, String> values;

  @JsonPropertyDescription("For a step: the flag's keys as read just before it was decided (a key missing"
      + " here did not exist). If they differ when the write is made, someone else changed the flag.")
  private Map<String, String> from;

  @JsonPropertyDescription("The uid of the ConfigMap it was decided on. If the ConfigMap was deleted (or"
      + " deleted and created again) since, nothing of this write is on it.")
  private String configMapUid;

  @JsonPropertyDescription("When it was decided (RFC 3339).")
  private String decidedAt;

  @JsonPropertyDescription("For a restore: made only while this attempt's claim is still on the ConfigMap."
      + " Set for an abort after the change succeeded: another writer may have taken the keys since, and a"
      + " restore would undo its writes.")
  private Boolean needsClaim;

  public FlagIntent() {}

  public static FlagIntent step(String id, int weight, Integer fromWeight, Map<String, String> values,
      Map<String, String> from, String configMapUid, String decidedAt) {
    FlagIntent i = new FlagIntent();
    i.configMapUid = configMapUid;
    i.id = id;
    i.action = Action.Step;
    i.weight = weight;
    i.fromWeight = fromWeight;
    i.values = new LinkedHashMap<>(values);
    i.from = new LinkedHashMap<>(from);
    i.decidedAt = decidedAt;
    return i;
  }

  public static FlagIntent restore(String id, Integer fromWeight, String configMapUid, String decidedAt,
      boolean needsClaim) {
    FlagIntent i = new FlagIntent();
    i.fromWeight = fromWeight;
    i.needsClaim = needsClaim ? Boolean.TRUE : null;
    i.configMapUid = configMapUid;
    i.id = id;
    i.action = Action.Restore;
    i.decidedAt = decidedAt;
    return i;
  }

  public FlagIntent copy() {
    FlagIntent c = new FlagIntent();
    c.id = id;
    c.action = action;
    c.weight = weight;
    c.fromWeight = fromWeight;
    c.values = values == null ? null : new LinkedHashMap<>(values);
    c.from = from == null ? null : new LinkedHashMap<>(from);
    c.configMapUid = configMapUid;
    c.decidedAt = decidedAt;
    c.needsClaim = needsClaim;
    return c;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public Action getAction() {
    return action;
  }

  public void setAction(Action action) {
    this.action = action;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public Integer getFromWeight() {
    return fromWeight;
  }

  public void setFromWeight(Integer fromWeight) {
    this.fromWeight = fromWeight;
  }

  public Map<String, String> getValues() {
    return values;
  }

  public void setValues(Map<String, String> values) {
    this.values = values;
  }

  public Map<String, String> getFrom() {
    return from;
  }

  public void setFrom(Map<String, String> from) {
    this.from = from;
  }

  public String getConfigMapUid() {
    return configMapUid;
  }

  public void setConfigMapUid(String configMapUid) {
    this.configMapUid = configMapUid;
  }

  public String getDecidedAt() {
    return decidedAt;
  }

  public void setDecidedAt(String decidedAt) {
    this.decidedAt = decidedAt;
  }

  public Boolean getNeedsClaim() {
    return needsClaim;
  }

  public void setNeedsClaim(Boolean needsClaim) {
    this.needsClaim = needsClaim;
  }

  /** A restore made only while the attempt's claim is still on the ConfigMap. */
  public boolean needsClaim() {
    return Boolean.TRUE.equals(needsClaim);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlagIntent i && Objects.equals(id, i.id) && action == i.action
        && Objects.equals(weight, i.weight) && Objects.equals(fromWeight, i.fromWeight)
        && Objects.equals(values, i.values) && Objects.equals(from, i.from)
        && Objects.equals(configMapUid, i.configMapUid) && Objects.equals(decidedAt, i.decidedAt)
        && Objects.equals(needsClaim, i.needsClaim);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, action, weight, fromWeight, values, from, configMapUid, decidedAt, needsClaim);
  }

  @Override
  public String toString() {
    return action + " " + id + (values == null ? "" : " " + values);
  }
}
