package io.flagramp.core;

/**
 * The labels by which the owners of what a ScalingChange touches agree to it. An author who may
 * create ScalingChanges cannot, through the operator, write a ConfigMap or send a Secret that does not
 * carry its label.
 */
public final class OptIn {

  /** On a ConfigMap: ScalingChanges may write flag keys in it. */
  public static final String FLAGS = "flagramp.io/flags";
  /** On a Secret: its credentials may be sent to the Prometheus a ScalingChange names. */
  public static final String PROMETHEUS_CREDENTIALS = "flagramp.io/prometheus-credentials";
  /** On a Deployment, StatefulSet or DaemonSet: ScalingChanges may restart it. */
  public static final String RESTART = "flagramp.io/restart";
  /** On a Secret: the webhook URL it holds may receive a ScalingChange's notifications. */
  public static final String NOTIFICATIONS = "flagramp.io/notifications";
  /** The value each takes. */
  public static final String VALUE = "true";

  private OptIn() {}
}
