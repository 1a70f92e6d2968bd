package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * A flag inside a flagd definition document held by one ConfigMap data key: each step sets its
 * {@code fractional} split so that the on variant's share is the step's weight.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.key != '.' && self.key != '..'", message = "spec.flag.flagd.key: \".\" and \"..\" are not"
    + " ConfigMap keys")
@ValidationRule(value = "(has(self.onVariant) ? self.onVariant : 'on') != (has(self.offVariant) ? self.offVariant : 'off')",
    message = "spec.flag.flagd: onVariant and offVariant must differ")
public class FlagdFlag {

  /** Separates the data key from the flag's key in the key a claim holds: no ConfigMap data key has it. */
  public static final String SEPARATOR = "#";

  @Required
  @Size(min = 1, max = 253)
  @Pattern(FlagTarget.KEY_PATTERN)
  @JsonPropertyDescription("The ConfigMap data key that holds the flagd definition (JSON), e.g. flags.flagd.json.")
  private String key;

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("The flag's key in the definition: flags.<flag>.")
  private String flag;

  @Size(min = 1, max = 253)
  @Default("on")
  @JsonPropertyDescription("The variant users get when the flag is on for them (default \"on\"); must exist.")
  private String onVariant;

  @Size(min = 1, max = 253)
  @Default("off")
  @JsonPropertyDescription("The variant everyone else gets (default \"off\"); must exist, and be the defaultVariant"
      + " when the flag has no targeting.")
  private String offVariant;

  public FlagdFlag() {}

  public FlagdFlag(String key, String flag, String onVariant, String offVariant) {
    this.key = key;
    this.flag = flag;
    this.onVariant = onVariant;
    this.offVariant = offVariant;
  }

  /** The key this flag holds in claims and original values: {@code <data key>#<flag>}. */
  @JsonIgnore
  public String claimKey() {
    return key + SEPARATOR + flag;
  }

  @JsonIgnore
  public String on() {
    return onVariant == null ? "on" : onVariant;
  }

  @JsonIgnore
  public String off() {
    return offVariant == null ? "off" : offVariant;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getFlag() {
    return flag;
  }

  public void setFlag(String flag) {
    this.flag = flag;
  }

  public String getOnVariant() {
    return onVariant;
  }

  public void setOnVariant(String onVariant) {
    this.onVariant = onVariant;
  }

  public String getOffVariant() {
    return offVariant;
  }

  public void setOffVariant(String offVariant) {
    this.offVariant = offVariant;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlagdFlag f && Objects.equals(key, f.key) && Objects.equals(flag, f.flag)
        && Objects.equals(onVariant, f.onVariant) && Objects.equals(offVariant, f.offVariant);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, flag, onVariant, offVariant);
  }
}
