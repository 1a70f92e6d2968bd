package io.flagramp.api.v1alpha1;

/** How a webhook message is written: the documented JSON object, or Slack's {@code {"text": ...}}. */
public enum NotifyFormat {
  Generic,
  Slack
}
