package io.flagramp.metrics;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * A Prometheus server and how to talk to it. Its {@link #toString()} shows no credential: neither the
 * Secret's nor a {@code user:password@} in the address.
 *
 * @param address base URL, e.g. {@code http://prometheus.monitoring.svc:9090} (a path prefix is kept)
 * @param timeout for the whole call: connect, send, wait, read
 * @param auth credentials and trust, from a Secret in the ScalingChange's namespace
 * @param tenant the tenant a label-enforcing proxy in front of Prometheus is to scope every query to;
 *     empty when the operator sends PromQL as written
 */
public record PrometheusEndpoint(String address, Duration timeout, Auth auth, Optional<Tenant> tenant) {

  /** With its "//" only: {@code user:password@host} would otherwise read as the scheme "user". */
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

  /** Queries sent as written, to whatever the address is. */
  public PrometheusEndpoint(String address, Duration timeout, Auth auth) {
    this(address, timeout, auth, Optional.empty());
  }

  /** Never prints the address' user info, nor the Secret's values. */
  @Override
  public String toString() {
    return "PrometheusEndpoint[address=" + printableAddress() + ", timeout=" + timeout + ", auth=" + auth
        + tenant.map(t -> ", tenant=" + t).orElse("") + "]";
  }

  /** The address as messages show it: without {@code user:password@}, on one line, no trailing slash. */
  String printableAddress() {
    return withoutUserInfo(address);
  }

  static String withoutUserInfo(String address) {
    HttpUrl url = HttpUrl.parse(address);
    if (url != null) {
      return url.newBuilder().username("").password("").build().toString().replaceFirst("/$", "");
    }
    // Not a URL OkHttp reads, so where its authority was meant to end is a guess: drop all between the
    // scheme and the last '@', which removes a password holding '/' or '@' too.
    Matcher scheme = SCHEME.matcher(address);
    int start = scheme.lookingAt() ? scheme.end() : 0;
    int at = address.lastIndexOf('@');
    return PrometheusAnswer.oneLine(at >= start ? address.substring(0, start) + address.substring(at + 1) : address);
  }

  /**
   * Whom a label-enforcing proxy such as prom-label-proxy ({@code -label <label>}, the label value read
   * from the query parameter of the same name) is to show data of: every request carries
   * {@code <label>=<value>}, and no other value of that parameter.
   *
   * @param label the label the proxy enforces, also the name of the parameter it reads
   * @param value the ScalingChange's namespace
   */
  public record Tenant(String label, String value) {

    @Override
    public String toString() {
      return label + "=" + value;
    }
  }

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
