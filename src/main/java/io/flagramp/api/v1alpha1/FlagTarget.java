package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.enabledKey) || self.enabledKey != self.percentageKey",
    message = "spec.flag.enabledKey must differ from spec.flag.percentageKey")
@ValidationRule(value = "self.percentageKey != '.' && self.percentageKey != '..'"
    + " && (!has(self.enabledKey) || (self.enabledKey != '.' && self.enabledKey != '..'))",
    message = "spec.flag: \".\" and \"..\" are not ConfigMap keys")
public class FlagTarget {

  /** A DNS subdomain, as Kubernetes requires of a ConfigMap name. */
  public static final String NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  /** What Kubernetes accepts as a ConfigMap data key. */
  public static final String KEY_PATTERN = "^[-._a-zA-Z0-9]+$";

  @Required
  @Size(min = 1, max = 253)
  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription("Name of the ConfigMap that holds the flag, in the ScalingChange's namespace.")
  private String configMapName;

  @Required
  @Size(min = 1, max = 253)
  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key written with each step's weight as a decimal string: \"1\", \"5\", ... \"100\".")
  private String percentageKey;

  @Size(min = 1, max = 253)
  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Optional key set to \"true\" while the weight is above 0; restored on revert.")
  private String enabledKey;

  public FlagTarget() {}

  public FlagTarget(String configMapName, String percentageKey, String enabledKey) {
    this.configMapName = configMapName;
    this.percentageKey = percentageKey;
    this.enabledKey = enabledKey;
  }

  /** The ConfigMap keys this flag writes, percentage key first. */
  @JsonIgnore
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    keys.add(percentageKey);
    if (enabledKey != null) {
      keys.add(enabledKey);
    }
    return keys;
  }

  public String getConfigMapName() {
    return configMapName;
  }

  public void setConfigMapName(String configMapName) {
    this.configMapName = configMapName;
  }

  public String getPercentageKey() {
    return percentageKey;
  }

  public void setPercentageKey(String percentageKey) {
    this.percentageKey = percentageKey;
  }

  public String getEnabledKey() {
    return enabledKey;
  }

  public void setEnabledKey(String enabledKey) {
    this.enabledKey = enabledKey;
  }
}
