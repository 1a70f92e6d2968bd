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
@ValidationRule(value = "has(self.percentageKey) != has(self.flagd)",
    message = "spec.flag: set either percentageKey or flagd, not both")
@ValidationRule(value = "!has(self.enabledKey) || has(self.percentageKey)",
    message = "spec.flag.enabledKey goes with percentageKey; a flagd flag has no enabled key")
@ValidationRule(value = "!has(self.enabledKey) || !has(self.percentageKey) || self.enabledKey != self.percentageKey",
    message = "spec.flag.enabledKey must differ from spec.flag.percentageKey")
@ValidationRule(value = "(!has(self.percentageKey) || (self.percentageKey != '.' && self.percentageKey != '..'))"
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

  @Size(min = 1, max = 253)
  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key written with each step's weight as a decimal string: \"1\", \"5\", ... \"100\"."
      + " Either this or flagd.")
  private String percentageKey;

  @Size(min = 1, max = 253)
  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Optional key set to \"true\" while the weight is above 0; restored on revert.")
  private String enabledKey;

  @JsonPropertyDescription("A flag in a flagd definition document (one data key of the ConfigMap): each step sets"
      + " its fractional split so that the on variant's share is the step's weight. Either this or percentageKey.")
  private FlagdFlag flagd;

  public FlagTarget() {}

  public FlagTarget(String configMapName, String percentageKey, String enabledKey) {
    this.configMapName = configMapName;
    this.percentageKey = percentageKey;
    this.enabledKey = enabledKey;
  }

  /** A flagd flag, {@code flags.<flag>} of the document in data key {@code key}. */
  public static FlagTarget flagd(String configMapName, String key, String flag) {
    FlagTarget target = new FlagTarget();
    target.setConfigMapName(configMapName);
    target.setFlagd(new FlagdFlag(key, flag, null, null));
    return target;
  }

  /**
   * The keys this flag writes, as claims hold them and original values record them: the percentage key
   * first, then the enabled key; for a flagd flag, {@code <data key>#<flag>} (see {@link FlagdFlag#claimKey}).
   */
  @JsonIgnore
  public List<String> keys() {
    if (flagd != null) {
      return List.of(flagd.claimKey());
    }
    List<String> keys = new ArrayList<>();
    keys.add(percentageKey);
    if (enabledKey != null) {
      keys.add(enabledKey);
    }
    return keys;
  }

  /** The ConfigMap data keys the flag is read from and written to. */
  @JsonIgnore
  public List<String> dataKeys() {
    return flagd != null ? List.of(flagd.getKey()) : keys();
  }

  public FlagdFlag getFlagd() {
    return flagd;
  }

  public void setFlagd(FlagdFlag flagd) {
    this.flagd = flagd;
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
