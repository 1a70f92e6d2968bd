package io.flagramp.metrics;

import java.time.Duration;
import java.util.Optional;

/**
 * A Prometheus server and how to talk to it.
 *
 * @param address base URL, e.g. {@code http://prometheus.monitoring.svc:9090} (a path prefix is kept)
 * @param timeout for the whole call: connect, send, wait, read
 * @param auth credentials and trust, from a Secret in the ScalingChange's namespace
 */
public record PrometheusEndpoint(String address, Duration timeout, Auth auth) {

  /**
   * What the Secret named by {@code spec.analysis.prometheus.authSecretRef} holds: a bearer
   * {@code token}, or {@code username} and {@code password}, and optionally {@code ca.crt} (PEM) to
   * trust for https.
   */
  public record Auth(Optional<String> bearerToken, Optional<String> username, Optional<String> password,
      Optional<String> caCertificatePem) {

    public static final Auth NONE = new Auth(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** Never prints secrets. */
    @Override
    public String toString() {
      return "Auth[" + (bearerToken.isPresent() ? "bearer" : username.isPresent() ? "basic" : "none")
          + (caCertificatePem.isPresent() ? ", custom CA" : "") + "]";
    }
  }
}
