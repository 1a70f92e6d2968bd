package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** One webhook told of the change's transitions ({@code spec.notify[]}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WebhookReceiver {

  /** Lower-case letters, digits and '-', as for metric names. */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  public static final int MAX_NAME = 63;

  @Required
  @Size(min = 1, max = MAX_NAME)
  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription("Name of the receiver in status, Events and the operator's log, e.g. team-chat."
      + " Unique within the ScalingChange.")
  private String name;

  @Required
  @JsonPropertyDescription("The Secret key that holds the webhook URL.")
  private WebhookSecretReference secretRef;

  @Size(min = 1, max = 6)
  @JsonPropertyDescription("Which transitions to send: stepEntered, awaitingApproval, held, rolledBack, succeeded,"
      + " invalid. Omitted: all of them.")
  private List<NotifyEvent> events;

  @Default("Generic")
  @JsonPropertyDescription("Generic: the documented JSON object; Slack: {\"text\": ...} for Slack and chats that"
      + " accept Slack's incoming-webhook format.")
  private NotifyFormat format;

  public WebhookReceiver() {}

  public WebhookReceiver(String name, WebhookSecretReference secretRef) {
    this.name = name;
    this.secretRef = secretRef;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public WebhookSecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(WebhookSecretReference secretRef) {
    this.secretRef = secretRef;
  }

  public List<NotifyEvent> getEvents() {
    return events;
  }

  public void setEvents(List<NotifyEvent> events) {
    this.events = events;
  }

  public NotifyFormat getFormat() {
    return format;
  }

  public void setFormat(NotifyFormat format) {
    this.format = format;
  }

  public NotifyFormat formatOrDefault() {
    return format == null ? NotifyFormat.Generic : format;
  }

  /** The events this receiver hears of: those listed, or all when none are. */
  public Set<NotifyEvent> eventsOrDefault() {
    if (events == null || events.isEmpty()) {
      return EnumSet.allOf(NotifyEvent.class);
    }
    Set<NotifyEvent> listed = EnumSet.noneOf(NotifyEvent.class);
    events.stream().filter(java.util.Objects::nonNull).forEach(listed::add);
    return listed;
  }

  public boolean wants(NotifyEvent event) {
    return eventsOrDefault().contains(event);
  }
}
