package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A person's on-call action (an approve or a promote): for which weight, with what value, by whom, when. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ActionRecord {

  @JsonPropertyDescription("The weight of the step it was given for.")
  @Max(100)
  private Integer weight;

  @JsonPropertyDescription("The annotation's value (over 256 characters: its sha256 digest).")
  @Size(max = Text.HANDLED)
  private String value;

  @JsonPropertyDescription("Who set the annotation. With FLAGRAMP_VERIFIED_APPROVER, an approval's is the user"
      + " in flagramp.io/approved-by, which the chart's approval policy makes the API server check against the"
      + " authenticated user. Otherwise the field manager that set it, from metadata.managedFields (kubectl"
      + " annotate is kubectl-annotate; a GitOps tool its own name), a name the client chooses; unknown when none"
      + " is recorded.")
  @Size(max = Text.NAME)
  private String by;

  @JsonPropertyDescription("When the operator acted on it (RFC 3339).")
  @Size(max = Text.SHORT)
  private String at;

  public ActionRecord() {}

  public ActionRecord(Integer weight, String value, String by, String at) {
    this.weight = weight;
    setValue(value);
    setBy(by);
    this.at = at;
  }

  public ActionRecord copy() {
    return new ActionRecord(weight, value, by, at);
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = Text.handled(value);
  }

  public String getBy() {
    return by;
  }

  public void setBy(String by) {
    this.by = Text.cap(by, Text.NAME);
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActionRecord r && Objects.equals(weight, r.weight) && Objects.equals(value, r.value)
        && Objects.equals(by, r.by) && Objects.equals(at, r.at);
  }

  @Override
  public int hashCode() {
    return Objects.hash(weight, value, by, at);
  }
}
