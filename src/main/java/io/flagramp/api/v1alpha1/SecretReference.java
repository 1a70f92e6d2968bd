package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret in the ScalingChange's own namespace. */
public class SecretReference {

  @Required
  @Size(min = 1, max = 253)
  @Pattern(FlagTarget.NAME_PATTERN)
  @JsonPropertyDescription("Name of the Secret, in the ScalingChange's namespace.")
  private String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
