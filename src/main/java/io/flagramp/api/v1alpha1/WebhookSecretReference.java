package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * Where a receiver's webhook URL is kept: one key of a Secret in the ScalingChange's namespace. The URL
 * is a credential (Slack's carry their secret in the path), so it is never written to the spec.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WebhookSecretReference {

  public static final String DEFAULT_KEY = "url";

  @Required
  @Size(min = 1, max = 253)
  @Pattern(FlagTarget.NAME_PATTERN)
  @JsonPropertyDescription("Name of the Secret, in the ScalingChange's namespace. It is read only if it carries"
      + " the label flagramp.io/notifications=true and is not a service-account token.")
  private String name;

  @Default(DEFAULT_KEY)
  @Size(min = 1, max = 253)
  @Pattern(FlagTarget.KEY_PATTERN)
  @JsonPropertyDescription("The Secret's key that holds the webhook URL (http or https). Default: url.")
  private String key;

  public WebhookSecretReference() {}

  public WebhookSecretReference(String name, String key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String keyOrDefault() {
    return key == null ? DEFAULT_KEY : key;
  }
}
